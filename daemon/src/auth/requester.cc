#include "daemon/src/auth/requester.h"

#include "daemon/core/base/limits.h"
#include "daemon/src/api/access.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"

namespace mfa::daemon {

core::AuditContext audit_context(const ApiRequest& req) {
  core::AuditContext ctx;
  ctx.actor = req.caller.actor();
  ctx.client_addr = req.caller.remote_addr == "unix" ? "" : req.caller.remote_addr;
  return ctx;
}

core::Requester requester(const ApiRequest& req, const std::string& app,
                          std::string_view step_up_code) {
  core::Requester who;
  who.admin = is_admin_of(req.caller, app);
  who.step_up_code = step_up_code;
  who.remote_addr = req.caller.remote_addr == "unix" ? "" : req.caller.remote_addr;
  who.audit = audit_context(req);
  return who;
}

std::optional<std::string> optional_step_up_body(const ApiRequest& req, ApiResponse& err) {
  nlohmann::json body = nlohmann::json::object();
  if (!req.body.empty() && !parse_json_body(req, body, err)) return std::nullopt;
  return string_field(body, "step_up_code", limits::kMaxCodeLen, false, err);
}

}  // namespace mfa::daemon
