#include "daemon/core/passkeys/webauthn_service.h"

#include <algorithm>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base64url.h"
#include "daemon/core/otp/backup_codes.h"
#include "daemon/core/passkeys/webauthn_json.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/services/factor_policy.h"
#include "daemon/core/store/store.h"
#include "daemon/core/webauthn/webauthn_config.h"
#include "daemon/core/webauthn/webauthn_cose.h"
#include "daemon/core/webauthn/webauthn_rp.h"

namespace mfa::core {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTransports = 8;
const std::vector<std::int64_t> kAlgs = {webauthn::kAlgEs256, webauthn::kAlgEdDsa,
                                         webauthn::kAlgRs256};

// Common envelope: type "public-key", id == base64url(rawId), a response object.
Result<std::vector<std::uint8_t>> credential_envelope(const json& cred, const json*& response) {
  if (!cred.is_object()) return fail(Errc::kInvalidArgument, "credential must be an object");
  auto type = cred.find("type");
  if (type == cred.end() || *type != "public-key") {
    return fail(Errc::kInvalidArgument, "credential type must be public-key");
  }
  auto raw_id = webauthn_b64_field(cred, "rawId", true);
  if (!raw_id) return fail(raw_id.error());
  auto id = webauthn_b64_field(cred, "id", true);
  if (!id) return fail(id.error());
  if (*id != *raw_id) return fail(Errc::kInvalidArgument, "credential id and rawId differ");
  auto r = cred.find("response");
  if (r == cred.end() || !r->is_object()) {
    return fail(Errc::kInvalidArgument, "credential response must be an object");
  }
  response = &*r;
  return std::move(*raw_id);
}

json credential_descriptor(const CredentialParams& c) {
  json d = {{"type", "public-key"}, {"id", c.credential_id}};
  if (!c.transports.empty()) d["transports"] = c.transports;
  return d;
}

bool is_webauthn_active(const FactorRecord& f) {
  return f.type == FactorType::kWebauthn && f.status == FactorStatus::kActive;
}

}  // namespace

bool WebAuthnService::enabled() const {
  return deps_.webauthn != nullptr && deps_.webauthn->enabled();
}

Result<WebAuthnRegistration> WebAuthnService::begin_registration(const std::string& app,
                                                                 const std::string& user,
                                                                 const std::string& label,
                                                                 const Requester& who) {
  if (!enabled())
    return fail(Errc::kConflict, "WebAuthn is not configured (webauthn: in mfad.yaml)");
  MFA_TRY(validate_app_name(app));
  MFA_TRY(validate_user_name(user));
  MFA_TRY(validate_label(label));
  MFA_TRY(require_factor_allowed(
      evaluate_for_change(deps_, app, user, who.remote_addr).settings.factors,
      FactorType::kWebauthn));
  const WebAuthnConfig& cfg = *deps_.webauthn;
  auto factors = deps_.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  // One pending passkey enrolment at a time: an abandoned one is replaced.
  for (const FactorRecord& old : *factors) {
    if (old.status == FactorStatus::kPending && old.type == FactorType::kWebauthn)
      MFA_TRY(deps_.store->delete_factor(old.id));
  }
  std::erase_if(*factors, [](const FactorRecord& f) {
    return f.status == FactorStatus::kPending && f.type == FactorType::kWebauthn;
  });
  if (factors->size() >= limits::kMaxFactorsPerUser) {
    return fail(Errc::kLimitExceeded, "too many factors for this user");
  }
  MFA_TRY(require_step_up(deps_, verifier_, app, user, who, kEnrollStepUp));

  // The user handle is random (no user name in it, WebAuthn 14.6.1) and the same for all of
  // the user's passkeys.
  std::string user_handle;
  json exclude = json::array();
  for (const FactorRecord& f : *factors) {
    if (!is_webauthn_active(f)) continue;
    auto p = read_factor_params(f);
    if (!p) return fail(p.error());
    exclude.push_back(credential_descriptor(p->credential));
    if (user_handle.empty()) user_handle = p->credential.user_handle;
  }
  if (user_handle.empty()) {
    auto h = deps_.random->secret(16);
    if (!h) return fail(h.error());
    user_handle = base64url_encode(h->span());
  }
  auto challenge = deps_.random->secret(kWebAuthnChallengeBytes);
  if (!challenge) return fail(challenge.error());
  const std::string challenge_b64 = base64url_encode(challenge->span());
  auto factor_id = deps_.random->id("f_");
  auto challenge_id = factor_id ? deps_.random->id("ch_") : factor_id;
  if (!challenge_id) return fail(challenge_id.error());
  const std::int64_t now = deps_.clock->now_s();

  FactorRecord f;
  f.id = *factor_id;
  f.app = app;
  f.user = user;
  f.type = FactorType::kWebauthn;
  f.label = label.empty() ? "Passkey" : label;
  f.status = FactorStatus::kPending;
  FactorParams pending;
  pending.credential.user_handle = user_handle;
  f.params = factor_params_json(FactorType::kWebauthn, pending);
  f.created_at_s = now;
  MFA_TRY(deps_.store->insert_factor(f));

  // The challenge is kept server-side, bound to this factor, and used once (WebAuthn 13.4.3).
  ChallengeRecord c;
  c.id = *challenge_id;
  c.app = app;
  c.user = user;
  c.purpose = ChallengePurpose::kEnroll;
  c.method = ChallengeMethod::kWebauthn;
  c.status = ChallengeStatus::kPending;
  c.factor_id = f.id;
  c.max_attempts = 1;
  c.created_at_s = now;
  c.expires_at_s = now + cfg.timeout_ms / 1000;
  c.origin.remote_addr = who.remote_addr;
  c.origin.service = "webauthn";
  c.data =
      json{{"webauthn_challenge", challenge_b64}, {"algs", kAlgs}, {"uv", cfg.user_verification}}
          .dump();
  c.events.push_back(ChallengeEvent{deps_.clock->now_ms(), "created", "webauthn registration"});
  MFA_TRY(deps_.store->insert_challenge(c));

  json params = json::array();
  for (auto alg : kAlgs) params.push_back({{"type", "public-key"}, {"alg", alg}});
  const std::string display = app == kSystemApp ? user : user + " (" + app + ")";
  WebAuthnRegistration out;
  out.factor_id = f.id;
  out.label = f.label;
  out.expires_at_s = c.expires_at_s;
  out.options = {{"rp", {{"id", cfg.rp_id}, {"name", cfg.rp_name}}},
                 {"user", {{"id", user_handle}, {"name", user}, {"displayName", display}}},
                 {"challenge", challenge_b64},
                 {"pubKeyCredParams", params},
                 {"timeout", cfg.timeout_ms},
                 {"excludeCredentials", exclude},
                 {"authenticatorSelection",
                  {{"residentKey", "preferred"}, {"userVerification", cfg.user_verification}}},
                 {"attestation", cfg.attestation}};
  return out;
}

