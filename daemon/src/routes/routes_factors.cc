// Factor routes: enrolment (TOTP, SMS, email), activation, listing, removal, backup codes, MFA
// status and admin reset, under /v1/apps/{app}/users/{user}/...
#include <nlohmann/json.hpp>

#include "daemon/core/base/limits.h"
#include "daemon/core/engine.h"
#include "daemon/src/api/access.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"
#include "daemon/src/auth/requester.h"
#include "daemon/src/os/qr_render.h"
#include "daemon/src/routes/delivery_json.h"
#include "daemon/src/routes/engine_json.h"
#include "daemon/src/routes/routes_engine.h"
#include "daemon/src/routes/routes_webauthn.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

// sms {phone} / email {address}: a pending factor and a code sent to it; activation with
// that code (POST .../factors/{id}/activate). A failed send is 502 delivery_failed.
ApiResponse enroll_delivery(Services& s, ApiRequest& req, const json& body, core::FactorType type) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  ApiResponse err;
  const char* dest_key = type == core::FactorType::kSms ? "phone" : "address";
  auto dest = string_field(body, dest_key, limits::kMaxEmailLen, true, err);
  auto country = dest ? string_field(body, "country", 2, false, err) : std::nullopt;
  auto label =
      country ? string_field(body, "label", limits::kMaxLabelLen, false, err) : std::nullopt;
  auto step_up =
      label ? string_field(body, "step_up_code", limits::kMaxCodeLen, false, err) : std::nullopt;
  if (!step_up) return err;
  auto e = s.engine->factors.begin_delivery(app, user, {type, *dest, *country}, *label,
                                            requester(req, app, *step_up));
  if (!e) return delivery_error(e.error());
  json out = {{"factor_id", e->factor.id},
              {"type", core::to_string(type)},
              {"label", e->factor.label},
              {"status", core::to_string(core::FactorStatus::kPending)},
              {"destination", is_admin_of(req.caller, app) ? core::factor_destination(e->factor)
                                                           : e->receipt.hint},
              {"challenge_id", e->challenge_id},
              {"delivery", "sent"},
              {"code_expires_at", iso8601(e->receipt.code_expires_at_s)}};
  return json_response(201, out);
}

ApiResponse enroll(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  std::optional<core::FactorType> kind;
  if (body.is_object() && body.contains("type") && body["type"].is_string()) {
    kind = core::parse_factor_type(body["type"].get_ref<const std::string&>());
  }
  if (kind && core::is_delivery_type(*kind)) return enroll_delivery(s, req, body, *kind);
  if (kind == core::FactorType::kWebauthn) return webauthn_enroll(s, req, body);
  auto type = string_field(body, "type", 16, true, err);
  auto label = type ? string_field(body, "label", limits::kMaxLabelLen, false, err) : std::nullopt;
  auto step_up =
      label ? string_field(body, "step_up_code", limits::kMaxCodeLen, false, err) : std::nullopt;
  auto digits = step_up ? int_field(body, "digits", 6, 6, 8, err) : std::nullopt;
  auto period = digits ? int_field(body, "period", 30, 15, 120, err) : std::nullopt;
  auto algorithm = period ? string_field(body, "algorithm", 8, false, err) : std::nullopt;
  if (!algorithm) return err;
  if (kind != core::FactorType::kTotp) {
    return error_response(400, "unsupported_factor",
                          "type must be totp, sms (with phone) or email (with address)");
  }
  core::TotpParams params;
  params.digits = static_cast<int>(*digits);
  params.period = static_cast<int>(*period);
  if (!algorithm->empty()) {
    auto alg = core::parse_otp_algorithm(*algorithm);
    if (!alg) return from_error(alg.error());
    params.algorithm = *alg;
  }
  auto e = s.engine->factors.begin_totp(app, user, *label, params, requester(req, app, *step_up));
  if (!e) return from_error(e.error());
  json out = {{"factor_id", e->factor_id},
              {"type", core::to_string(core::FactorType::kTotp)},
              {"label", e->label},
              {"status", core::to_string(core::FactorStatus::kPending)},
              {"secret", e->secret_b32},
              {"otpauth_uri", e->otpauth_uri},
              {"params", totp_params_json(params)}};
  if (auto svg = qr_svg(e->otpauth_uri)) out["qr_svg"] = *svg;
  // Plain text (issue 20): an API answer carries no terminal escapes; a client colours it.
  if (auto text = qr_utf8(e->otpauth_uri, false)) out["qr_text"] = *text;
  return json_response(201, out);
}

