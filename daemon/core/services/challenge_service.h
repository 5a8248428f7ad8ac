// ChallengeService: the life of a challenge (DESIGN.md section 6): created pending, then
// approved, denied, expired, cancelled or failed, with a timeline of events in the store.
// Verification goes through CodeVerifier (lockout, replay, audit) with the policy in force.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/login_origin.h"
#include "daemon/core/base/result.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/code_delivery.h"
#include "daemon/core/services/code_verifier.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

// WebAuthn (RFC-less, W3C) recommends 5 minutes for challenges; OTP prompts use the same.
inline constexpr std::int64_t kChallengeTtlS = 300;

struct NewChallenge {
  std::string app;
  std::string user;
  ChallengePurpose purpose = ChallengePurpose::kLogin;
  ChallengeMethod method = ChallengeMethod::kAny;
  // The login's policy inputs: verification evaluates the policy for the same login (a `tty:`
  // rule that chose the factors at login still holds when the code is checked).
  LoginOrigin origin;
  std::int64_t max_attempts = 5;
  std::int64_t ttl_s = kChallengeTtlS;
};

struct ChallengeVerified {
  ChallengeRecord challenge;
  VerifiedFactor factor;
};

class ChallengeService {
 public:
  ChallengeService(const EngineDeps& deps, Auditor& audit, CodeVerifier& verifier,
                   CodeDelivery& delivery)
      : deps_(deps), audit_(audit), verifier_(verifier), delivery_(delivery) {}

  Result<ChallengeRecord> create(const NewChallenge& spec);
  // kNotFound unless the challenge belongs to `app`. A pending challenge past its expiry is
  // moved to `expired` on read.
  Result<ChallengeRecord> get(const std::string& app, const std::string& id);
  Result<std::vector<ChallengeRecord>> list(const ChallengeFilter& filter);
  // `only_factor_id`: restrict TOTP to the factor the user picked (fewer candidate codes).
  Result<ChallengeVerified> verify(const std::string& app, const std::string& id,
                                   std::string_view code, const AuditContext& ctx,
                                   const std::string& only_factor_id = {});
  // For a factor verified outside CodeVerifier (WebAuthn, challenge_service_external.cc): runs
  // `check` on the pending challenge with the policy in force, then does verify()'s
  // bookkeeping (failed attempts on the timeline, failed after max_attempts, approved once,
  // remember, seen address). `check` must take its attempt with Lockout::reserve(..., c.id)
  // before it checks anything secret: that is what counts the challenge's attempts.
  using FactorCheck =
      std::function<Result<VerifiedFactor>(const ChallengeRecord&, const Evaluation&)>;
  Result<ChallengeVerified> verify_external(const std::string& app, const std::string& id,
                                            const FactorCheck& check);
  Status cancel(const std::string& app, const std::string& id, const AuditContext& ctx);
  Status deny(const std::string& app, const std::string& id, const AuditContext& ctx);
  // Sends a code to one of the user's active sms/email factors (allowed by the policy and by
  // the challenge's method) and binds the challenge to it; verify then accepts that code.
  // Errors: kNotFound (factor), kInvalidArgument (not a delivery factor), kPermissionDenied
  // (policy), kRateLimited, kUnavailable ("Could not send the code: ...").
  Result<DeliveryReceipt> send_code(const std::string& app, const std::string& id,
                                    const std::string& factor_id, const AuditContext& ctx);
  // A new code to the same factor; the previous code stops working. kConflict when the
  // challenge has no delivered code (TOTP codes come from the user's app).
  Result<DeliveryReceipt> resend(const std::string& app, const std::string& id,
                                 const AuditContext& ctx);

 private:
  Result<ChallengeRecord> pending(const std::string& app, const std::string& id);
  Status after_success(const ChallengeRecord& c);

  const EngineDeps& deps_;
  Auditor& audit_;
  CodeVerifier& verifier_;
  CodeDelivery& delivery_;
};

}  // namespace mfa::core
