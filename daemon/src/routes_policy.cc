// Policy routes: GET /v1/policy (effective policy summary), GET /v1/policy/explain,
// POST /v1/policy/reload. Admin only: the policy tells an attacker where MFA is off.
#include <nlohmann/json.hpp>

#include "daemon/core/engine.h"
#include "daemon/core/limits.h"
#include "daemon/core/policy_context.h"
#include "daemon/core/policy_holder.h"
#include "daemon/src/engine_json.h"
#include "daemon/src/http_errors.h"
#include "daemon/src/json_fields.h"
#include "daemon/src/policy_explain_flow.h"
#include "daemon/src/policy_reload.h"
#include "daemon/src/route_access.h"
#include "daemon/src/routes_engine.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

json settings_json(const core::PolicySettings& st) {
  return {{"mode", std::string(core::to_string(st.mode))},
          {"factors", st.factors},
          {"grace_period_s", st.grace_period_s},
          {"remember_s", st.remember_s},
          {"webauthn_skips_mfa", st.webauthn_skips_mfa},
          {"enroll_at_login", st.enroll_at_login},
          {"lockout", {{"attempts", st.lockout.attempts}, {"window_s", st.lockout.window_s}}}};
}

ApiResponse effective(Services& s, ApiRequest& req) {
  if (auto denied = check_app_admin(req, "system")) return *denied;
  auto p = s.policy->current();
  json rules = json::array();
  for (const auto& r : p->rules) {
    rules.push_back({{"name", r.name}, {"line", r.line}});
  }
  json apps = json::array();
  for (const auto& [name, a] : p->apps) apps.push_back(name);
  return json_response(200, {{"source", p->source},
                             {"defaults", settings_json(p->defaults)},
                             {"rules", rules},
                             {"apps", apps},
                             {"step_up", {{"new_rhost", p->step_up_new_rhost}}}});
}

ApiResponse explain(Services& s, ApiRequest& req) {
  const std::string app = query_or(req, "app", "system");
  if (auto denied = check_app_admin(req, app)) return *denied;
  const std::string user = query_or(req, "user");
  const std::string service = query_or(req, "service");
  const std::string rhost = query_or(req, "remote_addr", query_or(req, "rhost"));
  if (user.empty() || user.size() > limits::kMaxUserNameLen ||
      service.size() > limits::kMaxServiceNameLen || rhost.size() > limits::kMaxRhostLen) {
    return error_response(400, "invalid_argument",
                          "explain needs ?user= (and optionally service=, remote_addr=, app=)");
  }
  auto flow = explain_login_flow(s, app, user, service, rhost);
  if (!flow) return from_error(flow.error());
  return json_response(200, *flow);
}

ApiResponse reload(Services& s, ApiRequest& req) {
  if (auto denied = check_app_admin(req, "system")) return *denied;
  auto r = reload_policy(s, audit_context(req));
  if (!r) {
    return error_response(400, "policy_invalid",
                          r.error().context + " (the previous policy stays in force)");
  }
  return json_response(200, {{"reloaded", true}, {"summary", *r}});
}

}  // namespace

void register_policy_routes(Router& router, Services& s) {
  router.add("GET", "/v1/policy", [&s](ApiRequest& r) { return effective(s, r); });
  router.add("GET", "/v1/policy/explain", [&s](ApiRequest& r) { return explain(s, r); });
  router.add("POST", "/v1/policy/reload", [&s](ApiRequest& r) { return reload(s, r); });
}

}  // namespace mfa::daemon
