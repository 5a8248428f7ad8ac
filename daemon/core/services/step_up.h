// Step-up for protected changes (enrolling another factor, removing one, regenerating backup
// codes): a non-admin requester proves possession of an existing factor with a fresh code,
// checked by CodeVerifier (lockout, replay guard, audit) like any other code.
#pragma once

#include <string>
#include <string_view>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/code_verifier.h"

namespace mfa::core {

// Who is asking, for the protected operations.
struct Requester {
  bool admin = false;
  std::string_view step_up_code;  // a fresh code from an existing factor (non-admins)
  std::string
      remote_addr;  // the end user's address (policy rhost: rules), empty for a local caller
  AuditContext audit;
};

struct StepUp {
  const char* purpose = "enroll";  // recorded in the audit detail
  std::string exclude_factor_id;   // "another factor": the one being removed
  bool allow_backup = true;        // a backup code counts as a fresh code
  // Nothing to step up from: a user without any active factor passes (first enrolment).
  bool pass_without_active_factor = false;
};

// Enrolling another key or passkey: any active factor or a backup code; the first factor of a
// user who has none needs no step-up.
inline const StepUp kEnrollStepUp{"enroll", "", true, true};

// kPermissionDenied without a code; CodeVerifier's errors for a wrong one. Admins pass.
Status require_step_up(const EngineDeps& deps, CodeVerifier& verifier, const std::string& app,
                       const std::string& user, const Requester& who, const StepUp& spec);

}  // namespace mfa::core
