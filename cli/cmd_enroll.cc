// mfactl enroll totp: QR code in the terminal, the secret below it, asks for the first code,
// prints the backup codes once. When the account already has a factor, asks for a current
// code from it first (DESIGN.md section 5: adding a factor is a protected change).
#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"

namespace mfa::cli {
namespace {

constexpr int kTries = 3;

std::string group4(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += s[i];
  }
  return out;
}

int activate(CliContext& ctx, const std::string& user, const std::string& factor_id) {
  for (int i = 0; i < kTries; ++i) {
    std::string code;
    if (!prompt_line("Enter the 6-digit code your app shows: ", code)) {
      return usage_error("no code entered; the factor stays pending");
    }
    const nlohmann::json body = {{"code", code}};
    auto r = ctx.call("POST", user_path(user, "/factors/" + url_segment(factor_id) + "/activate"),
                      body.dump());
    if (!r) return unreachable(r.error());
    if (r->status == 200) {
      if (ctx.json) {
        print_json(r->body);
        return kExitOk;
      }
      const auto j = parse_body(*r);
      std::printf("Factor %s is active.\n", factor_id.c_str());
      if (j.contains("backup_codes")) {
        std::printf(
            "\nBackup codes — each works once, at any code prompt. They are shown only "
            "now: store them somewhere safe.\n\n");
        int n = 0;
        for (const auto& c : j["backup_codes"]) {
          const std::string s = c.get<std::string>();
          std::printf("  %s-%s%s", s.substr(0, 4).c_str(), s.substr(4).c_str(),
                      ++n % 2 ? "" : "\n");
        }
        std::printf("\n");
      }
      return kExitOk;
    }
    if (error_code(*r) != "bad_code") return daemon_error(*r, ctx.json);
    std::fprintf(stderr, "Wrong code; check the time on your device and try again.\n");
  }
  return daemon_error(
      HttpResult{422, "application/json",
                 R"({"error":{"code":"bad_code","message":"too many wrong codes"}})"},
      ctx.json);
}

}  // namespace

int cmd_enroll(CliContext& ctx, std::vector<std::string> args) {
  if (!args.empty() && args[0] == "passkey") return cmd_enroll_passkey(ctx, std::move(args));
  if (!args.empty() && args[0] == "fido2") return cmd_enroll_fido2(ctx, std::move(args));
  std::string label;
  const std::string user = target_user(args);
  if (user.empty() || !take_option(args, "--label", label) || args.size() != 1 ||
      args[0] != "totp") {
    return usage_error("usage: enroll totp [--label LABEL] [--user USER]");
  }
  nlohmann::json body = {{"type", "totp"}, {"label", label}};
  auto r = ctx.call("POST", user_path(user, "/factors"), body.dump());
  if (!r) return unreachable(r.error());
  if (r->status == 403 && error_message(*r).find("step_up_code") != std::string::npos) {
    std::string code;
    if (!prompt_line("This account already has a factor. Enter a current code from it: ", code)) {
      return usage_error("a code from an existing factor is needed");
    }
    body["step_up_code"] = code;
    r = ctx.call("POST", user_path(user, "/factors"), body.dump());
    if (!r) return unreachable(r.error());
  }
  if (r->status != 201) return daemon_error(*r, ctx.json);
  const auto j = parse_body(*r);
  const std::string factor_id = j.value("factor_id", "");
  if (!ctx.json) {
    std::printf("Scan this QR code with your authenticator app:\n\n%s\n",
                j.value("qr_text", "").c_str());
    std::printf("Or enter this key by hand: %s\n(%s, %d digits, every %d s)\n\n",
                group4(j.value("secret", "")).c_str(),
                j["params"].value("algorithm", "SHA1").c_str(), j["params"].value("digits", 6),
                j["params"].value("period", 30));
  } else {
    std::printf("%s\n", r->body.c_str());  // JSON lines: the enrolment, then the activation
  }
  std::fflush(stdout);
  return activate(ctx, user, factor_id);
}

}  // namespace mfa::cli
