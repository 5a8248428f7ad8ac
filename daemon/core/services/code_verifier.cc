#include "daemon/core/services/code_verifier.h"

#include <algorithm>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/crypto/aead.h"
#include "daemon/core/otp/backup_codes.h"
#include "daemon/core/otp/delivered_code.h"
#include "daemon/core/otp/factor_params.h"
#include "daemon/core/otp/otp.h"
#include "daemon/core/store/store.h"

namespace mfa::core {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

}  // namespace

bool factor_allowed(const std::vector<std::string>& allowed, std::string_view type) {
  // The policy names one FIDO2/WebAuthn factor (DESIGN.md section 5): `webauthn` allows
  // browser passkeys and security keys plugged into this host (factor type fido2) alike.
  if (type == "fido2") type = "webauthn";
  return std::find(allowed.begin(), allowed.end(), type) != allowed.end();
}

Result<std::vector<CodeVerifier::TotpMatch>> CodeVerifier::totp_matches(const VerifyRequest& req,
                                                                        std::int64_t now) {
  std::vector<TotpMatch> out;
  auto factors = deps_.store->list_factors(req.app, req.user);
  if (!factors) return fail(factors.error());
  std::string code = trim(req.code);
  for (const FactorRecord& f : *factors) {
    if (f.type != FactorType::kTotp || f.status != FactorStatus::kActive ||
        f.id == req.exclude_factor_id) {
      continue;
    }
    if (!req.only_factor_id.empty() && f.id != req.only_factor_id) continue;
    auto params = read_factor_params(f);
    if (!params) {
      secure_wipe(code);
      return fail(params.error());
    }
    auto key = deps_.aead->open(f.secret_ct, factor_aad(f.app, f.user, f.id));
    if (!key) {
      secure_wipe(code);
      return fail(key.error());
    }
    // A library failure is an error, not a wrong code: it must not count against the user.
    auto step = totp_match(*key, code, now, params->totp);
    if (!step) {
      secure_wipe(code);
      return fail(step.error());
    }
    if (*step) out.push_back(TotpMatch{f.id, **step});
  }
  secure_wipe(code);
  return out;
}

Result<CodeVerifier::Match> CodeVerifier::commit(const VerifyRequest& req, const AuditContext& ctx,
                                                 const AttemptClaim& claim, VerificationCommit c,
                                                 const VerifiedFactor& out) {
  c.now_s = deps_.clock->now_s();
  c.app = req.app;
  c.user = req.user;
  Lockout::add_success(claim, c);
  if (!req.approve_challenge_id.empty()) {
    c.challenge_id = req.approve_challenge_id;
    c.challenge_event =
        ChallengeEvent{deps_.clock->now_ms(), "approved",
                       "{\"factor\":\"" + out.type + "\",\"factor_id\":\"" + out.factor_id + "\"}"};
  }
  if (req.mark_rhost_seen && !req.remote_addr.empty()) {
    c.remote_addr = req.remote_addr;
    c.remember_service = req.remember_service;
    c.remember_until_s = req.remember_until_s;
  }
  c.audit = audit_.make(req.app, req.user, audit_event::kMfaSucceeded, ctx,
                        "{\"factor\":\"" + out.type + "\",\"factor_id\":\"" + out.factor_id +
                            "\",\"purpose\":\"" + req.purpose + "\"}");
  std::int64_t audit_id = 0;
  auto outcome = deps_.store->commit_verification(c, &audit_id);
  if (!outcome) return fail(outcome.error());
  switch (*outcome) {
    case VerificationOutcome::kCommitted:
      audit_.emitted(std::move(c.audit), audit_id);
      return Match::kAccepted;
    case VerificationOutcome::kReplayed: return Match::kReplayed;
    case VerificationOutcome::kChallengeNotPending: break;
  }
  // A right code, too late: no failure of the person's. Giving the attempt back is
  // best-effort (the challenge is closed anyway); the conflict is the answer.
  (void)lockout_.give_back(claim);
  return fail(Errc::kConflict, "challenge was completed concurrently");
}

