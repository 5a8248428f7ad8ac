// mfactl enroll passkey: issues a one-time self-service enrolment link and prints its URL; the
// user opens it in a browser and registers a passkey there (WebAuthn needs a browser). When the
// account already has a factor, a non-admin is asked for a current code first.
#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"

namespace mfa::cli {

int cmd_enroll_passkey(CliContext& ctx, std::vector<std::string> args) {
  const std::string user = target_user(ctx, args);
  if (user.empty() || args.size() != 1 || args[0] != "passkey") {
    return usage_error("usage: enroll passkey [--user USER] [--app APP]");
  }
  HttpResult r;
  if (auto exit = post_with_step_up(ctx, user_path(ctx, user, "/enroll-links"),
                                    nlohmann::json::object(), r)) {
    return *exit;
  }
  if (r.status != 201) return daemon_error(r, ctx.json);
  if (ctx.json) {
    print_json_line(r.body);
    return 0;
  }
  const auto j = parse_body(r);
  std::printf(
      "Open this link in a browser to register a passkey (it works once, until %s):\n\n"
      "  %s\n\n",
      shown(j, "expires_at").c_str(), shown(j, "url", shown(j, "path").c_str()).c_str());
  return 0;
}

}  // namespace mfa::cli
