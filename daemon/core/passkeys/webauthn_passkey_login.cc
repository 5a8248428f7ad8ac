// WebAuthnService: usernameless logins with discoverable credentials (WebAuthn 7.2, where the
// user is "not identified before the authentication ceremony was initiated"). The challenge
// belongs to the app (store: passkey_logins, single use, timeout_ms); the credential id names
// the factor, and step 6 requires response.userHandle to be present and to be the user handle
// that credential was registered with. Everything else is the ceremony of webauthn_rp.cc.
#include "daemon/core/base/clock.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base64url.h"
#include "daemon/core/passkeys/webauthn_json.h"
#include "daemon/core/passkeys/webauthn_service.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/services/assertion_result.h"
#include "daemon/core/services/factor_policy.h"
#include "daemon/core/store/store.h"
#include "daemon/core/webauthn/webauthn_config.h"
#include "daemon/core/webauthn/webauthn_rp.h"

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

  // A locked address gets no further tries, whichever account it is after.
  const std::string rhost = ctx.remote_addr;
  MFA_TRY(lockout_.check(app, "", rhost));

  // Envelope and the credential (7.2 steps 5-6).
  auto env = parse_assertion_envelope(assertion);
  if (!env) return fail(env.error());
  auto found = deps_.store->find_webauthn_credential(base64url_encode(env->raw_id));
  if (!found) return fail(found.error());
  if (!found->has_value() || (*found)->app != app || (*found)->status != FactorStatus::kActive) {
    // No account to blame, but the address is: guessing or replaying credential ids from one
    // address locks it like wrong codes would (RFC 4226 7.3, NIST SP 800-63B 5.2.2). The
    // reservation is the failure record, so parallel guesses cannot pass the limit either.
    const AssertionSubject nobody{
        app, "", rhost, "passkey_login", "webauthn", app_lockout_settings(deps_, app)};
    auto claim = lockout_.reserve(app, "", rhost, nobody.lockout);
    if (!claim) return fail(claim.error());
    return fail(record_assertion_failure(audit_, lockout_, nobody, ctx,
                                         make_error(Errc::kBadCode, "unknown credential"), *claim,
                                         true));
  }
  const FactorRecord f = std::move(**found);
  const std::string& user = f.user;
  const Evaluation ev =
      evaluate_for(deps_, make_login_context(deps_, app, user, LoginOrigin{"", rhost, ""}));
  // Only a reserved attempt is checked: the user's and the address's counters, atomically.
  auto claim = lockout_.reserve(app, user, rhost, ev.settings.lockout);
  if (!claim) return fail(claim.error());

  auto check = [&]() -> Result<webauthn::AssertionOutcome> {
    MFA_TRY(require_factor_allowed(ev.settings.factors, FactorType::kWebauthn));
    // 7.2 step 6, user not identified beforehand: userHandle must be present and be the
    // handle of the credential's owner.
    if (env->user_handle.empty()) {
      return fail(Errc::kBadCode, "a usernameless login needs the userHandle");
    }
    auto p = read_factor_params(f);
    if (!p) return fail(p.error());
    if (base64url_encode(env->user_handle) != p->credential.user_handle) {
      return fail(Errc::kBadCode, "userHandle does not match the credential's account");
    }
    return check_stored(f, p->credential, *env, *expected, ctx);
  };
  auto outcome = check();
  const AssertionSubject subject{
      app, user, rhost, "passkey_login", "webauthn", ev.settings.lockout};
  if (!outcome) {
    return fail(
        record_assertion_failure(audit_, lockout_, subject, ctx, outcome.error(), *claim, true));
  }
  MFA_TRY(record_assertion_success(deps_, audit_, subject, ctx, *claim, f.id, outcome->sign_count,
                                   outcome->uv));
  return PasskeyLoginVerified{user, f.id};
}

}  // namespace mfa::core
