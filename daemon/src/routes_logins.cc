// Logins and challenges: POST /v1/apps/{app}/logins and /v1/apps/{app}/challenges/...
#include <nlohmann/json.hpp>

#include <set>

#include "daemon/core/engine.h"
#include "daemon/core/limits.h"
#include "daemon/src/delivery_json.h"
#include "daemon/src/engine_json.h"
#include "daemon/src/http_errors.h"
#include "daemon/src/json_fields.h"
#include "daemon/src/route_access.h"
#include "daemon/src/routes_engine.h"
#include "daemon/src/routes_webauthn.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

ApiResponse login(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  auto user = string_field(body, "user", limits::kMaxUserNameLen, true, err);
  auto first = user ? string_field(body, "first_factor", 32, false, err) : std::nullopt;
  auto addr = first ? address_field(body, "remote_addr", err) : std::nullopt;
  auto agent = addr ? text_field(body, "user_agent", 512, false, err) : std::nullopt;
  auto service =
      agent ? text_field(body, "service", limits::kMaxServiceNameLen, false, err) : std::nullopt;
  if (!service) return err;
  if (auto denied = check_user_access(req, app, *user, "verify")) return *denied;
  core::LoginRequest lr;
  lr.app = app;
  lr.user = *user;
  lr.first_factor = *first;
  lr.remote_addr = *addr;
  lr.user_agent = *agent;
  lr.service = service->empty() ? "api" : *service;
  auto r = s.engine->logins.login(lr);
  if (!r) return from_error(r.error());
  json out = login_json(*r);
  add_factor_hints(out, *r);
  return json_response(200, out);
}

ApiResponse create(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  auto user = string_field(body, "user", limits::kMaxUserNameLen, true, err);
  auto purpose = user ? string_field(body, "purpose", 32, false, err) : std::nullopt;
  auto method = purpose ? string_field(body, "method", 32, false, err) : std::nullopt;
  auto addr = method ? address_field(body, "remote_addr", err) : std::nullopt;
  if (!addr) return err;
  if (auto denied = check_user_access(req, app, *user, "verify")) return *denied;
  static const std::set<std::string> kPurposes = {"login", "step_up", "sensitive_action"};
  static const std::set<std::string> kMethods = {"any", "totp", "backup_code", "sms", "email"};
  core::NewChallenge spec;
  spec.app = app;
  spec.user = *user;
  spec.purpose = purpose->empty() ? "step_up" : *purpose;
  spec.method = method->empty() ? "any" : *method;
  spec.remote_addr = *addr;
  spec.service = "api";
  if (!kPurposes.count(spec.purpose) || !kMethods.count(spec.method)) {
    return error_response(400, "invalid_argument",
                          "purpose must be login, step_up or sensitive_action; method any, totp, "
                          "backup_code, sms or email");
  }
  auto c = s.engine->challenges.create(spec);
  if (!c) return from_error(c.error());
  return json_response(201, challenge_json(*c, true));
}

// App-scoped access to an existing challenge: its owner (self on the socket) or the app.
std::optional<ApiResponse> may_touch(Services& s, ApiRequest& req, ChallengeRecord& out,
                                     const char* scope) {
  const std::string& app = req.path_params["app"];
  auto c = s.engine->challenges.get(app, req.path_params["id"]);
  if (!c) return from_error(c.error());
  // Same answer for "not yours" and "does not exist": ids are not an oracle.
  if (auto denied = check_user_access(req, app, c->user, scope)) {
    return error_response(404, "not_found", "no such challenge");
  }
  out = std::move(*c);
  return std::nullopt;
}

ApiResponse get(Services& s, ApiRequest& req) {
  ChallengeRecord c;
  if (auto r = may_touch(s, req, c, "verify")) return *r;
  json out = challenge_json(c, true);
  add_delivery_state(out, c);
  return json_response(200, out);
}

