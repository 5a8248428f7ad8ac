#include "daemon/core/code_verifier.h"

#include <algorithm>

#include "daemon/core/aead.h"
#include "daemon/core/backup_codes.h"
#include "daemon/core/clock.h"
#include "daemon/core/delivered_code.h"
#include "daemon/core/limits.h"
#include "daemon/core/otp.h"
#include "daemon/core/store.h"

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

Result<CodeVerifier::Match> CodeVerifier::try_totp(const VerifyRequest& req,
                                                   std::string& factor_id) {
  if (!factor_allowed(req.allowed, "totp")) return Match::kNone;
  auto factors = deps_.store->list_factors(req.app, req.user);
  if (!factors) return fail(factors.error());
  std::string code = trim(req.code);
  Match result = Match::kNone;
  const std::int64_t now = deps_.clock->now_s();
  for (const FactorRecord& f : *factors) {
    if (f.type != "totp" || f.status != "active" || f.id == req.exclude_factor_id) continue;
    if (!req.only_factor_id.empty() && f.id != req.only_factor_id) continue;
    auto params = totp_params_from_json(f.params);
    if (!params) return fail(params.error());
    auto key = deps_.aead->open(f.secret_ct, factor_aad(f.app, f.user, f.id));
    if (!key) return fail(key.error());
    std::optional<std::int64_t> step = totp_match(*key, code, now, *params);
    if (!step) continue;
    // The compare-and-set in the store is the replay guard, also across hosts sharing it.
    auto advanced = deps_.store->advance_totp_step(f.id, *step, now);
    if (!advanced) return fail(advanced.error());
    if (*advanced) {
      factor_id = f.id;
      secure_wipe(code);
      return Match::kAccepted;
    }
    result = Match::kReplayed;
  }
  secure_wipe(code);
  return result;
}

Result<CodeVerifier::Match> CodeVerifier::try_backup(const VerifyRequest& req) {
  if (!factor_allowed(req.allowed, "backup_code")) return Match::kNone;
  std::string normalized = normalize_backup_code(req.code);
  if (normalized.size() != 8) return Match::kNone;
  auto unused = deps_.store->unused_backup_codes(req.app, req.user);
  if (!unused) return fail(unused.error());
  std::optional<std::int64_t> id = match_backup_code(normalized, *unused);
  secure_wipe(normalized);
  if (!id) return Match::kNone;
  // Two parallel uses of one code: the conditional update lets exactly one win.
  auto consumed = deps_.store->consume_backup_code(*id, deps_.clock->now_s());
  if (!consumed) return fail(consumed.error());
  return *consumed ? Match::kAccepted : Match::kReplayed;
}

Result<VerifiedFactor> CodeVerifier::on_failure(const VerifyRequest& req, const AuditContext& ctx,
                                                bool replayed) {
  auto st = lockout_.record_failure(req.app, req.user, req.rhost, req.lockout);
  if (!st) return fail(st.error());
  const std::string reason = replayed ? "replayed" : "bad_code";
  MFA_TRY(audit_.record(req.app, req.user, audit_event::kMfaFailed, ctx,
                        "{\"reason\":\"" + reason + "\",\"purpose\":\"" + req.purpose + "\"}"));
  if (st->locked) {
    MFA_TRY(audit_.record(req.app, req.user, audit_event::kLockedOut, ctx,
                          "{\"retry_after\":" + std::to_string(st->retry_after_s) + "}"));
    Error e = make_error(Errc::kLockedOut, "too many failed attempts; try again in " +
                                               std::to_string(st->retry_after_s) + " s");
    e.retry_after_s = st->retry_after_s;
    return fail(std::move(e));
  }
  if (replayed) return fail(Errc::kReplayed, "this code was already used; wait for the next one");
  return fail(Errc::kBadCode, "wrong code");
}

Result<VerifiedFactor> CodeVerifier::verify(const VerifyRequest& req, const AuditContext& ctx) {
  MFA_TRY(lockout_.check(req.app, req.user, req.rhost));
  if (req.code.size() > limits::kMaxCodeLen) {
    return fail(Errc::kInvalidArgument, "code too long");
  }
  std::string factor_id;
  const bool delivered = req.delivered_hash != nullptr && !req.delivered_hash->empty() &&
                         factor_allowed(req.allowed, req.delivered_type) &&
                         delivered_code_matches(*req.delivered_hash, req.challenge_id, req.code);
  auto totp = delivered ? Result<Match>(Match::kNone) : try_totp(req, factor_id);
  if (!totp) return fail(totp.error());
  bool replayed = *totp == Match::kReplayed;
  VerifiedFactor out;
  if (delivered) {
    // Single use: the challenge moves to approved right after this (compare-and-set).
    out = VerifiedFactor{req.delivered_factor_id, req.delivered_type};
  } else if (*totp == Match::kAccepted) {
    out = VerifiedFactor{factor_id, "totp"};
  } else {
    auto backup = try_backup(req);
    if (!backup) return fail(backup.error());
    if (*backup != Match::kAccepted) {
      return on_failure(req, ctx, replayed || *backup == Match::kReplayed);
    }
    out = VerifiedFactor{"", "backup_code"};
  }
  MFA_TRY(lockout_.record_success(req.app, req.user, req.rhost));
  // No touch_factor here: advance_totp_step already stored the use time in the same UPDATE,
  // and every extra write is one more fsync on the login path (bench/RESULTS.md).
  MFA_TRY(audit_.record(req.app, req.user, audit_event::kMfaSucceeded, ctx,
                        "{\"factor\":\"" + out.type + "\",\"factor_id\":\"" + out.factor_id +
                            "\",\"purpose\":\"" + req.purpose + "\"}"));
  return out;
}

}  // namespace mfa::core
