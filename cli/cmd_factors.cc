// mfactl factors [USER], mfactl remove FACTOR, mfactl backup-codes [regenerate]: the caller's
// own factors (or any user's for admins, with --user / the USER argument).
#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"

namespace mfa::cli {
namespace {

// Sends a protected change; when the daemon asks for a step-up code, prompts for one and
// retries once with it in `body`.
Result<HttpResult> with_step_up(CliContext& ctx, const std::string& method, const std::string& path,
                                nlohmann::json body, const char* why) {
  auto r = ctx.call(method, path, body.dump());
  if (!r || r->status != 403 || error_message(*r).find("step_up_code") == std::string::npos) {
    return r;
  }
  std::string code;
  if (!prompt_line(std::string(why) + " Enter a current code from one of your factors: ", code)) {
    return r;
  }
  body["step_up_code"] = code;
  return ctx.call(method, path, body.dump());
}

}  // namespace

int cmd_factors(CliContext& ctx, std::vector<std::string> args) {
  if (!take_app(ctx, args)) return usage_error("usage: factors [USER] [--app APP]");
  std::string user = args.size() == 1 ? args[0] : ctx.app == "system" ? current_user() : "";
  if (args.size() > 1 || user.empty() || user.starts_with("-")) {
    return usage_error("usage: factors [USER] [--app APP] (USER is needed with --app)");
  }
  auto r = ctx.call("GET", user_path(ctx, user, "/factors"));
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  if (ctx.json) {
    print_json(r->body);
    return kExitOk;
  }
  const auto j = parse_body(*r);
  std::printf("%-30s %-8s %-9s %-22s %s\n", "ID", "TYPE", "STATUS", "LAST USED", "LABEL");
  for (const auto& f : j.value("factors", nlohmann::json::array())) {
    const auto& used = f["last_used_at"];
    std::printf("%-30s %-8s %-9s %-22s %s\n", shown(f, "id").c_str(), shown(f, "type").c_str(),
                shown(f, "status").c_str(),
                used.is_string() ? shown(f, "last_used_at").c_str() : "never",
                shown(f, "label").c_str());
  }
  return kExitOk;
}

int cmd_remove(CliContext& ctx, std::vector<std::string> args) {
  const std::string user = target_user(ctx, args);
  if (user.empty() || args.size() != 1)
    return usage_error("usage: remove FACTOR_ID [--user USER] [--app APP]");
  auto r = with_step_up(ctx, "DELETE", user_path(ctx, user, "/factors/" + url_segment(args[0])),
                        nlohmann::json::object(), "Removing a factor is protected.");
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  if (ctx.json) {
    print_json(r->body);
  } else {
    std::printf("Removed factor %s of %s.\n", shown(args[0]).c_str(), shown(user).c_str());
  }
  return kExitOk;
}

int cmd_backup_codes(CliContext& ctx, std::vector<std::string> args) {
  const std::string user = target_user(ctx, args);
  if (user.empty() || args.size() > 1 || (args.size() == 1 && args[0] != "regenerate")) {
    return usage_error("usage: backup-codes [regenerate] [--user USER] [--app APP]");
  }
  if (args.empty()) {
    auto r = ctx.call("GET", user_path(ctx, user, "/backup-codes"));
    if (!r) return unreachable(r.error());
    if (r->status != 200) return daemon_error(*r, ctx.json);
    if (ctx.json) {
      print_json(r->body);
    } else {
      std::printf("%d backup codes left.\n", parse_body(*r).value("remaining", 0));
    }
    return kExitOk;
  }
  auto r = with_step_up(ctx, "POST", user_path(ctx, user, "/backup-codes"),
                        nlohmann::json::object(), "Regenerating backup codes is protected.");
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  if (ctx.json) {
    print_json(r->body);
    return kExitOk;
  }
  std::printf("New backup codes (the old ones no longer work). Shown only now:\n\n");
  print_backup_codes(parse_body(*r).value("backup_codes", nlohmann::json::array()));
  return kExitOk;
}

}  // namespace mfa::cli
