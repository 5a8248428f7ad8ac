// SQLite backend: attempt reservations, the conditional increments a guess takes on its
// lockout counters and its challenge before its secret is compared (store.h,
// AttemptReservation; issue 10 #6: read-then-record let parallel guesses pass the limit).
#include <algorithm>

#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {
namespace {

// One counter's conditional increment. The window restarts when it has expired (or the row
// holds no failure); the attempt that reaches max_failures sets the lock. The WHERE refuses
// a locked counter and one already at the limit in its window: no row changes, none returns.
// SET expressions all read the old row, hence the restart condition repeated.
constexpr const char* kReserveKey =
    "INSERT INTO lockouts(key, failures, window_start_s, locked_until_s)"
    " VALUES(?1, 1, ?2, CASE WHEN 1 >= ?4 THEN ?2 + ?5 ELSE 0 END)"
    " ON CONFLICT(key) DO UPDATE SET"
    " failures = CASE WHEN failures = 0 OR ?2 - window_start_s >= ?3 THEN 1"
    " ELSE failures + 1 END,"
    " window_start_s = CASE WHEN failures = 0 OR ?2 - window_start_s >= ?3 THEN ?2"
    " ELSE window_start_s END,"
    " locked_until_s = CASE WHEN (CASE WHEN failures = 0 OR ?2 - window_start_s >= ?3 THEN 1"
    " ELSE failures + 1 END) >= ?4 THEN ?2 + ?5 ELSE locked_until_s END"
    " WHERE locked_until_s <= ?2 AND (failures = 0 OR ?2 - window_start_s >= ?3"
    " OR failures < ?4)"
    " RETURNING failures, window_start_s, locked_until_s";

constexpr const char* kReserveChallenge =
    "UPDATE challenges SET attempts = attempts + 1"
    " WHERE id = ? AND status = 'pending' AND attempts < max_attempts RETURNING attempts";

// A refused counter: how long until it lets an attempt through (the lock, or the end of a
// full window), at least one second.
Result<std::int64_t> refused_wait(Db& db, const std::string& key, const AttemptReservation& r,
                                  LockoutState& state) {
  auto st =
      db.prepare("SELECT failures, window_start_s, locked_until_s FROM lockouts WHERE key = ?");
  if (!st) return fail(st.error());
  auto row = st->text(key).step();
  if (!row) return fail(row.error());
  state.key = key;
  if (*row) {
    state.failures = st->col_i64(0);
    state.window_start_s = st->col_i64(1);
    state.locked_until_s = st->col_i64(2);
  }
  const std::int64_t until = std::max(state.locked_until_s, state.window_start_s + r.window_s);
  return std::max<std::int64_t>(1, until - r.now_s);
}

}  // namespace

Result<ReservedAttempt> SqliteStore::reserve_attempt(const AttemptReservation& r) {
  ReservedAttempt out;
  Status done = run_write(
      [&](Db& db) -> Status {
        out = ReservedAttempt{};
        // A refusal fails the unit so that run_write rolls back the increments already made.
        auto refused = [&](ReservationOutcome o) -> Status {
          out.outcome = o;
          return fail(Errc::kConflict, "attempt refused");
        };
        if (!r.challenge_id.empty()) {
          auto st = db.prepare(kReserveChallenge);
          if (!st) return fail(st.error());
          auto row = st->text(r.challenge_id).step();
          if (!row) return fail(row.error());
          if (!*row) return refused(ReservationOutcome::kChallengeClosed);
        }
        for (const std::string& key : r.lockout_keys) {
          auto st = db.prepare(kReserveKey);
          if (!st) return fail(st.error());
          auto row =
              st->text(key).i64(r.now_s).i64(r.window_s).i64(r.max_failures).i64(r.lock_s).step();
          if (!row) return fail(row.error());
          if (*row) {
            out.lockouts.push_back(
                LockoutState{key, st->col_i64(0), st->col_i64(1), st->col_i64(2)});
            continue;
          }
          LockoutState state;
          auto wait = refused_wait(db, key, r, state);
          if (!wait) return fail(wait.error());
          out.lockouts = {state};
          out.retry_after_s = *wait;
          return refused(ReservationOutcome::kLocked);
        }
        return {};
      },
      Durability::kProcessCrash);
  if (out.outcome != ReservationOutcome::kReserved) return out;
  if (!done) return fail(done.error());
  return out;
}

Status SqliteStore::apply_release(Db& db, const AttemptRelease& r) {
  for (const LockoutState& k : r.lockouts) {
    // Only within the window the reservation counted in: a later window already forgot it.
    auto st = db.prepare(
        "UPDATE lockouts SET failures = failures - 1,"
        " locked_until_s = CASE WHEN failures - 1 < ?1 THEN 0 ELSE locked_until_s END"
        " WHERE key = ?2 AND window_start_s = ?3 AND failures > 0");
    if (!st) return fail(st.error());
    MFA_TRY(st->i64(r.max_failures).text(k.key).i64(k.window_start_s).exec());
    // A counter back at zero is no record: every address that ever logged in would keep one.
    auto gone = db.prepare("DELETE FROM lockouts WHERE key = ? AND failures = 0");
    if (!gone) return fail(gone.error());
    MFA_TRY(gone->text(k.key).exec());
  }
  if (!r.challenge_id.empty()) {
    auto st =
        db.prepare("UPDATE challenges SET attempts = attempts - 1 WHERE id = ? AND attempts > 0");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(r.challenge_id).exec());
  }
  return {};
}

Status SqliteStore::release_attempt(const AttemptRelease& r) {
  return run_write([&](Db& db) -> Status { return apply_release(db, r); });
}

}  // namespace mfa::sqlite
