// mfactl enroll fido2: registers the FIDO2 security key plugged into this host for console and
// sudo logins. The daemon talks to the key (DESIGN.md section 3, "Local FIDO2 keys"); this
// command only asks for it, tells the user to touch the key, and prints the backup codes that
// come with a first factor. --pin (or a daemon that says the key needs its PIN) reads the
// key's PIN from the terminal without echo, or from standard input.
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"
#include "daemon/core/base/secret.h"

namespace mfa::cli {
namespace {

bool read_pin(std::string& out) {
  termios old{};
  const bool tty = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  const bool ok = prompt_line("Security key PIN: ", out);
  if (tty) {
    (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::fputs("\n", stderr);
  }
  return ok && !out.empty();
}

}  // namespace

int cmd_enroll_fido2(CliContext& ctx, std::vector<std::string> args) {
  std::string label;
  bool want_pin = false;
  if (auto it = std::find(args.begin(), args.end(), "--pin"); it != args.end()) {
    want_pin = true;
    args.erase(it);
  }
  const std::string user = target_user(ctx, args);
  if (user.empty() || !take_option(args, "--label", label) || args.size() != 1 ||
      args[0] != "fido2") {
    return usage_error("usage: enroll fido2 [--label LABEL] [--pin] [--user USER]");
  }
  if (ctx.app != "system") {
    return usage_error("a security key on this machine is for its logins: app system only");
  }
  nlohmann::json body = {{"label", label}};
  std::string pin;
  if (want_pin && !read_pin(pin)) return usage_error("no PIN entered");
  if (!pin.empty()) body["pin"] = pin;
  secure_wipe(pin);
  const std::string target = "/v1/apps/system/users/" + url_segment(user) + "/local-keys";
  std::fprintf(stderr, "Touch your security key (the one plugged into this machine).\n");
  HttpResult r;
  if (auto rc = post_with_step_up(ctx, target, body, r)) return *rc;
  if (r.status == 400 && !want_pin && error_message(r).find("needs its PIN") != std::string::npos) {
    std::fprintf(stderr, "%s\n", shown(error_message(r)).c_str());
    if (!read_pin(pin)) return usage_error("no PIN entered");
    body["pin"] = pin;
    secure_wipe(pin);
    std::fprintf(stderr, "Touch your security key.\n");
    if (auto rc = post_with_step_up(ctx, target, body, r)) return *rc;
  }
  if (body.contains("pin")) secure_wipe(body["pin"].get_ref<std::string&>());
  if (r.status != 201) return daemon_error(r, ctx.json);
  if (ctx.json) {
    print_json(r.body);
    return kExitOk;
  }
  const auto j = parse_body(r);
  const auto& f = j.contains("factor") ? j["factor"] : nlohmann::json::object();
  std::printf("Security key '%s' is registered (factor %s).\n", shown(f, "label").c_str(),
              shown(f, "id").c_str());
  show_backup_codes(j);
  return kExitOk;
}

}  // namespace mfa::cli