Result<CodeVerifier::Match> CodeVerifier::try_totp(const VerifyRequest& req,
                                                   const AuditContext& ctx,
                                                   const AttemptClaim& claim, VerifiedFactor& out) {
  if (!factor_allowed(req.allowed, FactorType::kTotp)) return Match::kNone;
  auto matches = totp_matches(req, deps_.clock->now_s());
  if (!matches) {
    // The key could not be opened or liboath failed: nothing was compared, so the reserved
    // attempt is no guess of the person's and goes back (best effort; the error is the answer).
    (void)lockout_.give_back(claim);
    return fail(matches.error());
  }
  Match result = Match::kNone;
  for (const TotpMatch& m : *matches) {
    // The compare-and-set in the store is the replay guard, also across hosts sharing it.
    VerificationCommit c;
    c.totp_factor_id = m.factor_id;
    c.totp_step = m.step;
    VerifiedFactor candidate{m.factor_id, "totp"};
    auto r = commit(req, ctx, claim, std::move(c), candidate);
    if (!r) return fail(r.error());
    if (*r == Match::kAccepted) {
      out = std::move(candidate);
      return Match::kAccepted;
    }
    result = Match::kReplayed;
  }
  return result;
}

Result<CodeVerifier::Match> CodeVerifier::try_backup(const VerifyRequest& req,
                                                     const AuditContext& ctx,
                                                     const AttemptClaim& claim) {
  if (!factor_allowed(req.allowed, "backup_code")) return Match::kNone;
  std::string normalized = normalize_backup_code(req.code);
  if (normalized.size() != 8) return Match::kNone;
  auto unused = deps_.store->unused_backup_codes(req.app, req.user);
  if (!unused) return fail(unused.error());
  std::optional<std::int64_t> id = match_backup_code(normalized, *unused);
  secure_wipe(normalized);
  if (!id) return Match::kNone;
  // Two parallel uses of one code: the conditional update lets exactly one win.
  VerificationCommit c;
  c.backup_code_id = *id;
  return commit(req, ctx, claim, std::move(c), VerifiedFactor{"", "backup_code"});
}

Result<VerifiedFactor> CodeVerifier::on_failure(const VerifyRequest& req, const AuditContext& ctx,
                                                const AttemptClaim& claim, bool replayed) {
  // The claim taken before the compare is the failure record: nothing to count here.
  const LockoutStatus st = lockout_.failed(claim);
  const std::string reason = replayed ? "replayed" : "bad_code";
  MFA_TRY(audit_.record(req.app, req.user, audit_event::kMfaFailed, ctx,
                        "{\"reason\":\"" + reason + "\",\"purpose\":\"" + req.purpose + "\"}"));
  if (st.locked) {
    MFA_TRY(audit_.record(req.app, req.user, audit_event::kLockedOut, ctx,
                          "{\"retry_after\":" + std::to_string(st.retry_after_s) + "}"));
    return fail(Lockout::locked_error(st.retry_after_s));
  }
  if (replayed) return fail(Errc::kReplayed, "this code was already used; wait for the next one");
  return fail(Errc::kBadCode, "wrong code");
}

Result<VerifiedFactor> CodeVerifier::verify(const VerifyRequest& req, const AuditContext& ctx) {
  if (req.code.size() > limits::kMaxCodeLen) {
    return fail(Errc::kInvalidArgument, "code too long");
  }
  // Only a reserved attempt may compare a code: the reservation is the failure record, so
  // parallel guesses cannot all pass a read-then-record check (issue 10 #6).
  auto claim =
      lockout_.reserve(req.app, req.user, req.remote_addr, req.lockout, req.approve_challenge_id);
  if (!claim) return fail(claim.error());
  // Each accepted path commits its replay guard, the challenge approval, the lockout reset
  // and the audit record in one transaction (commit()): one fsync per verification.
  const bool delivered = req.delivered_hash != nullptr && !req.delivered_hash->empty() &&
                         factor_allowed(req.allowed, req.delivered_type) &&
                         delivered_code_matches(*req.delivered_hash, req.challenge_id, req.code);
  if (delivered) {
    // Single use: the challenge's pending -> approved compare-and-set consumes the code.
    VerifiedFactor out{req.delivered_factor_id, std::string(to_string(req.delivered_type))};
    auto r = commit(req, ctx, *claim, VerificationCommit{}, out);
    if (!r) return fail(r.error());
    return out;
  }
  VerifiedFactor out;
  auto totp = try_totp(req, ctx, *claim, out);
  if (!totp) return fail(totp.error());
  if (*totp == Match::kAccepted) return out;
  auto backup = try_backup(req, ctx, *claim);
  if (!backup) return fail(backup.error());
  if (*backup == Match::kAccepted) return VerifiedFactor{"", "backup_code"};
  return on_failure(req, ctx, *claim, *totp == Match::kReplayed || *backup == Match::kReplayed);
}

}  // namespace mfa::core
