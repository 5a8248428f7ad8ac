// Logins and challenges: POST /v1/apps/{app}/logins and /v1/apps/{app}/challenges/...
#include <nlohmann/json.hpp>

#include "daemon/core/base/limits.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/engine.h"
#include "daemon/src/api/access.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"
#include "daemon/src/auth/requester.h"
#include "daemon/src/routes/delivery_json.h"
#include "daemon/src/routes/engine_json.h"
#include "daemon/src/routes/routes_engine.h"
#include "daemon/src/routes/routes_webauthn.h"

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
  if (auto denied = check_named_user(req, *user)) return *denied;
  core::LoginRequest lr;
  lr.app = app;
  lr.user = *user;
  lr.first_factor = *first;
  lr.origin.remote_addr = *addr;
  lr.user_agent = *agent;
  lr.origin.service = service->empty() ? "api" : *service;
  auto r = s.engine->logins.login(lr);
  if (!r) return from_error(r.error());
  json out = login_json(*r);
  add_factor_hints(out, *r);
  return json_response(200, out);
}

// A list filter: absent or empty is "any"; a value outside the store's table is a 400 (it
// would match nothing).
template <class E>
bool enum_query(const ApiRequest& req, const char* name,
                std::optional<E> (*parse)(std::string_view), std::optional<E>& out,
                ApiResponse& err) {
  const std::string v = query_or(req, name);
  if (v.empty()) return true;
  out = parse(v);
  if (!out) {
    err = error_response(400, "invalid_argument",
                         std::string("query parameter '") + name + "' has an unknown value");
  }
  return out.has_value();
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
  if (auto denied = check_named_user(req, *user)) return *denied;
  using core::ChallengeMethod;
  using core::ChallengePurpose;
  // The API creates login-like challenges only: enrolment challenges come with their factor,
  // and passkeys and security keys have their own ceremonies.
  const auto p =
      purpose->empty() ? ChallengePurpose::kStepUp : core::parse_challenge_purpose(*purpose);
  const auto m = method->empty() ? ChallengeMethod::kAny : core::parse_challenge_method(*method);
  const bool purpose_ok = p == ChallengePurpose::kLogin || p == ChallengePurpose::kStepUp ||
                          p == ChallengePurpose::kSensitiveAction;
  const bool method_ok = m == ChallengeMethod::kAny || m == ChallengeMethod::kTotp ||
                         m == ChallengeMethod::kBackupCode || m == ChallengeMethod::kSms ||
                         m == ChallengeMethod::kEmail;
  if (!purpose_ok || !method_ok) {
    return error_response(400, "invalid_argument",
                          "purpose must be login, step_up or sensitive_action; method any, totp, "
                          "backup_code, sms or email");
  }
  core::NewChallenge spec;
  spec.app = app;
  spec.user = *user;
  spec.purpose = *p;
  spec.method = *m;
  spec.origin.remote_addr = *addr;
  spec.origin.service = "api";
  auto c = s.engine->challenges.create(spec);
  if (!c) return from_error(c.error());
  return json_response(201, challenge_json(*c, true));
}

// An existing challenge of the app (the route's access admitted the caller to the app): for a
// non-admin peer, only one of its own.
std::optional<ApiResponse> may_touch(Services& s, ApiRequest& req, ChallengeRecord& out) {
  const std::string& app = req.path_params["app"];
  auto c = s.engine->challenges.get(app, req.path_params["id"]);
  if (!c) return from_error(c.error());
  // Same answer for "not yours" and "does not exist": ids are not an oracle.
  if (auto denied = check_named_user(req, c->user)) {
    return error_response(404, "not_found", "no such challenge");
  }
  out = std::move(*c);
  return std::nullopt;
}

ApiResponse get(Services& s, ApiRequest& req) {
  ChallengeRecord c;
  if (auto r = may_touch(s, req, c)) return *r;
  json out = challenge_json(c, true);
  add_delivery_state(out, c);
  return json_response(200, out);
}

ApiResponse verify(Services& s, ApiRequest& req) {
  ChallengeRecord c;
  if (auto r = may_touch(s, req, c)) return *r;
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
  if (auto r = may_touch(s, req, c)) return *r;
  auto st = s.engine->challenges.cancel(req.path_params["app"], c.id, audit_context(req));
  if (!st) return from_error(st.error());
  return json_response(
      200, {{"id", c.id}, {"status", core::to_string(core::ChallengeStatus::kCancelled)}});
}

// Sends a code to one of the user's sms/email factors; verify then takes it.
ApiResponse send(Services& s, ApiRequest& req) {
  ChallengeRecord c;
  if (auto r = may_touch(s, req, c)) return *r;
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
  if (auto r = may_touch(s, req, c)) return *r;
  auto sent = s.engine->challenges.resend(req.path_params["app"], c.id, audit_context(req));
  if (!sent) return delivery_error(sent.error());
  return json_response(200, receipt_json(c.id, *sent));
}

ApiResponse deny(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  auto st = s.engine->challenges.deny(app, req.path_params["id"], audit_context(req));
  if (!st) return from_error(st.error());
  return json_response(200, {{"id", req.path_params["id"]},
                             {"status", core::to_string(core::ChallengeStatus::kDenied)}});
}

ApiResponse list(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  ChallengeFilter f;
  f.app = app;
  f.user = query_or(req, "user");
  ApiResponse err;
  if (!enum_query(req, "purpose", core::parse_challenge_purpose, f.purpose, err) ||
      !enum_query(req, "method", core::parse_challenge_method, f.method, err) ||
      !enum_query(req, "status", core::parse_challenge_status, f.status, err)) {
    return err;
  }
  auto limit = int_query(req, "limit", 100, 1, static_cast<long long>(limits::kMaxListPage), err);
  auto offset = limit ? int_query(req, "offset", 0, 0, 1'000'000'000, err) : std::nullopt;
  if (!offset) return err;
  f.limit = static_cast<std::size_t>(*limit);
  f.offset = static_cast<std::size_t>(*offset);
  // Non-admin Unix callers see only their own challenges (in app system).
  if (const std::string* own = own_account_only(req.caller)) f.user = *own;
  auto cs = s.engine->challenges.list(f);
  if (!cs) return from_error(cs.error());
  json arr = json::array();
  for (const auto& c : *cs) arr.push_back(challenge_json(c, false));
  return json_response(200, {{"challenges", arr}});
}

}  // namespace

void register_login_routes(Router& router, Services& s) {
  // The user is in the body (logins, new challenges) or in the stored challenge: handlers
  // confine a non-admin peer to its own (check_named_user, own_account_only).
  const Access users = Access::app_users(Scope::kVerify);
  router.add("POST", "/v1/apps/{app}/logins", users, [&s](ApiRequest& r) { return login(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges", users,
             [&s](ApiRequest& r) { return create(s, r); });
  router.add("GET", "/v1/apps/{app}/challenges", users, [&s](ApiRequest& r) { return list(s, r); });
  router.add("GET", "/v1/apps/{app}/challenges/{id}", users,
             [&s](ApiRequest& r) { return get(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/verify", users,
             [&s](ApiRequest& r) { return verify(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/cancel", users,
             [&s](ApiRequest& r) { return cancel(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/send", users,
             [&s](ApiRequest& r) { return send(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/resend", users,
             [&s](ApiRequest& r) { return resend(s, r); });
  router.add("POST", "/v1/apps/{app}/challenges/{id}/deny", Access::admin(),
             [&s](ApiRequest& r) { return deny(s, r); });
}

}  // namespace mfa::daemon
