// Policy routes: GET /v1/policy (effective policy summary), GET /v1/policy/explain,
// POST /v1/policy/reload. Admin only: the policy tells an attacker where MFA is off.
#include <nlohmann/json.hpp>

#include "daemon/core/base/display_text.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/engine.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/policy/policy_explain.h"
#include "daemon/core/policy/policy_holder.h"
#include "daemon/core/policy/remote_address.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"
#include "daemon/src/auth/requester.h"
#include "daemon/src/routes/policy_explain_flow.h"
#include "daemon/src/routes/policy_reload.h"
#include "daemon/src/routes/routes_engine.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

ApiResponse effective(Services& s) {
  return json_response(200, core::policy_to_json(*s.policy->current()));
}

ApiResponse explain(Services& s, ApiRequest& req) {
  const std::string app = query_or(req, "app", core::kSystemApp);
  core::LoginRequest lr;
  lr.app = app;
  lr.user = query_or(req, "user");
  lr.origin.service = query_or(req, "service");
  lr.origin.tty = query_or(req, "tty");
  lr.first_factor = query_or(req, "first_factor");
  const std::string given_rhost = query_or(req, "remote_addr", query_or(req, "rhost"));
  if (lr.user.empty() || lr.user.size() > limits::kMaxUserNameLen ||
      lr.origin.service.size() > limits::kMaxServiceNameLen ||
      given_rhost.size() > limits::kMaxRhostLen || lr.origin.tty.size() > limits::kMaxRhostLen ||
      lr.first_factor.size() > 32) {
    return error_response(400, "invalid_argument",
                          "explain needs ?user= (and optionally service=, remote_addr=, tty=, "
                          "first_factor=, app=)");
  }
  // The spelling a login from there would be keyed on (an address, or a PAM host name).
  auto rhost = core::canonical_rhost(given_rhost);
  if (!rhost) return from_error(rhost.error());
  if (auto bad = core::check_display_text(lr.origin.tty, "tty"); !bad)
    return from_error(bad.error());
  lr.origin.remote_addr = *rhost;
  auto flow = explain_login_flow(s, lr);
  if (!flow) return from_error(flow.error());
  return json_response(200, *flow);
}

ApiResponse reload(Services& s, ApiRequest& req) {
  auto r = reload_policy(s, audit_context(req));
  if (!r) {
    return error_response(400, "policy_invalid",
                          r.error().context + " (the previous policy stays in force)");
  }
  return json_response(200, {{"reloaded", true}, {"summary", *r}});
}

}  // namespace

void register_policy_routes(Router& router, Services& s) {
  router.add("GET", "/v1/policy", Access::admin(AppFrom::kSystem),
             [&s](ApiRequest&) { return effective(s); });
  router.add("GET", "/v1/policy/explain", Access::admin(AppFrom::kQuery),
             [&s](ApiRequest& r) { return explain(s, r); });
  router.add("POST", "/v1/policy/reload", Access::admin(AppFrom::kSystem),
             [&s](ApiRequest& r) { return reload(s, r); });
}

}  // namespace mfa::daemon
