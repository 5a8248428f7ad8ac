// LocalKeyService: FIDO2 security keys plugged into this host, as factor type "fido2", for
// console and sudo logins (issue 7 "local keys"; DESIGN.md section 3). The daemon is the
// FIDO client here (the fprintd model): it runs authenticatorMakeCredential at enrolment and
// authenticatorGetAssertion at login on the key through fido::FidoDevices, and verifies the
// answers itself (local_key_checks.h, the WebAuthn/COSE code). The credential is stored like a
// passkey's (credential_id, COSE public_key, alg, sign count) plus the rp id it was made for.
// The policy's `webauthn` factor name covers local keys too (code_verifier.h factor_allowed).
#pragma once

#include <mutex>
#include <string>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/challenge_service.h"
#include "daemon/core/services/code_verifier.h"
#include "daemon/core/services/factor_service.h"
#include "daemon/core/services/lockout.h"

namespace mfa::core {

class LocalKeyService {
 public:
  LocalKeyService(const EngineDeps& deps, Auditor& audit, Lockout& lockout, CodeVerifier& verifier,
                  ChallengeService& challenges)
      : deps_(deps),
        audit_(audit),
        lockout_(lockout),
        verifier_(verifier),
        challenges_(challenges) {}

  bool enabled() const;
  bool uv_required() const;  // fido2.user_verification: required -> the PIN is asked for
  std::int64_t timeout_ms() const;

  // Registers the key plugged into this host (fido2.device) for `user`: make_credential with
  // a touch (and the PIN when given, required when UV is), checked, stored active. Adding a
  // factor next to an active one needs a step-up (who). The first factor brings backup codes.
  Result<Activation> enroll(const std::string& app, const std::string& user,
                            const std::string& label, const SecretBuffer* pin,
                            const Requester& who);

  // Runs get_assertion on the local key for a pending login/step-up challenge and approves it
  // when the assertion verifies. Device errors keep fido_device.h's codes (kUnavailable: no
  // key; kPermissionDenied: no touch; kUnauthenticated: wrong PIN ...); each failure is one attempt
  // on the challenge, audited; wrong PINs and bad assertions also count toward the lockout.
  Result<ChallengeVerified> verify(const std::string& app, const std::string& challenge_id,
                                   const SecretBuffer* pin, const AuditContext& ctx);

 private:
  Result<VerifiedFactor> check(const ChallengeRecord& c, const Evaluation& ev,
                               const SecretBuffer* pin, const AuditContext& ctx);

  const EngineDeps& deps_;
  Auditor& audit_;
  Lockout& lockout_;
  CodeVerifier& verifier_;
  ChallengeService& challenges_;
  // One operation on the key at a time: a second login waiting for the same key would only
  // steal the touch. Others get kUnavailable ("in use") at once instead of blocking a thread.
  std::mutex device_mu_;
};

}  // namespace mfa::core
