// mfactl audit [--user U] [--event E] [--app APP] [--limit N] [--reverse | --follow]: the
// newest events first; --reverse the oldest first; --follow the last N in order, then polls
// for new ones (after the last id seen) until interrupted.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"
#include "daemon/core/base/display_text.h"

namespace mfa::cli {
namespace {

constexpr unsigned kFollowPollMs = 1000;

void print_events(const CliContext& ctx, const nlohmann::json& events) {
  for (const auto& e : events) {
    if (ctx.json) {
      print_json_line(e);
      continue;
    }
    const std::string rhost = shown(e, "remote_addr");
    const std::string client = shown(e, "client_addr");
    const std::string detail =
        core::escape_terminal_controls(e["detail"].dump(), core::EscapeStyle::kJson);
    std::printf("%s %-30s user=%s actor=%s%s%s %s\n", shown(e, "at").c_str(),
                shown(e, "event").c_str(), shown(e, "user").c_str(), shown(e, "actor").c_str(),
                rhost.empty() ? "" : (" rhost=" + rhost).c_str(),
                client.empty() ? "" : (" client=" + client).c_str(), detail.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int cmd_audit(CliContext& ctx, std::vector<std::string> args) {
  std::string user, event, app, limit = "50";
  bool follow = false;
  bool reverse = false;
  std::erase_if(args, [&](const std::string& a) {
    return (a == "--follow" && (follow = true)) || (a == "--reverse" && (reverse = true));
  });
  if (!take_option(args, "--user", user) || !take_option(args, "--event", event) ||
      !take_option(args, "--app", app) || !take_option(args, "--limit", limit) || !args.empty() ||
      (follow && reverse)) {
    return usage_error(
        "usage: audit [--user U] [--event E] [--app APP] [--limit N] [--reverse | --follow]");
  }
  std::string base = app.empty() ? "/v1/audit" : "/v1/apps/" + url_segment(app) + "/audit";
  base += "?limit=" + url_segment(limit);
  if (!user.empty()) base += "&user=" + url_segment(user);
  if (!event.empty()) base += "&event=" + url_segment(event);
  // Newest first by default; --reverse: the oldest first; --follow: the last N in the order
  // they happened, then each new one as it comes (like tail -f).
  auto r = ctx.call("GET", base + (reverse ? "&order=asc" : "&order=desc"));
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  auto events = parse_body(*r).value("events", nlohmann::json::array());
  long long last = 0;
  for (const auto& e : events) last = std::max(last, e.value("id", 0LL));
  if (follow) std::reverse(events.begin(), events.end());
  print_events(ctx, events);
  while (follow) {
    usleep(kFollowPollMs * 1000);
    r = ctx.call("GET", base + "&order=asc&after_id=" + std::to_string(last));
    if (!r) return unreachable(r.error());
    if (r->status != 200) return daemon_error(*r, ctx.json);
    events = parse_body(*r).value("events", nlohmann::json::array());
    for (const auto& e : events) last = std::max(last, e.value("id", 0LL));
    print_events(ctx, events);
  }
  return kExitOk;
}

}  // namespace mfa::cli
