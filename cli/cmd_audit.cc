// mfactl audit [--user U] [--event E] [--app APP] [--limit N] [--follow]: the audit trail;
// --follow polls for new events (after the last id seen) until interrupted.
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"
#include "daemon/core/display_text.h"

namespace mfa::cli {
namespace {

constexpr unsigned kFollowPollMs = 1000;

std::string when(long long at_ms) {
  std::time_t t = static_cast<std::time_t>(at_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int cmd_audit(CliContext& ctx, std::vector<std::string> args) {
  std::string user, event, app, limit = "50";
  bool follow = false;
  std::erase_if(args,
                [&follow](const std::string& a) { return a == "--follow" && (follow = true); });
  if (!take_option(args, "--user", user) || !take_option(args, "--event", event) ||
      !take_option(args, "--app", app) || !take_option(args, "--limit", limit) || !args.empty()) {
    return usage_error("usage: audit [--user U] [--event E] [--app APP] [--limit N] [--follow]");
  }
  const std::string base = app.empty() ? "/v1/audit" : "/v1/apps/" + url_segment(app) + "/audit";
  long long after = 0;
  bool first = true;
  for (;;) {
    std::string target =
        base + "?limit=" + url_segment(limit) + "&after_id=" + std::to_string(after);
    if (!user.empty()) target += "&user=" + url_segment(user);
    if (!event.empty()) target += "&event=" + url_segment(event);
    auto r = ctx.call("GET", target);
    if (!r) return unreachable(r.error());
    if (r->status != 200) return daemon_error(*r, ctx.json);
    const auto events = parse_body(*r).value("events", nlohmann::json::array());
    for (const auto& e : events) {
      after = std::max(after, e.value("id", 0LL));
      if (ctx.json) {
        print_json_line(e);
        continue;
      }
      const std::string rhost = shown(e, "remote_addr");
      const std::string detail =
          core::escape_terminal_controls(e["detail"].dump(), core::EscapeStyle::kJson);
      std::printf("%s %-30s user=%s actor=%s%s %s\n", when(e.value("at_ms", 0LL)).c_str(),
                  shown(e, "event").c_str(), shown(e, "user").c_str(), shown(e, "actor").c_str(),
                  rhost.empty() ? "" : (" rhost=" + rhost).c_str(), detail.c_str());
    }
    std::fflush(stdout);
    if (!follow) return kExitOk;
    if (!first || !events.empty()) first = false;
    usleep(kFollowPollMs * 1000);
  }
}

}  // namespace mfa::cli
