// SQLite backend: commit_verification, the one transaction behind an accepted code.
#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {

Result<VerificationOutcome> SqliteStore::commit_verification(const VerificationCommit& c,
                                                             std::int64_t* audit_id) {
  VerificationOutcome outcome = VerificationOutcome::kCommitted;
  std::int64_t id = 0;
  Status done = run_write([&](Db& db) -> Status {
    // A lost compare-and-set fails this unit so that run_write rolls back whatever it had
    // already written (e.g. the TOTP step when the challenge turned out to be approved).
    auto lost = [&](VerificationOutcome o) -> Status {
      outcome = o;
      return fail(Errc::kConflict, "verification lost a compare-and-set");
    };
    if (!c.totp_factor_id.empty()) {
      auto won = cas_totp_step(db, c.totp_factor_id, c.totp_step, c.now_s);
      if (!won) return fail(won.error());
      if (!*won) return lost(VerificationOutcome::kReplayed);
    }
    if (c.backup_code_id != 0) {
      auto won = cas_backup_code(db, c.backup_code_id, c.now_s);
      if (!won) return fail(won.error());
      if (!*won) return lost(VerificationOutcome::kReplayed);
    }
    if (!c.sign_count_factor_id.empty()) {
      MFA_TRY(set_sign_count(db, c.sign_count_factor_id, c.sign_count, c.now_s));
    }
    if (!c.challenge_id.empty()) {
      auto won = cas_challenge_status(db, c.challenge_id, core::ChallengeStatus::kPending,
                                      core::ChallengeStatus::kApproved, c.challenge_event);
      if (!won) return fail(won.error());
      if (!*won) return lost(VerificationOutcome::kChallengeNotPending);
    }
    // The accepted attempt's reservation is no failure: given back with the success.
    MFA_TRY(apply_release(db, c.release));
    if (!c.clear_lockout_key.empty()) MFA_TRY(delete_lockout(db, c.clear_lockout_key));
    if (!c.remote_addr.empty()) {
      if (c.remember_until_s > 0) {
        MFA_TRY(upsert_remembered(db, c.app, c.user, c.remote_addr, c.remember_service,
                                  c.remember_until_s));
      }
      MFA_TRY(upsert_seen_rhost(db, c.app, c.user, c.remote_addr, c.now_s));
    }
    if (!c.audit.event.empty()) {
      auto r = insert_audit(db, c.audit);
      if (!r) return fail(r.error());
      id = *r;
    }
    return {};
  });
  if (outcome != VerificationOutcome::kCommitted) return outcome;
  if (!done) return fail(done.error());
  if (audit_id != nullptr) *audit_id = id;
  return outcome;
}

}  // namespace mfa::sqlite