ApiResponse verify(Services& s, ApiRequest& req) {
  ChallengeRecord c;
  if (auto r = may_touch(s, req, c, "verify")) return *r;
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  if (body.is_object() && body.contains("assertion")) return webauthn_verify(s, req, c, body);
  auto code = string_field(body, "code", limits::kMaxCodeLen, true, err);
  if (!code) return err;
  auto v = s.engine->challenges.verify(req.path_params["app"], c.id, *code, audit_context(req));
  if (!v) return from_error(v.error());
  json out = challenge_json(v->challenge, false);
  // A backup code is no factor of its own: its answer has the type and no id (issue 20).
  out["factor"] = {{"type", v->factor.type}};
  if (!v->factor.factor_id.empty()) out["factor"]["id"] = v->factor.factor_id;
  return json_response(200, out);
}

ApiResponse cancel(Services& s, ApiRequest& req) {
  ChallengeRecord c;
  if (auto r = may_touch(s, req, c, "verify")) return *r;
  auto st = s.engine->challenges.cancel(req.path_params["app"], c.id, audit_context(req));
  if (!st) return from_error(st.error());
  return json_response(200, {{"id", c.id}, {"status", "cancelled"}});
}

// Sends a code to one of the user's sms/email factors; verify then takes it.
ApiResponse send(Services& s, ApiRequest& req) {
  ChallengeRecord c;
  if (auto r = may_touch(s, req, c, "verify")) return *r;
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  auto factor_id = string_field(body, "factor_id", 64, true, err);
  if (!factor_id) return err;
  auto sent =
      s.engine->challenges.send_code(req.path_params["app"], c.id, *factor_id, audit_context(req));
  if (!sent) return delivery_error(sent.error());
  return json_response(200, receipt_json(c.id, *sent));
}

ApiResponse resend(Services& s, ApiRequest& req) {
  ChallengeRecord c;
  if (auto r = may_touch(s, req, c, "verify")) return *r;
  auto sent = s.engine->challenges.resend(req.path_params["app"], c.id, audit_context(req));
  if (!sent) return delivery_error(sent.error());
  return json_response(200, receipt_json(c.id, *sent));
}

ApiResponse deny(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  if (auto denied = check_app_admin(req, app)) return *denied;
  auto st = s.engine->challenges.deny(app, req.path_params["id"], audit_context(req));
  if (!st) return from_error(st.error());
  return json_response(200, {{"id", req.path_params["id"]}, {"status", "denied"}});
}

ApiResponse list(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  ChallengeFilter f;
  f.app = app;
  f.user = query_or(req, "user");
  f.purpose = query_or(req, "purpose");
  f.method = query_or(req, "method");
  f.status = query_or(req, "status");
  ApiResponse err;
  auto limit = int_query(req, "limit", 100, 1, static_cast<long long>(limits::kMaxListPage), err);
  auto offset = limit ? int_query(req, "offset", 0, 0, 1'000'000'000, err) : std::nullopt;
  if (!offset) return err;
  f.limit = static_cast<std::size_t>(*limit);
  f.offset = static_cast<std::size_t>(*offset);
  // Non-admin Unix callers see only their own challenges.
  if (req.caller.kind == Caller::Kind::kUnixPeer && !req.caller.admin) {
    if (app != "system") return error_response(403, "permission_denied", "not your app");
    f.user = req.caller.user;
  } else if (auto denied = check_app_scope(req, app, "verify")) {
    return *denied;
  }
  auto cs = s.engine->challenges.list(f);
  if (!cs) return from_error(cs.error());
  json arr = json::array();
  for (const auto& c : *cs) arr.push_back(challenge_json(c, false));
  return json_response(200, {{"challenges", arr}});
}

}  // namespace

void register_login_routes(Router& router, Services& s) {
  router.add("POST", "/v1/apps/{app}/logins", [&s](ApiRequest& r) { return login(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges", [&s](ApiRequest& r) { return create(s, r); });
  router.add("GET", "/v1/apps/{app}/challenges", [&s](ApiRequest& r) { return list(s, r); });
  router.add("GET", "/v1/apps/{app}/challenges/{id}", [&s](ApiRequest& r) { return get(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/verify",
             [&s](ApiRequest& r) { return verify(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/cancel",
             [&s](ApiRequest& r) { return cancel(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/send",
             [&s](ApiRequest& r) { return send(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/resend",
             [&s](ApiRequest& r) { return resend(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/deny",
             [&s](ApiRequest& r) { return deny(s, r); });
}

}  // namespace mfa::daemon
