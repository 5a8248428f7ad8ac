// mfactl user show USER (MFA status) and mfactl reset USER (admin: remove every factor).
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"

namespace mfa::cli {

int cmd_user(CliContext& ctx, std::vector<std::string> args) {
  if (!take_app(ctx, args) || args.size() != 2 || args[0] != "show" || args[1].starts_with("-")) {
    return usage_error("usage: user show USER [--app APP]");
  }
  auto r = ctx.call("GET", user_path(ctx, args[1], "/mfa"));
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  if (ctx.json) {
    print_json(r->body);
    return kExitOk;
  }
  const auto j = parse_body(*r);
  std::printf("user:            %s\n", shown(j, "user").c_str());
  std::printf("effective mode:  %s (%s)\n", shown(j, "effective_mode").c_str(),
              shown(j, "matched_rule").c_str());
  std::printf("enrolled:        %s\n", j.value("enrolled", false) ? "yes" : "no");
  for (const auto& f : j.value("factors", nlohmann::json::array())) {
    std::printf("  factor         %s %s '%s' (%s)\n", shown(f, "id").c_str(),
                shown(f, "type").c_str(), shown(f, "label").c_str(), shown(f, "status").c_str());
  }
  std::printf("backup codes:    %d left\n", j.value("backup_codes_remaining", 0));
  const auto& grace = j["grace_deadline"];
  std::printf("grace deadline:  %s\n",
              grace.is_string() ? shown(j, "grace_deadline").c_str() : "-");
  const auto lock = j.value("lockout", nlohmann::json::object());
  if (lock.value("locked", false)) {
    std::printf("lockout:         locked, %lld s left\n", lock.value("retry_after", 0LL));
  } else {
    std::printf("lockout:         not locked (%lld recent failures)\n",
                lock.value("failures", 0LL));
  }
  return kExitOk;
}

int cmd_reset(CliContext& ctx, std::vector<std::string> args) {
  bool yes = false;
  std::erase_if(args, [&yes](const std::string& a) { return a == "--yes" && (yes = true); });
  if (!take_app(ctx, args)) return usage_error("usage: reset USER [--yes] [--app APP]");
  if (args.size() != 1) return usage_error("usage: reset USER [--yes] [--app APP]");
  if (!yes) {
    if (isatty(STDIN_FILENO) == 0) return usage_error("reset removes every factor: pass --yes");
    std::string answer;
    if (!prompt_line("Remove every factor and backup code of " + args[0] + "? [y/N] ", answer) ||
        (answer != "y" && answer != "yes")) {
      std::fprintf(stderr, "Nothing changed.\n");
      return kExitOk;
    }
  }
  auto r = ctx.call("POST", user_path(ctx, args[0], "/reset"), "{}");
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  if (ctx.json) {
    print_json(r->body);
  } else {
    std::printf("Reset %s: %d factor(s) removed.\n", shown(args[0]).c_str(),
                parse_body(*r).value("factors_removed", 0));
  }
  return kExitOk;
}

}  // namespace mfa::cli
