#include "cli/output.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "daemon/core/base/display_text.h"

namespace mfa::cli {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "mfactl: %s\n", message.c_str());
  return kExitUsage;
}

int unreachable(const Error& e) {
  std::fprintf(stderr, "mfactl: daemon unreachable: %s\n", e.context.c_str());
  return kExitUnreachable;
}

int daemon_error(const HttpResult& r, bool json) {
  if (json) {
    print_json_line(r.body);
    return kExitDaemonError;
  }
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    std::fprintf(stderr, "mfactl: %d %s: %s\n", r.status, shown(e, "code", "error").c_str(),
                 shown(e, "message").c_str());
  } else {
    std::fprintf(stderr, "mfactl: daemon answered HTTP %d\n", r.status);
  }
  return kExitDaemonError;
}

std::string shown(std::string_view text) {
  return core::escape_terminal_controls(text);
}

std::string shown(const nlohmann::json& j, const char* key, const char* def) {
  if (!j.is_object()) return def;
  const auto it = j.find(key);
  if (it == j.end()) return def;
  return it->is_string() ? shown(it->get_ref<const std::string&>()) : std::string();
}

void print_json(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  const std::string out = j.is_discarded()
                              ? shown(body)
                              : core::escape_terminal_controls(j.dump(2), core::EscapeStyle::kJson);
  std::fprintf(stdout, "%s\n", out.c_str());
}

void print_json_line(const nlohmann::json& j) {
  const std::string out = core::escape_terminal_controls(j.dump(), core::EscapeStyle::kJson);
  std::fprintf(stdout, "%s\n", out.c_str());
}

void print_json_line(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    std::fprintf(stdout, "%s\n", shown(body).c_str());
  } else {
    print_json_line(j);
  }
}

}  // namespace mfa::cli
