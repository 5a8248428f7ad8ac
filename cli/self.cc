#include "cli/self.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/output.h"

namespace mfa::cli {

std::string current_user() {
  passwd pw{};
  passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return {};
  }
  return pw.pw_name;
}

bool take_app(CliContext& ctx, std::vector<std::string>& args) {
  std::string app;
  if (!take_option(args, "--app", app)) return false;
  if (!app.empty()) ctx.app = app;
  return true;
}

std::string target_user(CliContext& ctx, std::vector<std::string>& args) {
  std::string user;
  if (!take_app(ctx, args) || !take_option(args, "--user", user)) return {};
  if (!user.empty()) return user;
  return ctx.app == "system" ? current_user() : std::string();
}

std::string user_path(const CliContext& ctx, const std::string& user, const std::string& rest) {
  return "/v1/apps/" + url_segment(ctx.app) + "/users/" + url_segment(user) + rest;
}

bool prompt_line(const std::string& prompt, std::string& out) {
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  if (!std::getline(std::cin, out)) return false;
  while (!out.empty() && (out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return true;
}

nlohmann::json parse_body(const HttpResult& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

std::optional<int> post_with_step_up(const CliContext& ctx, const std::string& target,
                                     nlohmann::json body, HttpResult& out) {
  auto r = ctx.call("POST", target, body.dump());
  if (!r) return unreachable(r.error());
  if (r->status == 403 && error_message(*r).find("step_up_code") != std::string::npos) {
    std::string code;
    if (!prompt_line("This account already has a factor. Enter a current code from it: ", code)) {
      return usage_error("a code from an existing factor is needed");
    }
    body["step_up_code"] = code;
    r = ctx.call("POST", target, body.dump());
    if (!r) return unreachable(r.error());
  }
  out = std::move(*r);
  return std::nullopt;
}

std::string error_code(const HttpResult& r) {
  const auto j = parse_body(r);
  if (!j.contains("error") || !j["error"].is_object()) return {};
  return j["error"].value("code", "");
}

std::string error_message(const HttpResult& r) {
  const auto j = parse_body(r);
  if (!j.contains("error") || !j["error"].is_object()) return {};
  return j["error"].value("message", "");
}

void show_backup_codes(const nlohmann::json& j) {
  if (!j.contains("backup_codes")) return;
  std::printf(
      "\nBackup codes — each works once, at any code prompt. They are shown only "
      "now: store them somewhere safe.\n\n");
  print_backup_codes(j["backup_codes"]);
}

void print_backup_codes(const nlohmann::json& codes) {
  if (!codes.is_array()) return;
  int n = 0;
  for (const auto& c : codes) {
    const std::string s = c.is_string() ? shown(c.get_ref<const std::string&>()) : "?";
    std::printf("  %s-%s%s", s.substr(0, 4).c_str(), s.substr(4).c_str(), ++n % 2 ? "" : "\n");
  }
  std::printf("\n");
}

}  // namespace mfa::cli
