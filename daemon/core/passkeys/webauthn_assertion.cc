// WebAuthnService: the authentication ceremony for login and step-up challenges (WebAuthn 7.2).
#include <algorithm>

#include "daemon/core/base/clock.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base64url.h"
#include "daemon/core/otp/factor_params.h"
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

bool method_accepts_webauthn(const ChallengeRecord& c) {
  return method_accepts(c.method, FactorType::kWebauthn);
}

}  // namespace

Result<json> WebAuthnService::request_options(const std::string& app,
                                              const std::string& challenge_id) {
  if (!enabled()) return fail(Errc::kConflict, "WebAuthn is not configured");
  auto c = challenges_.get(app, challenge_id);
  if (!c) return fail(c.error());
  if (c->status == ChallengeStatus::kExpired) return fail(Errc::kExpired, "challenge expired");
  if (c->status != ChallengeStatus::kPending) {
    return fail(Errc::kConflict, "challenge is " + std::string(to_string(c->status)));
  }
  if (c->purpose == ChallengePurpose::kEnroll || !method_accepts_webauthn(*c)) {
    return fail(Errc::kConflict, "this challenge does not accept a passkey");
  }
  const Evaluation ev = evaluate_for(deps_, login_context_of(deps_, *c));
  MFA_TRY(require_factor_allowed(ev.settings.factors, FactorType::kWebauthn));
  auto factors = deps_.store->list_factors(c->app, c->user);
  if (!factors) return fail(factors.error());
  json allow = json::array();
  for (const FactorRecord& f : *factors) {
    if (f.type != FactorType::kWebauthn || f.status != FactorStatus::kActive) continue;
    auto p = read_factor_params(f);
    if (!p) return fail(p.error());
    json d = {{"type", "public-key"}, {"id", p->credential.credential_id}};
    if (!p->credential.transports.empty()) d["transports"] = p->credential.transports;
    allow.push_back(std::move(d));
  }
  if (allow.empty()) return fail(Errc::kConflict, "this user has no passkey");
  // The WebAuthn challenge is made on first request and then fixed for this challenge.
  auto bytes = deps_.random->secret(kWebAuthnChallengeBytes);
  if (!bytes) return fail(bytes.error());
  auto attached = deps_.store->attach_webauthn_challenge(c->id, base64url_encode(bytes->span()));
  if (!attached) return fail(attached.error());
  auto fresh = deps_.store->get_challenge(c->id);
  if (!fresh) return fail(fresh.error());
  const json data = fresh->has_value() ? json::parse((*fresh)->data, nullptr, false) : json();
  if (!data.is_object() || !data.contains("webauthn_challenge")) {
    return fail(Errc::kConflict, "challenge is no longer pending");
  }
  const WebAuthnConfig& cfg = *deps_.webauthn;
  return json{{"challenge", data["webauthn_challenge"]},
              {"timeout", cfg.timeout_ms},
              {"rpId", cfg.rp_id},
              {"allowCredentials", allow},
              {"userVerification", cfg.user_verification}};
}

Result<VerifiedFactor> WebAuthnService::check_assertion(const ChallengeRecord& c,
                                                        const Evaluation& ev, const json& assertion,
                                                        const AuditContext& ctx) {
  if (!method_accepts_webauthn(c))
    return fail(Errc::kConflict, "this challenge does not accept a passkey");
  MFA_TRY(require_factor_allowed(ev.settings.factors, FactorType::kWebauthn));
  const json data = json::parse(c.data, nullptr, false);
  auto expected = base64url_decode(data.is_object() ? data.value("webauthn_challenge", "") : "");
  if (!expected || expected->empty()) {
    return fail(Errc::kConflict, "ask for the passkey options (webauthn-options) first");
  }
  // Only a reserved attempt is checked (Lockout::reserve): parallel assertions cannot pass the
  // lockout or the challenge's attempts.
  auto claim = lockout_.reserve(c.app, c.user, c.origin.remote_addr, ev.settings.lockout, c.id);
  if (!claim) return fail(claim.error());
  std::string factor_id;
  auto check = [&]() -> Result<webauthn::AssertionOutcome> {
    auto env = parse_assertion_envelope(assertion);
    if (!env) return fail(env.error());
    // 7.2 steps 5-6: allowCredentials is every active passkey of this user, so the credential
    // must be one of them (another user's credential is "unknown" here).
    auto factors = deps_.store->list_factors(c.app, c.user);
    if (!factors) return fail(factors.error());
    const std::string wanted = base64url_encode(env->raw_id);
    const FactorRecord* f = nullptr;
    CredentialParams cred;
    for (const auto& x : *factors) {
      if (x.type != FactorType::kWebauthn || x.status != FactorStatus::kActive) continue;
      auto p = read_factor_params(x);
      if (!p) return fail(p.error());
      if (p->credential.credential_id == wanted) {
        f = &x;
        cred = std::move(p->credential);
      }
    }
    if (f == nullptr) return fail(Errc::kBadCode, "unknown credential");
    if (!env->user_handle.empty() && base64url_encode(env->user_handle) != cred.user_handle) {
      return fail(Errc::kBadCode, "userHandle does not match the account");
    }
    factor_id = f->id;
    return check_stored(*f, cred, *env, *expected, ctx);
  };
  auto outcome = check();
  const AssertionSubject subject{c.app,
                                 c.user,
                                 c.origin.remote_addr,
                                 std::string(to_string(c.purpose)),
                                 "webauthn",
                                 ev.settings.lockout};
  if (!outcome) {
    return fail(
        record_assertion_failure(audit_, lockout_, subject, ctx, outcome.error(), *claim, true));
  }
  MFA_TRY(record_assertion_success(deps_, audit_, subject, ctx, *claim, factor_id,
                                   outcome->sign_count, outcome->uv));
  return VerifiedFactor{factor_id, "webauthn"};
}

Result<webauthn::AssertionOutcome> WebAuthnService::check_stored(
    const FactorRecord& f, const CredentialParams& cred, const AssertionEnvelope& env,
    const std::vector<std::uint8_t>& expected, const AuditContext& ctx) {
  auto key = base64url_decode(cred.public_key);
  if (!key) return fail(Errc::kInternal, "stored public key unreadable");
  webauthn::AssertionInput in;
  in.client_data_json = env.client_data_json;
  in.authenticator_data = env.authenticator_data;
  in.signature = env.signature;
  in.expected_challenge = expected;
  in.stored_cose_key = *key;
  in.stored_sign_count = f.sign_count;
  in.require_uv = deps_.webauthn->uv_required();
  auto out = webauthn::verify_assertion(*deps_.webauthn, in);
  if (!out) return fail(out.error());
  if (out->sign_count_regression) {
    MFA_TRY(audit_.record(f.app, f.user, audit_event::kSignCountRegression, ctx,
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
}

Result<ChallengeVerified> WebAuthnService::verify_assertion(const std::string& app,
                                                            const std::string& challenge_id,
                                                            const json& assertion,
                                                            const AuditContext& ctx) {
  if (!enabled()) return fail(Errc::kConflict, "WebAuthn is not configured");
  return challenges_.verify_external(
      app, challenge_id, [&](const ChallengeRecord& c, const Evaluation& ev) {
        return check_assertion(c, ev, assertion, for_challenge(ctx, c.origin.remote_addr));
      });
}

}  // namespace mfa::core
