// Lockout: failures counted per user and per remote address in the store, so they survive
// restarts and are shared by every host on a shared store (RFC 4226 section 7.3: "The delay or
// lockout schemes MUST be across login sessions"; NIST SP 800-63B 5.2.2: at most 100).
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/engine_deps.h"
#include "daemon/core/policy.h"
#include "daemon/core/result.h"

namespace mfa::core {

struct LockoutStatus {
  bool locked = false;
  std::int64_t retry_after_s = 0;
  std::int64_t failures = 0;  // failures of the user (or, without one, the address) in the window
};

class Lockout {
 public:
  explicit Lockout(const EngineDeps& deps) : deps_(deps) {}

  static std::string user_key(const std::string& app, const std::string& user);
  static std::string rhost_key(const std::string& app, const std::string& rhost);
  // kLockedOut with "try again in N s" and retry_after_s (HTTP 429 + Retry-After).
  static Error locked_error(std::int64_t retry_after_s);

  // kLockedOut (with retry_after_s) when the user or the remote address is locked. An empty
  // user checks (and record_failure counts) the address alone: a usernameless passkey login
  // presenting a credential nobody holds has no account to blame.
  Status check(const std::string& app, const std::string& user, const std::string& rhost);
  Result<LockoutStatus> status(const std::string& app, const std::string& user);
  // Records one failure for the user and the address; returns the resulting status (locked
  // when this failure reached the limit).
  Result<LockoutStatus> record_failure(const std::string& app, const std::string& user,
                                       const std::string& rhost, const LockoutSettings& settings);
  // NIST SP 800-63B 5.2.2: after a success, disregard the user's previous failures.
  Status record_success(const std::string& app, const std::string& user, const std::string& rhost);
  // The key record_success would clear, or "" when the user has no failures to forget (so
  // that a success commits no extra write); for commit_verification.
  Result<std::string> key_to_clear_on_success(const std::string& app, const std::string& user);
  Status clear_user(const std::string& app, const std::string& user);

 private:
  const EngineDeps& deps_;
};

}  // namespace mfa::core
