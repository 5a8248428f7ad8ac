// What follows a security-key or passkey assertion (WebAuthn over the API, usernameless
// passkey logins, local FIDO2 keys at PAM): the same audit records, lockout counting and
// sign-count update for all three, the way CodeVerifier does it for typed codes.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"
#include "daemon/core/policy/policy.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/lockout.h"

namespace mfa::core {

struct AssertionSubject {
  std::string app;
  std::string user;
  std::string remote_addr;
  std::string purpose;      // audit detail: login, step_up, passkey_login, ...
  std::string factor_type;  // webauthn | fido2 (the audit's reason / factor)
  LockoutSettings lockout;
};

// A refused assertion whose attempt `claim` reserved (Lockout::reserve, before the check):
// audits mfa.failed; when `counts` (it says something about the person at the key) the claim
// is the lockout failure and, when it took the last attempt, the lock is audited and
// kLockedOut with the wait returned; otherwise the claim is given back. Returns the error to
// give the caller (storage errors pass as is).
Error record_assertion_failure(Auditor& audit, Lockout& lockout, const AssertionSubject& s,
                               const AuditContext& ctx, const Error& err, const AttemptClaim& claim,
                               bool counts);

// A verified assertion (WebAuthn 7.2 step 22: the counter is stored only after every check
// passed): stores the sign count, forgets the user's failures and gives the claim back, and
// audits mfa.succeeded, in one transaction (Store::commit_verification).
Status record_assertion_success(const EngineDeps& deps, Auditor& audit, const AssertionSubject& s,
                                const AuditContext& ctx, const AttemptClaim& claim,
                                const std::string& factor_id, std::int64_t sign_count, bool uv);

}  // namespace mfa::core
