#include "daemon/src/route_access.h"

#include "daemon/core/code_verifier.h"
#include "daemon/core/factor_service.h"
#include "daemon/core/limits.h"
#include "daemon/core/policy_context.h"
#include "daemon/src/http_errors.h"
#include "daemon/src/json_fields.h"

namespace mfa::daemon {

bool caller_is_admin_of(const Caller& caller, const std::string& app) {
  switch (caller.kind) {
    case Caller::Kind::kUnixPeer: return caller.admin;
    case Caller::Kind::kApiKey: return caller.app == app && caller.scopes.count("admin") != 0;
    case Caller::Kind::kAnonymous: return false;
  }
  return false;
}

std::optional<ApiResponse> check_app_scope(const ApiRequest& req, const std::string& app,
                                           const char* scope) {
  if (auto bad = core::validate_app_name(app); !bad) {
    return error_response(400, "invalid_argument", bad.error().context);
  }
  const Caller& c = req.caller;
  if (c.kind == Caller::Kind::kUnixPeer && c.admin) return std::nullopt;
  if (c.kind == Caller::Kind::kApiKey && c.app == app && c.has_scope(scope)) return std::nullopt;
  return error_response(403, "permission_denied",
                        std::string("this caller may not do this in app '") + app + "'");
}

std::optional<ApiResponse> check_app_admin(const ApiRequest& req, const std::string& app) {
  if (auto bad = core::validate_app_name(app); !bad) {
    return error_response(400, "invalid_argument", bad.error().context);
  }
  if (caller_is_admin_of(req.caller, app)) return std::nullopt;
  return error_response(403, "permission_denied", "admin rights needed");
}

std::optional<ApiResponse> check_user_access(const ApiRequest& req, const std::string& app,
                                             const std::string& user, const char* scope) {
  if (auto bad = core::validate_app_name(app); !bad) {
    return error_response(400, "invalid_argument", bad.error().context);
  }
  if (auto bad = core::validate_user_name(user); !bad) {
    return error_response(400, "invalid_argument", bad.error().context);
  }
  const Caller& c = req.caller;
  if (c.kind == Caller::Kind::kUnixPeer) {
    if (c.admin) return std::nullopt;
    if (app == "system" && !c.user.empty() && c.user == user) return std::nullopt;
    return error_response(403, "permission_denied", "you may only manage your own account");
  }
  if (c.kind == Caller::Kind::kApiKey && c.app == app && c.has_scope(scope)) return std::nullopt;
  return error_response(
      403, "permission_denied",
      std::string("this API key lacks scope '") + scope + "' for app '" + app + "'");
}

core::AuditContext audit_context(const ApiRequest& req) {
  core::AuditContext ctx;
  ctx.actor = req.caller.actor();
  ctx.client_addr = req.caller.remote_addr == "unix" ? "" : req.caller.remote_addr;
  return ctx;
}

core::Requester requester(const ApiRequest& req, const std::string& app,
                          std::string_view step_up_code) {
  core::Requester who;
  who.admin = caller_is_admin_of(req.caller, app);
  who.step_up_code = step_up_code;
  who.rhost = req.caller.remote_addr == "unix" ? "" : req.caller.remote_addr;
  who.audit = audit_context(req);
  return who;
}

std::optional<std::string> optional_step_up_body(const ApiRequest& req, ApiResponse& err) {
  nlohmann::json body = nlohmann::json::object();
  if (!req.body.empty() && !parse_json_body(req, body, err)) return std::nullopt;
  return string_field(body, "step_up_code", limits::kMaxCodeLen, false, err);
}

}  // namespace mfa::daemon
