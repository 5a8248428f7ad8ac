#include "cli/output.h"

#include <nlohmann/json.hpp>

#include <cstdio>

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
    std::fprintf(stdout, "%s\n", r.body.c_str());
    return kExitDaemonError;
  }
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    std::fprintf(stderr, "mfactl: %d %s: %s\n", r.status, e.value("code", "error").c_str(),
                 e.value("message", "").c_str());
  } else {
    std::fprintf(stderr, "mfactl: daemon answered HTTP %d\n", r.status);
  }
  return kExitDaemonError;
}

void print_json(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    std::fprintf(stdout, "%s\n", body.c_str());
  } else {
    std::fprintf(stdout, "%s\n", j.dump(2).c_str());
  }
}

}  // namespace mfa::cli
