#include "daemon/core/fido/local_key_service.h"
#include "daemon/core/services/assertion_result.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/config/fido2_config.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base64url.h"
#include "daemon/core/fido/fido_device.h"
#include "daemon/core/fido/local_key_checks.h"
#include "daemon/core/otp/backup_codes.h"
#include "daemon/core/otp/factor_params.h"
#include "daemon/core/passkeys/webauthn_service.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/services/factor_policy.h"
#include "daemon/core/store/store.h"
#include "daemon/core/webauthn/webauthn_cose.h"

namespace mfa::core {
namespace {

using nlohmann::json;

constexpr FactorType kType = FactorType::kFido2;
// EdDSA when the key offers it (smaller, deterministic signatures), else ES256, which every
// FIDO2 key implements (CTAP 2.1 section 6.1.2 makes ES256 the mandatory algorithm).
const std::vector<std::int64_t> kAlgs = {webauthn::kAlgEdDsa, webauthn::kAlgEs256};

bool is_active_key(const FactorRecord& f) {
  return f.type == kType && f.status == FactorStatus::kActive;
}

Result<std::array<std::uint8_t, 32>> fresh_hash(Random& rnd) {
  auto s = rnd.secret(32);
  if (!s) return fail(s.error());
  std::array<std::uint8_t, 32> out{};
  std::memcpy(out.data(), s->data(), out.size());
  return out;
}

// Failures that say something about the person at the key (wrong PIN, a forged or mismatched
// answer) count toward the lockout; a missing key or touch does not.
bool counts_toward_lockout(Errc code) {
  return code == Errc::kBadCode || code == Errc::kUnauthenticated;
}

}  // namespace

bool LocalKeyService::enabled() const {
  return deps_.fido != nullptr && deps_.fido2 != nullptr && deps_.fido2->enabled;
}

bool LocalKeyService::uv_required() const {
  return enabled() && deps_.fido2->uv_required();
}

std::int64_t LocalKeyService::timeout_ms() const {
  return deps_.fido2 != nullptr ? deps_.fido2->timeout_ms : 0;
}

Result<Activation> LocalKeyService::enroll(const std::string& app, const std::string& user,
                                           const std::string& label, const SecretBuffer* pin,
                                           const Requester& who) {
  if (!enabled()) {
    return fail(Errc::kConflict, "local security keys are not configured (fido2: in mfad.yaml)");
  }
  MFA_TRY(validate_app_name(app));
  MFA_TRY(validate_user_name(user));
  MFA_TRY(validate_label(label));
  if (pin != nullptr && (pin->empty() || pin->size() > fido::kMaxPinLen)) {
    return fail(Errc::kInvalidArgument, "the PIN must be 1-63 bytes");
  }
  const Fido2Config& cfg = *deps_.fido2;
  if (cfg.uv_required() && pin == nullptr) {
    return fail(Errc::kInvalidArgument,
                "user verification is required: the security key needs its PIN");
  }
  MFA_TRY(require_factor_allowed(
      evaluate_for_change(deps_, app, user, who.remote_addr).settings.factors, kType));
  auto factors = deps_.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  if (factors->size() >= limits::kMaxFactorsPerUser) {
    return fail(Errc::kLimitExceeded, "too many factors for this user");
  }
  MFA_TRY(require_step_up(deps_, verifier_, app, user, who, kEnrollStepUp));

  fido::MakeCredentialRequest req;
  req.rp_id = cfg.rp_id;
  req.rp_name = "mfad";
  req.user_name = user;
  req.algs = kAlgs;
  req.pin = pin;
  req.timeout_ms = static_cast<int>(cfg.timeout_ms);
  std::string user_handle;
  for (const FactorRecord& f : *factors) {
    if (!is_active_key(f)) continue;
    auto p = read_factor_params(f);
    if (!p) return fail(p.error());
    // excludeList (CTAP 2.1 section 6.1): the key refuses to register itself twice.
    if (auto id = base64url_decode(p->credential.credential_id); id && !id->empty()) {
      req.exclude.push_back(std::move(*id));
    }
    if (user_handle.empty()) user_handle = p->credential.user_handle;
  }
  if (user_handle.empty()) {
    auto h = deps_.random->secret(16);
    if (!h) return fail(h.error());
    user_handle = base64url_encode(h->span());
  }
  auto handle_bytes = base64url_decode(user_handle);
  if (!handle_bytes) return fail(Errc::kInternal, "stored user handle unreadable");
  req.user_id = std::move(*handle_bytes);
  auto cdh = fresh_hash(*deps_.random);
  if (!cdh) return fail(cdh.error());
  req.client_data_hash = *cdh;

  Result<fido::MadeCredential> made = fail(Errc::kInternal, "not run");
  {
    std::unique_lock lock(device_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return fail(Errc::kUnavailable, "the security key is in use");
    auto dev = fido::open_local_key(*deps_.fido, cfg.device);
    if (!dev) return fail(dev.error());
    made = (*dev)->make_credential(req);
  }
  if (!made) {
    MFA_TRY(audit_.record(
        app, user, audit_event::kMfaFailed, who.audit,
        json{{"reason", "fido2_registration"}, {"error", made.error().context}}.dump()));
    return fail(made.error());
  }
  fido::LocalRegistrationCheck chk{cfg.rp_id, kAlgs, cfg.uv_required()};
  auto reg = fido::check_local_registration(chk, *made);
  if (!reg) {
    MFA_TRY(audit_.record(
        app, user, audit_event::kMfaFailed, who.audit,
        json{{"reason", "fido2_registration"}, {"error", reg.error().context}}.dump()));
    return fail(reg.error());
  }
  const std::string cred_id = base64url_encode(reg->credential_id);
  for (const FactorRecord& f : *factors) {
    if (f.type != kType) continue;
    auto p = read_factor_params(f);
    if (!p) return fail(p.error());
    if (p->credential.credential_id == cred_id) {
      return fail(Errc::kAlreadyExists, "this credential is already registered");
    }
  }

  auto factor_id = deps_.random->id("f_");
  if (!factor_id) return fail(factor_id.error());
  const std::int64_t now = deps_.clock->now_s();
  FactorRecord f;
  f.id = *factor_id;
  f.app = app;
  f.user = user;
  f.type = kType;
  f.label = label.empty() ? "Security key" : label;
  f.status = FactorStatus::kPending;
  FactorParams params;
  CredentialParams& cred = params.credential;
  cred.credential_id = cred_id;
  cred.public_key = base64url_encode(reg->cose_key);
  cred.alg = reg->alg;
  cred.rp_id = cfg.rp_id;
  cred.user_handle = user_handle;
  cred.attestation = reg->attestation_type;
  cred.fmt = reg->fmt;
  cred.aaguid = reg->aaguid_hex;
  cred.uv_initialized = reg->uv;
  f.params = factor_params_json(kType, params);
  f.created_at_s = now;
  const auto active_before =
      static_cast<std::size_t>(std::count_if(factors->begin(), factors->end(), [](const auto& x) {
        return x.status == FactorStatus::kActive;
      }));
  // The scan above is per user; the UNIQUE index on factors.credential_id (schema v2) refuses
  // a credential registered by anyone, also when two registrations race.
  if (Status st = deps_.store->insert_factor(f); !st) {
    if (st.error().code == Errc::kAlreadyExists &&
        st.error().context.find("credential_id") != std::string::npos) {
      return fail(Errc::kAlreadyExists, "this credential is already registered");
    }
    return fail(st.error());
  }
  MFA_TRY(deps_.store->activate_factor(f.id, -1, now));
  if (reg->sign_count > 0) MFA_TRY(deps_.store->update_sign_count(f.id, reg->sign_count, now));
  Activation out;
  f.status = FactorStatus::kActive;
  f.sign_count = reg->sign_count;
  out.factor = std::move(f);
  if (active_before == 0) {
    auto unused = deps_.store->unused_backup_codes(app, user);
    if (!unused) return fail(unused.error());
    if (unused->empty()) {
      auto generated = generate_backup_codes(*deps_.random, app, user);
      if (!generated) return fail(generated.error());
      MFA_TRY(deps_.store->replace_backup_codes(app, user, generated->records));
      out.backup_codes = std::move(generated->codes);
    }
  }
  MFA_TRY(audit_.record(app, user, audit_event::kFactorEnrolled, who.audit,
                        json{{"factor_id", out.factor.id},
                             {"type", to_string(kType)},
                             {"label", out.factor.label},
                             {"alg", reg->alg},
                             {"attestation", reg->attestation_type},
                             {"aaguid", reg->aaguid_hex}}
                            .dump()));
  return out;
}

Result<VerifiedFactor> LocalKeyService::check(const ChallengeRecord& c, const Evaluation& ev,
                                              const SecretBuffer* pin, const AuditContext& ctx) {
  if (!method_accepts(c.method, kType)) {
    return fail(Errc::kConflict, "this challenge does not accept a security key");
  }
  MFA_TRY(require_factor_allowed(ev.settings.factors, kType));
  const Fido2Config& cfg = *deps_.fido2;
  auto factors = deps_.store->list_factors(c.app, c.user);
  if (!factors) return fail(factors.error());
  struct Key {
    const FactorRecord* factor;
    CredentialParams cred;
  };
  std::vector<Key> keys;
  for (const auto& f : *factors) {
    if (!is_active_key(f)) continue;
    auto p = read_factor_params(f);
    if (!p) return fail(p.error());
    keys.push_back(Key{&f, std::move(p->credential)});
  }
  if (keys.empty()) return fail(Errc::kConflict, "no security key is registered for this user");
  // Only a reserved attempt asks the key (Lockout::reserve): parallel tries cannot pass the
  // lockout or the challenge's attempts.
  auto claim = lockout_.reserve(c.app, c.user, c.origin.remote_addr, ev.settings.lockout, c.id);
  if (!claim) return fail(claim.error());
  std::string factor_id;
  auto run = [&]() -> Result<webauthn::AssertionOutcome> {
    if (cfg.uv_required() && pin == nullptr) {
      return fail(Errc::kInvalidArgument, "the security key's PIN is required");
    }
    // One rp id per request: keys registered under another rp id (the host was renamed) are
    // asked for separately, in order.
    std::vector<std::string> rp_ids;
    for (const Key& k : keys) {
      const std::string& rp = k.cred.rp_id;
      if (std::find(rp_ids.begin(), rp_ids.end(), rp) == rp_ids.end()) rp_ids.push_back(rp);
    }
    auto cdh = fresh_hash(*deps_.random);
    if (!cdh) return fail(cdh.error());
    std::unique_lock lock(device_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return fail(Errc::kUnavailable, "the security key is in use");
    auto dev = fido::open_local_key(*deps_.fido, cfg.device);
    if (!dev) return fail(dev.error());
    Result<fido::Assertion> got = fail(Errc::kNotFound, "this security key is not registered");
    std::string rp_id;
    for (const std::string& rp : rp_ids) {
      fido::GetAssertionRequest req;
      req.rp_id = rp;
      req.client_data_hash = *cdh;
      req.pin = pin;
      req.timeout_ms = static_cast<int>(cfg.timeout_ms);
      for (const Key& k : keys) {
        if (k.cred.rp_id != rp) continue;
        if (auto id = base64url_decode(k.cred.credential_id); id && !id->empty())
          req.allow.push_back(std::move(*id));
      }
      got = (*dev)->get_assertion(req);
      rp_id = rp;
      if (got || got.error().code != Errc::kNotFound) break;
    }
    if (!got) {
      if (got.error().code == Errc::kNotFound)
        return fail(Errc::kNotFound, "this security key is not registered for this account");
      return fail(got.error());
    }
    const std::string wanted = base64url_encode(got->credential_id);
    const Key* found = nullptr;
    for (const Key& k : keys) {
      if (k.cred.credential_id == wanted && k.cred.rp_id == rp_id) found = &k;
    }
    // The key must answer with one of the credentials we allowed (WebAuthn 7.2 step 5).
    if (found == nullptr) {
      return fail(Errc::kBadCode, "the key answered with an unknown credential");
    }
    const FactorRecord* f = found->factor;
    auto key = base64url_decode(found->cred.public_key);
    if (!key) return fail(Errc::kInternal, "stored public key unreadable");
    factor_id = f->id;
    fido::LocalAssertionCheck in{rp_id, *cdh, *key, f->sign_count, cfg.uv_required()};
    auto out = fido::check_local_assertion(in, *got);
    if (!out) return fail(out.error());
    if (out->sign_count_regression) {
      MFA_TRY(audit_.record(c.app, c.user, audit_event::kSignCountRegression, ctx,
                            json{{"factor_id", f->id},
                                 {"stored", f->sign_count},
                                 {"presented", out->sign_count},
                                 {"refused", cfg.refuse_sign_count_regression}}
                                .dump()));
      if (cfg.refuse_sign_count_regression) {
        return fail(Errc::kBadCode, "signature counter did not increase (possible cloned key)");
      }
    }
    return out;
  };
  auto outcome = run();
  const AssertionSubject subject{c.app,
                                 c.user,
                                 c.origin.remote_addr,
                                 std::string(to_string(c.purpose)),
                                 std::string(to_string(kType)),
                                 ev.settings.lockout};
  if (!outcome) {
    const Error& err = outcome.error();
    return fail(record_assertion_failure(audit_, lockout_, subject, ctx, err, *claim,
                                         counts_toward_lockout(err.code)));
  }
  MFA_TRY(record_assertion_success(deps_, audit_, subject, ctx, *claim, factor_id,
                                   outcome->sign_count, outcome->uv));
  return VerifiedFactor{factor_id, std::string(to_string(kType))};
}

Result<ChallengeVerified> LocalKeyService::verify(const std::string& app,
                                                  const std::string& challenge_id,
                                                  const SecretBuffer* pin,
                                                  const AuditContext& ctx) {
  if (!enabled()) return fail(Errc::kConflict, "local security keys are not configured");
  if (pin != nullptr && (pin->empty() || pin->size() > fido::kMaxPinLen)) {
    return fail(Errc::kInvalidArgument, "the PIN must be 1-63 bytes");
  }
  return challenges_.verify_external(app, challenge_id,
                                     [&](const ChallengeRecord& c, const Evaluation& ev) {
                                       AuditContext actx = ctx;
                                       if (actx.remote_addr.empty())
                                         actx.remote_addr = c.origin.remote_addr;
                                       return check(c, ev, pin, actx);
                                     });
}

}  // namespace mfa::core