Result<std::vector<std::string>> WebAuthnService::backup_codes_if_first(const std::string& app,
                                                                        const std::string& user,
                                                                        std::size_t active_before) {
  if (active_before > 0) return std::vector<std::string>();
  auto unused = deps_.store->unused_backup_codes(app, user);
  if (!unused) return fail(unused.error());
  if (!unused->empty()) return std::vector<std::string>();
  auto generated = generate_backup_codes(*deps_.random, app, user);
  if (!generated) return fail(generated.error());
  MFA_TRY(deps_.store->replace_backup_codes(app, user, generated->records));
  return std::move(generated->codes);
}

Result<Activation> WebAuthnService::finish_registration(const std::string& app,
                                                        const std::string& user,
                                                        const std::string& factor_id,
                                                        const json& credential,
                                                        const AuditContext& ctx) {
  if (!enabled()) return fail(Errc::kConflict, "WebAuthn is not configured");
  auto found = deps_.store->get_factor(factor_id);
  if (!found) return fail(found.error());
  if (!found->has_value() || (*found)->app != app || (*found)->user != user ||
      (*found)->type != FactorType::kWebauthn) {
    return fail(Errc::kNotFound, "no such factor");
  }
  FactorRecord f = std::move(**found);
  if (f.status != FactorStatus::kPending) {
    return fail(Errc::kConflict, "factor is already active");
  }

  ChallengeFilter filter;
  filter.app = app;
  filter.user = user;
  filter.purpose = ChallengePurpose::kEnroll;
  filter.method = ChallengeMethod::kWebauthn;
  filter.status = ChallengeStatus::kPending;
  auto pending = deps_.store->list_challenges(filter);
  if (!pending) return fail(pending.error());
  auto it = std::find_if(pending->begin(), pending->end(),
                         [&](const ChallengeRecord& c) { return c.factor_id == f.id; });
  if (it == pending->end()) {
    return fail(Errc::kExpired, "no pending registration for this factor; start again");
  }
  auto c = challenges_.get(app, it->id);  // moves an expired one to `expired`
  if (!c) return fail(c.error());
  if (c->status != ChallengeStatus::kPending)
    return fail(Errc::kExpired, "the registration challenge expired; start again");
  const json data = json::parse(c->data, nullptr, false);
  auto expected = base64url_decode(data.is_object() ? data.value("webauthn_challenge", "") : "");
  if (!expected || expected->empty()) return fail(Errc::kInternal, "registration challenge lost");

  auto verify = [&]() -> Result<webauthn::RegisteredCredential> {
    const json* response = nullptr;
    auto raw_id = credential_envelope(credential, response);
    if (!raw_id) return fail(raw_id.error());
    auto cdj = webauthn_b64_field(*response, "clientDataJSON", true);
    if (!cdj) return fail(cdj.error());
    auto att = webauthn_b64_field(*response, "attestationObject", true);
    if (!att) return fail(att.error());
    webauthn::RegistrationInput in;
    in.client_data_json = *cdj;
    in.attestation_object = *att;
    in.expected_challenge = *expected;
    in.requested_algs = kAlgs;
    in.require_uv = deps_.webauthn->uv_required();
    auto reg = webauthn::verify_registration(*deps_.webauthn, in);
    if (!reg) return fail(reg.error());
    if (reg->credential_id != *raw_id) {
      return fail(Errc::kBadCode, "rawId differs from the attested credential id");
    }
    auto dup = deps_.store->find_webauthn_credential(base64url_encode(reg->credential_id));
    if (!dup) return fail(dup.error());
    if (dup->has_value())
      return fail(Errc::kAlreadyExists, "this credential is already registered");
    return reg;
  };
  auto reg = verify();
  // Single use either way: a failed registration needs a new challenge.
  const ChallengeStatus outcome = reg ? ChallengeStatus::kApproved : ChallengeStatus::kFailed;
  auto moved = deps_.store->transition_challenge(
      c->id, ChallengeStatus::kPending, outcome,
      ChallengeEvent{deps_.clock->now_ms(), std::string(to_string(outcome)),
                     reg ? "" : std::string(to_string(reg.error().code))});
  if (!moved) return fail(moved.error());
  if (!reg) {
    MFA_TRY(audit_.record(
        app, user, audit_event::kMfaFailed, ctx,
        json{{"reason", "webauthn_registration"}, {"error", reg.error().context}}.dump()));
    return fail(reg.error());
  }
  if (!*moved) return fail(Errc::kConflict, "registration challenge was used concurrently");

  std::vector<std::string> transports;
  const json* response = nullptr;
  (void)credential_envelope(credential, response);
  if (response != nullptr) {
    auto t = response->find("transports");
    if (t != response->end() && t->is_array()) {
      for (const auto& e : *t) {
        if (e.is_string() && e.get_ref<const std::string&>().size() <= 32 &&
            transports.size() < kMaxTransports) {
          transports.push_back(e.get<std::string>());
        }
      }
    }
  }
  auto stored = read_factor_params(f);  // the pending factor's user handle
  if (!stored) return fail(stored.error());
  CredentialParams& cred = stored->credential;
  cred.credential_id = base64url_encode(reg->credential_id);
  cred.public_key = base64url_encode(reg->cose_key);
  cred.alg = reg->alg;
  cred.transports = std::move(transports);
  cred.attestation = reg->attestation_type;
  cred.attestation_trusted = reg->attestation_trusted;
  cred.fmt = reg->fmt;
  cred.aaguid = reg->aaguid_hex;
  cred.uv_initialized = reg->uv;
  cred.backup_eligible = reg->backup_eligible;
  cred.backup_state = reg->backup_state;
  const std::string params = factor_params_json(FactorType::kWebauthn, *stored);
  const std::int64_t now = deps_.clock->now_s();
  auto factors = deps_.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  const auto active_before =
      static_cast<std::size_t>(std::count_if(factors->begin(), factors->end(), [](const auto& x) {
        return x.status == FactorStatus::kActive;
      }));
  // The lookup in verify() is a fast path; the UNIQUE index on factors.credential_id (schema
  // v2) is what decides when two registrations of one credential race (WebAuthn 7.1 step 22).
  // The factor stays pending, as after the fast path's refusal.
  if (Status st = deps_.store->update_factor_params(f.id, params); !st) {
    if (st.error().code != Errc::kAlreadyExists) return fail(st.error());
    MFA_TRY(audit_.record(
        app, user, audit_event::kMfaFailed, ctx,
        json{{"reason", "webauthn_registration"}, {"error", "credential already registered"}}
            .dump()));
    return fail(Errc::kAlreadyExists, "this credential is already registered");
  }
  MFA_TRY(deps_.store->activate_factor(f.id, -1, now));
  if (reg->sign_count > 0) MFA_TRY(deps_.store->update_sign_count(f.id, reg->sign_count, now));
  Activation out;
  f.status = FactorStatus::kActive;
  f.params = params;
  f.sign_count = reg->sign_count;
  out.factor = std::move(f);
  auto codes = backup_codes_if_first(app, user, active_before);
  if (!codes) return fail(codes.error());
  out.backup_codes = std::move(*codes);
  json detail = {{"factor_id", out.factor.id},
                 {"type", FactorType::kWebauthn},
                 {"label", out.factor.label},
                 {"attestation", reg->attestation_type},
                 {"attestation_trusted", reg->attestation_trusted},
                 {"aaguid", reg->aaguid_hex}};
  MFA_TRY(audit_.record(app, user, audit_event::kFactorEnrolled, ctx, detail.dump()));
  return out;
}

}  // namespace mfa::core
