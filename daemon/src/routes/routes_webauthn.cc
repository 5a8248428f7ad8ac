// WebAuthn routes for apps: passkey enrolment (through POST .../factors), activation with the
// attestation, request options for a login challenge, assertion verification, and one-time
// enrolment links for the self-service page.
#include "daemon/src/routes/routes_webauthn.h"

#include "daemon/core/base/limits.h"
#include "daemon/core/config/config.h"
#include "daemon/core/engine.h"
#include "daemon/core/webauthn/webauthn_config.h"
#include "daemon/src/api/access.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"
#include "daemon/src/auth/requester.h"
#include "daemon/src/routes/engine_json.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

ApiResponse options(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  auto c = s.engine->challenges.get(app, req.path_params["id"]);
  if (!c) return from_error(c.error());
  // For a non-admin peer only its own; "not yours" is "does not exist" (no id oracle).
  if (check_named_user(req, c->user)) {
    return error_response(404, "not_found", "no such challenge");
  }
  auto o = s.engine->webauthn.request_options(app, c->id);
  if (!o) return from_error(o.error());
  return json_response(200, {{"challenge_id", c->id}, {"publicKey", *o}});
}

ApiResponse issue_link(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  ApiResponse err;
  auto step_up = optional_step_up_body(req, err);
  if (!step_up) return err;
  auto link = s.engine->webauthn.issue_link(app, user, requester(req, app, *step_up));
  if (!link) return from_error(link.error());
  json out = {
      {"path", link->path}, {"token", link->token}, {"expires_at", iso8601(link->expires_at_s)}};
  const auto& origins = s.config->webauthn.origins;
  if (!origins.empty()) out["url"] = origins.front() + link->path;
  return json_response(201, out);
}

// POST /v1/apps/{app}/passkey-logins: options for a usernameless login (discoverable
// credentials, empty allowCredentials).
ApiResponse passkey_login_begin(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  auto o = s.engine->webauthn.begin_passkey_login(app);
  if (!o) return from_error(o.error());
  return json_response(
      201, {{"id", o->id}, {"expires_at", iso8601(o->expires_at_s)}, {"publicKey", o->options}});
}

// POST /v1/apps/{app}/passkey-logins/{id}/verify {assertion, remote_addr?, service?}: the
// assertion names the user; the login policy for that user with the passkey as the (strong)
// first factor then decides, exactly as POST .../logins with first_factor "webauthn".
ApiResponse passkey_login_verify(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  auto addr = address_field(body, "remote_addr", err);
  auto service =
      addr ? text_field(body, "service", limits::kMaxServiceNameLen, false, err) : std::nullopt;
  if (!service) return err;
  if (!body.contains("assertion") || !body["assertion"].is_object()) {
    return error_response(400, "invalid_argument", "assertion must be an object");
  }
  core::AuditContext ctx = audit_context(req);
  if (!addr->empty()) ctx.remote_addr = *addr;
  auto v =
      s.engine->webauthn.finish_passkey_login(app, req.path_params["id"], body["assertion"], ctx);
  if (!v) return from_error(v.error());
  core::LoginRequest lr;
  lr.app = app;
  lr.user = v->user;
  lr.first_factor = "webauthn";
  lr.origin.remote_addr = *addr;
  lr.origin.service = service->empty() ? "api" : *service;
  auto r = s.engine->logins.login(lr);
  if (!r) return from_error(r.error());
  json out = login_json(*r);
  out["user"] = v->user;
  out["factor"] = {{"type", core::to_string(core::FactorType::kWebauthn)}, {"id", v->factor_id}};
  return json_response(200, out);
}

}  // namespace

ApiResponse webauthn_enroll(Services& s, ApiRequest& req, const json& body) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  ApiResponse err;
  auto label = string_field(body, "label", limits::kMaxLabelLen, false, err);
  auto step_up =
      label ? string_field(body, "step_up_code", limits::kMaxCodeLen, false, err) : std::nullopt;
  if (!step_up) return err;
  auto r = s.engine->webauthn.begin_registration(app, user, *label, requester(req, app, *step_up));
  if (!r) return from_error(r.error());
  return json_response(201, {{"factor_id", r->factor_id},
                             {"type", core::to_string(core::FactorType::kWebauthn)},
                             {"label", r->label},
                             {"status", core::to_string(core::FactorStatus::kPending)},
                             {"expires_at", iso8601(r->expires_at_s)},
                             {"publicKey", r->options}});
}

ApiResponse webauthn_activate(Services& s, ApiRequest& req, const json& body) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  auto a = s.engine->webauthn.finish_registration(app, user, req.path_params["id"],
                                                  body["credential"], audit_context(req));
  if (!a) return from_error(a.error());
  json out = {{"factor", factor_json(a->factor)}};
  if (!a->backup_codes.empty()) out["backup_codes"] = a->backup_codes;
  return json_response(200, out);
}

ApiResponse webauthn_verify(Services& s, ApiRequest& req, const ChallengeRecord& c,
                            const json& body) {
  auto v = s.engine->webauthn.verify_assertion(req.path_params["app"], c.id, body["assertion"],
                                               audit_context(req));
  if (!v) return from_error(v.error());
  json out = challenge_json(v->challenge, false);
  out["factor"] = {{"type", v->factor.type}, {"id", v->factor.factor_id}};
  return json_response(200, out);
}

void register_webauthn_routes(Router& router, Services& s) {
  router.add("GET", "/v1/apps/{app}/challenges/{id}/webauthn-options",
             Access::app_users(Scope::kVerify), [&s](ApiRequest& r) { return options(s, r); });
  router.add("POST", "/v1/apps/{app}/users/{user}/enroll-links", Access::user(Scope::kEnroll),
             [&s](ApiRequest& r) { return issue_link(s, r); });
  // Usernameless: no account to confine a non-admin peer to, so the app as a whole.
  router.add("POST", "/v1/apps/{app}/passkey-logins", Access::app(Scope::kVerify),
             [&s](ApiRequest& r) { return passkey_login_begin(s, r); });
  router.add("POST", "/v1/apps/{app}/passkey-logins/{id}/verify", Access::app(Scope::kVerify),
             [&s](ApiRequest& r) { return passkey_login_verify(s, r); });
}

}  // namespace mfa::daemon
