// Reading typed, bounded fields out of a JSON request body. Every string has a limit; a wrong
// type or an oversized value is a 400 that names the field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "daemon/src/api/api_types.h"

namespace mfa::daemon {

// Returns the string (empty when absent and not required). On error fills `err`.
std::optional<std::string> string_field(const nlohmann::json& body, const char* name,
                                        std::size_t max_len, bool required, ApiResponse& err);
// A string_field that people will read (a service name, a user agent): UTF-8 without terminal
// controls or bidirectional overrides (core/display_text.h).
std::optional<std::string> text_field(const nlohmann::json& body, const char* name,
                                      std::size_t max_len, bool required, ApiResponse& err);
// An optional IP address field (remote_addr), returned in its canonical spelling
// (core/remote_address.h); empty when absent. Anything but an address is a 400.
std::optional<std::string> address_field(const nlohmann::json& body, const char* name,
                                         ApiResponse& err);
std::optional<long long> int_field(const nlohmann::json& body, const char* name, long long def,
                                   long long min, long long max, ApiResponse& err);
// Query parameter as a bounded integer (default when absent).
std::optional<long long> int_query(const ApiRequest& req, const char* name, long long def,
                                   long long min, long long max, ApiResponse& err);
std::string query_or(const ApiRequest& req, const char* name, const std::string& def = {});

}  // namespace mfa::daemon
