// mfactl enroll totp: QR code in the terminal, the secret below it, asks for the first code,
// prints the backup codes once. mfactl enroll sms --phone / email --email: the daemon sends a
// code to the number or address; mfactl says where it went (obfuscated unless the caller is an
// admin), asks for it ("r" sends a new one) and activates the factor. When the account already
// has a factor, asks for a current code from it first (DESIGN.md section 5: adding a factor
// is a protected change).
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"
#include "daemon/core/encoding/base32.h"

namespace mfa::cli {
namespace {

constexpr int kTries = 3;
constexpr const char* kUsage =
    "usage: enroll totp [--label LABEL] [--user USER] [--app APP] | enroll sms --phone "
    "+12015550145 "
    "[--country FR] [--label LABEL] [--user USER] [--app APP] | enroll email --email ADDRESS "
    "[--label LABEL] "
    "[--user USER]";

// The daemon's qr_text is plain half blocks (qr_render.h, no ANSI: the glyphs paint the light
// modules). It is drawn only when it is exactly that: any escape, control or other character
// is not a QR drawing and reaches no terminal. mfactl draws it dark-on-light itself: glyphs
// inverted, each row in "black on white", so it reads the same on dark and light terminals.
std::optional<std::string> qr_drawing(std::string_view qr) {
  static constexpr std::string_view kFull = "\xE2\x96\x88", kUpper = "\xE2\x96\x80",
                                    kLower = "\xE2\x96\x84";
  using Swap = std::pair<std::string_view, std::string_view>;
  static constexpr Swap kInvert[] = {
      {kFull, " "}, {kUpper, kLower}, {kLower, kUpper}, {" ", kFull}};
  // The last row holds one module row (QR sizes are odd): its lower half is outside the code
  // and stays light.
  static constexpr Swap kInvertLast[] = {{kUpper, " "}, {" ", kUpper}};
  if (qr.empty() || qr.back() != '\n') return std::nullopt;
  std::string out;
  while (!qr.empty()) {
    const std::size_t nl = qr.find('\n');
    std::string_view row = qr.substr(0, nl);
    qr.remove_prefix(nl + 1);
    out += "\x1B[30;47m";
    while (!row.empty()) {
      bool matched = false;
      for (auto [from, to] :
           qr.empty() ? std::span<const Swap>(kInvertLast) : std::span<const Swap>(kInvert)) {
        if (row.substr(0, from.size()) == from) {
          row.remove_prefix(from.size());
          out += to;
          matched = true;
          break;
        }
      }
      if (!matched) return std::nullopt;
    }
    out += "\x1B[0m\n";
  }
  return out;
}

// What the code prompt says, and whether the user may ask for a new code (delivered codes).
struct CodePrompt {
  std::string prompt = "Enter the 6-digit code your app shows: ";
  std::string wrong = "Wrong code; check the time on your device and try again.";
  std::string resend_challenge;  // enrolment challenge of a delivered code: "r" resends it
};

// Asks for a new code for the enrolment challenge; false (after printing why) when refused.
bool resend(CliContext& ctx, const std::string& challenge_id) {
  auto r = ctx.call(
      "POST",
      "/v1/apps/" + url_segment(ctx.app) + "/challenges/" + url_segment(challenge_id) + "/resend",
      "{}");
  if (!r) {
    unreachable(r.error());
    return false;
  }
  if (r->status != 200) {
    daemon_error(*r, false);
    return false;
  }
  std::fprintf(stderr, "A new code was sent to %s; the previous one no longer works.\n",
               shown(parse_body(*r), "destination").c_str());
  return true;
}

int activate(CliContext& ctx, const std::string& user, const std::string& factor_id,
             const CodePrompt& how) {
  for (int i = 0; i < kTries;) {
    std::string code;
    if (!prompt_line(how.prompt, code)) {
      return usage_error("no code entered; the factor stays pending");
    }
    if (!how.resend_challenge.empty() && (code == "r" || code == "R")) {
      if (!resend(ctx, how.resend_challenge)) ++i;
      continue;
    }
    const nlohmann::json body = {{"code", code}};
    auto r =
        ctx.call("POST", user_path(ctx, user, "/factors/" + url_segment(factor_id) + "/activate"),
                 body.dump());
    if (!r) return unreachable(r.error());
    if (r->status == 200) {
      if (ctx.json) {
        print_json(r->body);
        return kExitOk;
      }
      std::printf("Factor %s is active.\n", factor_id.c_str());
      show_backup_codes(parse_body(*r));
      return kExitOk;
    }
    if (error_code(*r) != "bad_code") return daemon_error(*r, ctx.json);
    std::fprintf(stderr, "%s\n", how.wrong.c_str());
    ++i;
  }
  return daemon_error(
      HttpResult{422, "application/json",
                 R"({"error":{"code":"bad_code","message":"too many wrong codes"}})"},
      ctx.json);
}

// Where a delivered code goes: sms (phone, and the country of a national number) or email.
struct Destination {
  std::string type;
  std::string address;
  std::string country;
};

// enroll sms --phone PHONE [--country CC] | enroll email --email ADDRESS: the daemon validates
// the number (its country's plan, E.164) or address, sends a code and keeps the factor pending
// until the code comes back.
int enroll_delivered(CliContext& ctx, const std::string& user, const Destination& to,
                     const std::string& label) {
  const std::string& type = to.type;
  nlohmann::json body = {{"type", type}, {"label", label}};
  body[type == "sms" ? "phone" : "address"] = to.address;
  if (!to.country.empty()) body["country"] = to.country;
  HttpResult r;
  if (auto exit = post_with_step_up(ctx, user_path(ctx, user, "/factors"), body, r)) return *exit;
  if (r.status != 201) return daemon_error(r, ctx.json);
  const auto j = parse_body(r);
  const std::string where = shown(j, "destination");
  if (ctx.json) {
    print_json_line(r.body);  // JSON lines: the enrolment, then the activation
  } else {
    std::printf("A code was sent %s %s. It expires at %s.\n",
                type == "sms" ? "by text message to" : "by email to", where.c_str(),
                shown(j, "code_expires_at").c_str());
  }
  std::fflush(stdout);
  CodePrompt how;
  how.prompt = "Enter the 6-digit code sent to " + where + " (r: send a new one): ";
  how.wrong = "Wrong code; try again.";
  how.resend_challenge = j.value("challenge_id", "");
  return activate(ctx, user, j.value("factor_id", ""), how);
}

}  // namespace

int cmd_enroll(CliContext& ctx, std::vector<std::string> args) {
  if (!args.empty() && args[0] == "passkey") return cmd_enroll_passkey(ctx, std::move(args));
  if (!args.empty() && args[0] == "fido2") return cmd_enroll_fido2(ctx, std::move(args));
  std::string label;
  std::string phone;
  std::string country;
  std::string address;
  const std::string user = target_user(ctx, args);
  if (user.empty() || !take_option(args, "--label", label) ||
      !take_option(args, "--phone", phone) || !take_option(args, "--country", country) ||
      !take_option(args, "--email", address) || args.size() != 1) {
    return usage_error(kUsage);
  }
  if (args[0] == "sms" && !phone.empty() && address.empty()) {
    return enroll_delivered(ctx, user, {"sms", phone, country}, label);
  }
  if (args[0] == "email" && !address.empty() && phone.empty() && country.empty()) {
    return enroll_delivered(ctx, user, {"email", address, ""}, label);
  }
  if (args[0] != "totp" || !phone.empty() || !address.empty() || !country.empty()) {
    return usage_error(kUsage);
  }
  HttpResult r;
  if (auto exit = post_with_step_up(ctx, user_path(ctx, user, "/factors"),
                                    {{"type", "totp"}, {"label", label}}, r)) {
    return *exit;
  }
  if (r.status != 201) return daemon_error(r, ctx.json);
  const auto j = parse_body(r);
  const std::string factor_id = j.value("factor_id", "");
  if (!ctx.json) {
    if (auto qr = qr_drawing(j.value("qr_text", ""))) {
      std::printf("Scan this QR code with your authenticator app:\n\n%s\n", qr->c_str());
    } else {
      std::printf("(The daemon's QR code holds other characters than a QR drawing: not shown.)\n");
    }
    const auto params = j.value("params", nlohmann::json::object());
    std::printf("Or enter this key by hand: %s\n(%s, %d digits, every %d s)\n\n",
                core::base32_grouped(shown(j, "secret")).c_str(),
                shown(params, "algorithm", "SHA1").c_str(), params.value("digits", 6),
                params.value("period", 30));
  } else {
    print_json_line(r.body);  // JSON lines: the enrolment, then the activation
  }
  std::fflush(stdout);
  return activate(ctx, user, factor_id, CodePrompt{});
}

}  // namespace mfa::cli