ApiResponse activate(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  if (body.is_object() && body.contains("credential")) return webauthn_activate(s, req, body);
  auto code = string_field(body, "code", limits::kMaxCodeLen, true, err);
  if (!code) return err;
  auto a = s.engine->factors.activate(app, user, req.path_params["id"], *code, audit_context(req));
  if (!a) return from_error(a.error());
  json out = {{"factor", factor_view(a->factor, is_admin_of(req.caller, app))}};
  if (!a->backup_codes.empty()) out["backup_codes"] = a->backup_codes;
  return json_response(200, out);
}

ApiResponse list(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  auto factors = s.engine->factors.list(app, user);
  if (!factors) return from_error(factors.error());
  json arr = json::array();
  const bool admin = is_admin_of(req.caller, app);
  for (const auto& f : *factors) arr.push_back(factor_view(f, admin));
  return json_response(200, {{"factors", arr}});
}

ApiResponse remove(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  std::string step_up;
  if (!req.body.empty()) {
    json body;
    ApiResponse err;
    if (!parse_json_body(req, body, err)) return err;
    auto code = string_field(body, "step_up_code", limits::kMaxCodeLen, false, err);
    if (!code) return err;
    step_up = *code;
  }
  auto st =
      s.engine->factors.remove(app, user, req.path_params["id"], requester(req, app, step_up));
  if (!st) return from_error(st.error());
  return json_response(200, {{"removed", req.path_params["id"]}});
}

ApiResponse regenerate(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  ApiResponse err;
  auto step_up = optional_step_up_body(req, err);
  if (!step_up) return err;
  auto codes = s.engine->factors.regenerate_backup_codes(app, user, requester(req, app, *step_up));
  if (!codes) return from_error(codes.error());
  return json_response(200, {{"backup_codes", *codes}, {"remaining", codes->size()}});
}

ApiResponse remaining(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  auto n = s.engine->factors.backup_codes_remaining(app, user);
  if (!n) return from_error(n.error());
  return json_response(200, {{"remaining", *n}});
}

ApiResponse reset(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  if (auto bad = core::validate_user_name(user); !bad) return from_error(bad.error());
  auto n = s.engine->factors.reset(app, user, audit_context(req));
  if (!n) return from_error(n.error());
  return json_response(200, {{"user", user}, {"factors_removed", *n}});
}

}  // namespace

void register_factor_routes(Router& router, Services& s) {
  const std::string base = "/v1/apps/{app}/users/{user}";
  const Access enrol = Access::user(Scope::kEnroll);
  const Access read = Access::user(Scope::kVerify);
  router.add("POST", base + "/factors", enrol, [&s](ApiRequest& r) { return enroll(s, r); });
  router.add("GET", base + "/factors", read, [&s](ApiRequest& r) { return list(s, r); });
  router.add("POST", base + "/factors/{id}/activate", enrol,
             [&s](ApiRequest& r) { return activate(s, r); });
  router.add("DELETE", base + "/factors/{id}", enrol, [&s](ApiRequest& r) { return remove(s, r); });
  router.add("POST", base + "/backup-codes", enrol,
             [&s](ApiRequest& r) { return regenerate(s, r); });
  router.add("GET", base + "/backup-codes", read, [&s](ApiRequest& r) { return remaining(s, r); });
  // A reset removes every factor without a step-up: an admin's, never the user's own.
  router.add("POST", base + "/reset", Access::admin(), [&s](ApiRequest& r) { return reset(s, r); });
}

}  // namespace mfa::daemon
