#include "daemon/core/lockout.h"

#include <algorithm>

#include "daemon/core/clock.h"
#include "daemon/core/store.h"

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

Result<LockoutStatus> Lockout::record_failure(const std::string& app, const std::string& user,
                                              const std::string& rhost,
                                              const LockoutSettings& settings) {
  const std::int64_t now = deps_.clock->now_s();
  LockoutStatus s;
  std::int64_t until = 0;
  if (!user.empty()) {
    auto u = deps_.store->record_failure(user_key(app, user), now, settings.window_s,
                                         settings.attempts, settings.window_s);
    if (!u) return fail(u.error());
    until = u->locked_until_s;
    s.failures = u->failures;
  }
  if (!rhost.empty()) {
    auto r = deps_.store->record_failure(rhost_key(app, rhost), now, settings.window_s,
                                         settings.attempts, settings.window_s);
    if (!r) return fail(r.error());
    until = std::max(until, r->locked_until_s);
    if (user.empty()) s.failures = r->failures;
  }
  s.locked = until > now;
  s.retry_after_s = s.locked ? until - now : 0;
  return s;
}

Status Lockout::record_success(const std::string& app, const std::string& user,
                               const std::string& rhost) {
  // The address counter is not cleared: one attacker's own success must not wipe the
  // failures it caused against other accounts from the same address.
  (void)rhost;
  auto key = key_to_clear_on_success(app, user);
  if (!key) return fail(key.error());
  if (key->empty()) return {};
  return deps_.store->clear_lockout(*key);
}

Result<std::string> Lockout::key_to_clear_on_success(const std::string& app,
                                                     const std::string& user) {
  // Most successes follow no failure: read first (no fsync) and write only when needed.
  auto st = deps_.store->get_lockout(user_key(app, user));
  if (!st) return fail(st.error());
  if (st->failures == 0 && st->locked_until_s == 0) return std::string();
  return user_key(app, user);
}

Status Lockout::clear_user(const std::string& app, const std::string& user) {
  return deps_.store->clear_lockout(user_key(app, user));
}

}  // namespace mfa::core
