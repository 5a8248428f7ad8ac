#include "daemon/src/api/http_errors.h"

#include <nlohmann/json.hpp>

#include <string>

namespace mfa::daemon {

ApiResponse json_response(int status, const nlohmann::json& body) {
  ApiResponse r;
  r.status = status;
  // Replace invalid UTF-8 rather than throw: user-supplied strings may be echoed back.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

ApiResponse error_response(int status, std::string_view code, std::string_view message) {
  nlohmann::json j;
  j["error"] = {{"code", std::string(code)}, {"message", std::string(message)}};
  return json_response(status, j);
}

int http_status_for(Errc code) noexcept {
  switch (code) {
    case Errc::kOk: return 200;
    case Errc::kInvalidArgument:
    case Errc::kPolicyInvalid:
    case Errc::kConfigInvalid: return 400;
    case Errc::kUnauthenticated: return 401;
    case Errc::kPermissionDenied:
    case Errc::kFactorNotAllowed: return 403;
    case Errc::kNotFound: return 404;
    case Errc::kAlreadyExists:
    case Errc::kConflict: return 409;
    case Errc::kExpired: return 410;
    case Errc::kLimitExceeded: return 413;
    case Errc::kBadCode:
    case Errc::kReplayed: return 422;
    case Errc::kLockedOut:
    case Errc::kRateLimited: return 429;
    case Errc::kUnavailable:
    case Errc::kBusy: return 503;
    case Errc::kCrypto:
    case Errc::kStorage:
    case Errc::kInternal: return 500;
  }
  return 500;
}

ApiResponse from_error(const Error& e) {
  const int status = http_status_for(e.code);
  // 5xx bodies never carry internal context (it goes to the log at the boundary).
  const std::string message = status >= 500 ? std::string("internal error") : e.context;
  nlohmann::json j;
  j["error"] = {{"code", std::string(to_string(e.code))}, {"message", message}};
  if (e.retry_after_s > 0) j["error"]["retry_after"] = e.retry_after_s;
  ApiResponse r = json_response(status, j);
  if (e.retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_s));
  return r;
}

bool parse_json_body(const ApiRequest& req, nlohmann::json& out, ApiResponse& err) {
  out = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded() || !out.is_object()) {
    err = error_response(400, "invalid_json", "request body must be a JSON object");
    return false;
  }
  return true;
}

}  // namespace mfa::daemon
