// WebAuthnService: usernameless logins with discoverable credentials (WebAuthn 7.2, where the
// user is "not identified before the authentication ceremony was initiated"). The challenge
// belongs to the app (store: passkey_logins, single use, timeout_ms); the credential id names
// the factor, and step 6 requires response.userHandle to be present and to be the user handle
// that credential was registered with. Everything else is the ceremony of webauthn_rp.cc.
#include "daemon/core/assertion_result.h"
#include "daemon/core/base64url.h"
#include "daemon/core/clock.h"
#include "daemon/core/policy_context.h"
#include "daemon/core/random.h"
#include "daemon/core/store.h"
#include "daemon/core/webauthn_config.h"
#include "daemon/core/webauthn_json.h"
#include "daemon/core/webauthn_rp.h"
#include "daemon/core/webauthn_service.h"

namespace mfa::core {
namespace {

using nlohmann::json;

}  // namespace

Result<PasskeyLogin> WebAuthnService::begin_passkey_login(const std::string& app) {
  if (!enabled()) return fail(Errc::kConflict, "WebAuthn is not configured");
  MFA_TRY(validate_app_name(app));
  const WebAuthnConfig& cfg = *deps_.webauthn;
  auto bytes = deps_.random->secret(kWebAuthnChallengeBytes);
  if (!bytes) return fail(bytes.error());
  auto id = deps_.random->id("pl_");
  if (!id) return fail(id.error());
  const std::string challenge = base64url_encode(bytes->span());
  const std::int64_t now = deps_.clock->now_s();
  MFA_TRY(deps_.store->ensure_app(app, now));
  PasskeyLogin out;
  out.id = *id;
  out.expires_at_s = now + cfg.timeout_ms / 1000;
  MFA_TRY(deps_.store->insert_passkey_login(app, out.id, challenge, now, out.expires_at_s));
  out.options = {{"challenge", challenge},
                 {"timeout", cfg.timeout_ms},
                 {"rpId", cfg.rp_id},
                 {"allowCredentials", json::array()},
                 {"userVerification", cfg.user_verification}};
  return out;
}

Result<PasskeyLoginVerified> WebAuthnService::finish_passkey_login(const std::string& app,
                                                                   const std::string& id,
                                                                   const json& assertion,
                                                                   const AuditContext& ctx) {
  if (!enabled()) return fail(Errc::kConflict, "WebAuthn is not configured");
  // Single use before anything else: a failed attempt needs new options (13.4.3).
  auto taken = deps_.store->take_passkey_login(app, id, deps_.clock->now_s());
  if (!taken) return fail(taken.error());
  if (!taken->has_value()) {
    return fail(Errc::kExpired, "no pending passkey login with this id (used or expired)");
  }
  auto expected = base64url_decode(**taken);
  if (!expected || expected->empty()) return fail(Errc::kInternal, "passkey login challenge lost");

  // Envelope and the credential (7.2 steps 5-6).
  if (!assertion.is_object() || assertion.value("type", "") != "public-key") {
    return fail(Errc::kInvalidArgument, "assertion type must be public-key");
  }
  auto raw_id = webauthn_b64_field(assertion, "rawId", true);
  auto cid = raw_id ? webauthn_b64_field(assertion, "id", true) : raw_id;
  if (!cid) return fail(cid.error());
  if (*cid != *raw_id) return fail(Errc::kInvalidArgument, "assertion id and rawId differ");
  auto r = assertion.find("response");
  if (r == assertion.end() || !r->is_object()) {
    return fail(Errc::kInvalidArgument, "assertion response must be an object");
  }
  auto cdj = webauthn_b64_field(*r, "clientDataJSON", true);
  auto ad = cdj ? webauthn_b64_field(*r, "authenticatorData", true) : cdj;
  auto sig = ad ? webauthn_b64_field(*r, "signature", true) : ad;
  auto handle = sig ? webauthn_b64_field(*r, "userHandle", false) : sig;
  if (!handle) return fail(handle.error());
  auto found = deps_.store->find_webauthn_credential(base64url_encode(*raw_id));
  if (!found) return fail(found.error());
  if (!found->has_value() || (*found)->app != app || (*found)->status != "active") {
    return fail(Errc::kBadCode, "unknown credential");
  }
  const FactorRecord f = std::move(**found);
  const std::string& user = f.user;
  const std::string rhost = ctx.remote_addr;
  MFA_TRY(lockout_.check(app, user, rhost));
  const Evaluation ev = evaluate_for(deps_, make_login_context(deps_, app, user, "", rhost));

  auto check = [&]() -> Result<webauthn::AssertionOutcome> {
    if (!factor_allowed(ev.settings.factors, "webauthn")) {
      return fail(Errc::kPermissionDenied, "the policy does not allow passkeys here");
    }
    // 7.2 step 6, user not identified beforehand: userHandle must be present and be the
    // handle of the credential's owner.
    if (handle->empty()) {
      return fail(Errc::kBadCode, "a usernameless login needs the userHandle");
    }
    if (base64url_encode(*handle) != factor_param(f, "user_handle")) {
      return fail(Errc::kBadCode, "userHandle does not match the credential's account");
    }
    auto key = base64url_decode(factor_param(f, "public_key"));
    if (!key) return fail(Errc::kInternal, "stored public key unreadable");
    webauthn::AssertionInput in;
    in.client_data_json = *cdj;
    in.authenticator_data = *ad;
    in.signature = *sig;
    in.expected_challenge = *expected;
    in.stored_cose_key = *key;
    in.stored_sign_count = f.sign_count;
    in.require_uv = deps_.webauthn->uv_required();
    auto out = webauthn::verify_assertion(*deps_.webauthn, in);
    if (!out) return fail(out.error());
    if (out->sign_count_regression) {
      MFA_TRY(audit_.record(app, user, audit_event::kSignCountRegression, ctx,
                            json{{"factor_id", f.id},
                                 {"stored", f.sign_count},
                                 {"presented", out->sign_count},
                                 {"refused", deps_.webauthn->refuse_sign_count_regression}}
                                .dump()));
      if (deps_.webauthn->refuse_sign_count_regression) {
        return fail(Errc::kBadCode, "signature counter did not increase (possible cloned key)");
      }
    }
    return out;
  };
  auto outcome = check();
  const AssertionSubject subject{
      app, user, rhost, "passkey_login", "webauthn", ev.settings.lockout};
  if (!outcome) {
    return fail(record_assertion_failure(audit_, lockout_, subject, ctx, outcome.error(), true));
  }
  MFA_TRY(record_assertion_success(deps_, audit_, lockout_, subject, ctx, f.id, outcome->sign_count,
                                   outcome->uv));
  return PasskeyLoginVerified{user, f.id};
}

}  // namespace mfa::core
