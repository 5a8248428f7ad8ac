#include "cli/self.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

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

std::string target_user(std::vector<std::string>& args) {
  std::string user;
  if (!take_option(args, "--user", user)) return {};
  return user.empty() ? current_user() : user;
}

std::string user_path(const std::string& user, const std::string& rest) {
  return "/v1/apps/system/users/" + url_segment(user) + rest;
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

}  // namespace mfa::cli
