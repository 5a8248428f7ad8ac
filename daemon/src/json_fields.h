// Reading typed, bounded fields out of a JSON request body. Every string has a limit; a wrong
// type or an oversized value is a 400 that names the field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "daemon/src/api_types.h"

namespace mfa::daemon {

// Returns the string (empty when absent and not required). On error fills `err`.
std::optional<std::string> string_field(const nlohmann::json& body, const char* name,
                                        std::size_t max_len, bool required, ApiResponse& err);
std::optional<long long> int_field(const nlohmann::json& body, const char* name, long long def,
                                   long long min, long long max, ApiResponse& err);
// Query parameter as a bounded integer (default when absent).
std::optional<long long> int_query(const ApiRequest& req, const char* name, long long def,
                                   long long min, long long max, ApiResponse& err);
std::string query_or(const ApiRequest& req, const char* name, const std::string& def = {});

}  // namespace mfa::daemon
