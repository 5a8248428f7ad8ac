#include "daemon/src/api/json_fields.h"

#include <charconv>

#include "daemon/core/base/display_text.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/policy/remote_address.h"
#include "daemon/src/api/http_errors.h"

namespace mfa::daemon {

std::optional<std::string> string_field(const nlohmann::json& body, const char* name,
                                        std::size_t max_len, bool required, ApiResponse& err) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (!required) return std::string();
    err = error_response(400, "invalid_argument", std::string("missing field '") + name + "'");
    return std::nullopt;
  }
  if (!it->is_string()) {
    err = error_response(400, "invalid_argument",
                         std::string("field '") + name + "' must be a string");
    return std::nullopt;
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_len) {
    err = error_response(
        400, "invalid_argument",
        std::string("field '") + name + "' is longer than " + std::to_string(max_len));
    return std::nullopt;
  }
  if (required && s.empty()) {
    err = error_response(400, "invalid_argument", std::string("field '") + name + "' is empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> text_field(const nlohmann::json& body, const char* name,
                                      std::size_t max_len, bool required, ApiResponse& err) {
  auto s = string_field(body, name, max_len, required, err);
  if (!s) return std::nullopt;
  if (auto bad = core::check_display_text(*s, std::string("field '") + name + "'"); !bad) {
    err = from_error(bad.error());
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> address_field(const nlohmann::json& body, const char* name,
                                         ApiResponse& err) {
  auto s = string_field(body, name, limits::kMaxRhostLen, false, err);
  if (!s || s->empty()) return s;
  auto ip = core::canonical_ip(*s, name);
  if (!ip) {
    err = from_error(ip.error());
    return std::nullopt;
  }
  return std::move(*ip);
}

std::optional<long long> int_field(const nlohmann::json& body, const char* name, long long def,
                                   long long min, long long max, ApiResponse& err) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return def;
  if (!it->is_number_integer() || it->get<long long>() < min || it->get<long long>() > max) {
    err = error_response(400, "invalid_argument",
                         std::string("field '") + name + "' must be an integer from " +
                             std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return it->get<long long>();
}

std::optional<long long> int_query(const ApiRequest& req, const char* name, long long def,
                                   long long min, long long max, ApiResponse& err) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return def;
  long long v = 0;
  const char* first = it->second.data();
  const char* last = first + it->second.size();
  auto [p, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || p != last || v < min || v > max) {
    err = error_response(400, "invalid_argument",
                         std::string("query parameter '") + name + "' must be an integer from " +
                             std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::string query_or(const ApiRequest& req, const char* name, const std::string& def) {
  auto it = req.query.find(name);
  return it == req.query.end() ? def : it->second;
}

}  // namespace mfa::daemon
