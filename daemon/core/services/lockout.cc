#include "daemon/core/services/lockout.h"

#include <algorithm>

#include "daemon/core/base/clock.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

std::string Lockout::user_key(const std::string& app, const std::string& user) {
  return "user:" + app + "/" + user;
}

std::string Lockout::rhost_key(const std::string& app, const std::string& rhost) {
  return "rhost:" + app + "/" + rhost;
}

Status Lockout::check(const std::string& app, const std::string& user, const std::string& rhost) {
  const std::int64_t now = deps_.clock->now_s();
  std::int64_t until = 0;
  if (!user.empty()) {
    auto u = deps_.store->get_lockout(user_key(app, user));
    if (!u) return fail(u.error());
    until = std::max(until, u->locked_until_s);
  }
  if (!rhost.empty()) {
    auto r = deps_.store->get_lockout(rhost_key(app, rhost));
    if (!r) return fail(r.error());
    until = std::max(until, r->locked_until_s);
  }
  if (until > now) return fail(locked_error(until - now));
  return {};
}

Error Lockout::locked_error(std::int64_t retry_after_s) {
  Error e = make_error(Errc::kLockedOut, "too many failed attempts; try again in " +
                                             std::to_string(retry_after_s) + " s");
  e.retry_after_s = retry_after_s;
  return e;
}

Result<LockoutStatus> Lockout::status(const std::string& app, const std::string& user) {
  auto u = deps_.store->get_lockout(user_key(app, user));
  if (!u) return fail(u.error());
  const std::int64_t now = deps_.clock->now_s();
  LockoutStatus s;
  s.locked = u->locked_until_s > now;
  s.retry_after_s = s.locked ? u->locked_until_s - now : 0;
  s.failures = u->failures;
  return s;
}

Result<AttemptClaim> Lockout::reserve(const std::string& app, const std::string& user,
                                      const std::string& rhost, const LockoutSettings& settings,
                                      const std::string& challenge_id) {
  AttemptReservation r;
  if (!user.empty()) r.lockout_keys.push_back(user_key(app, user));
  if (!rhost.empty()) r.lockout_keys.push_back(rhost_key(app, rhost));
  r.max_failures = settings.attempts;
  r.window_s = settings.window_s;
  r.lock_s = settings.window_s;
  r.challenge_id = challenge_id;
  r.now_s = deps_.clock->now_s();
  auto got = deps_.store->reserve_attempt(r);
  if (!got) return fail(got.error());
  switch (got->outcome) {
    case ReservationOutcome::kReserved: break;
    case ReservationOutcome::kLocked: return fail(locked_error(got->retry_after_s));
    case ReservationOutcome::kChallengeClosed:
      return fail(Errc::kConflict, "this challenge has no attempts left");
  }
  AttemptClaim claim;
  claim.release.max_failures = settings.attempts;
  claim.release.challenge_id = challenge_id;
  if (!user.empty()) claim.user_key = user_key(app, user);
  for (const LockoutState& s : got->lockouts) {
    claim.locked_until_s = std::max(claim.locked_until_s, s.locked_until_s);
  }
  claim.release.lockouts = std::move(got->lockouts);
  return claim;
}

LockoutStatus Lockout::failed(const AttemptClaim& claim) const {
  const std::int64_t now = deps_.clock->now_s();
  LockoutStatus s;
  s.locked = claim.locked_until_s > now;
  s.retry_after_s = s.locked ? claim.locked_until_s - now : 0;
  return s;
}

void Lockout::add_success(const AttemptClaim& claim, VerificationCommit& c) {
  c.clear_lockout_key = claim.user_key;
  c.release = claim.release;
  // The user's counter is deleted whole: giving its slot back first would be a wasted write.
  std::erase_if(c.release.lockouts, [&](const LockoutState& s) { return s.key == claim.user_key; });
}

Status Lockout::give_back(const AttemptClaim& claim) {
  AttemptRelease r = claim.release;
  r.challenge_id.clear();
  return deps_.store->release_attempt(r);
}

Status Lockout::clear_user(const std::string& app, const std::string& user) {
  return deps_.store->clear_lockout(user_key(app, user));
}

}  // namespace mfa::core
