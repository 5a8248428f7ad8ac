// Lockout: failures counted per user and per remote address in the store, so they survive
// restarts and are shared by every host on a shared store (RFC 4226 section 7.3: "The delay or
// lockout schemes MUST be across login sessions"; NIST SP 800-63B 5.2.2: at most 100).
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"
#include "daemon/core/policy/policy.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

struct LockoutStatus {
  bool locked = false;
  std::int64_t retry_after_s = 0;
  std::int64_t failures = 0;  // failures of the user (or, without one, the address) in the window
};

// An attempt reserved before its secret is compared (Store::reserve_attempt): a failed compare
// keeps it as the failure record, an accepted one gives it back with the success (add_success).
struct AttemptClaim {
  std::string user_key;    // the user's counter, forgotten on success; empty without a user
  AttemptRelease release;  // every counter's slot and the challenge's attempt
  std::int64_t locked_until_s = 0;  // > now: this attempt took the last one; as a failure it locks
};

class Lockout {
 public:
  explicit Lockout(const EngineDeps& deps) : deps_(deps) {}

  static std::string user_key(const std::string& app, const std::string& user);
  static std::string rhost_key(const std::string& app, const std::string& rhost);
  // kLockedOut with "try again in N s" and retry_after_s (HTTP 429 + Retry-After).
  static Error locked_error(std::int64_t retry_after_s);

  // kLockedOut (with retry_after_s) when the user or the remote address is locked: a gate
  // before a login starts. It does not bound guesses; only reserve() does.
  Status check(const std::string& app, const std::string& user, const std::string& rhost);
  Result<LockoutStatus> status(const std::string& app, const std::string& user);
  // Every path that compares a secret calls this first and compares only with a claim: one
  // failure's worth of the user's and the address's budget (and one of `challenge_id`'s
  // attempts) taken atomically, so no more than lockout.attempts guesses are compared per
  // window however many arrive at once. kLockedOut (retry_after_s) when a counter is at its
  // limit; kConflict when the challenge has no attempts left. An empty user counts the
  // address alone: a usernameless passkey login with a credential nobody holds has no account
  // to blame.
  Result<AttemptClaim> reserve(const std::string& app, const std::string& user,
                               const std::string& rhost, const LockoutSettings& settings,
                               const std::string& challenge_id = {});
  // The status after a claimed attempt failed (its claim is the failure record): locked when
  // it took the last attempt.
  LockoutStatus failed(const AttemptClaim& claim) const;
  // Adds the success's lockout writes to its commit: NIST SP 800-63B 5.2.2, after a success
  // disregard the user's previous failures; the address only gets its slot back (one
  // attacker's own success must not wipe the failures it caused against other accounts).
  static void add_success(const AttemptClaim& claim, VerificationCommit& c);
  // A claimed attempt that says nothing about the person (the key was busy): its lockout
  // slots are given back; the challenge's attempt stays used.
  Status give_back(const AttemptClaim& claim);
  Status clear_user(const std::string& app, const std::string& user);

 private:
  const EngineDeps& deps_;
};

}  // namespace mfa::core
