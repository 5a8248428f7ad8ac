// JSON responses and the one mapping from mfa::Errc to HTTP status (DESIGN.md section 6:
// errors are {"error": {"code", "message"}}).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string_view>

#include "daemon/core/base/result.h"
#include "daemon/src/api/api_types.h"

namespace mfa::daemon {

ApiResponse json_response(int status, const nlohmann::json& body);
ApiResponse error_response(int status, std::string_view code, std::string_view message);
// Maps an engine error to its status; kLockedOut/kRateLimited carry Retry-After.
ApiResponse from_error(const Error& e);
int http_status_for(Errc code) noexcept;

// Parses a JSON object body; on failure fills `err` with a 400 response.
bool parse_json_body(const ApiRequest& req, nlohmann::json& out, ApiResponse& err);

}  // namespace mfa::daemon
