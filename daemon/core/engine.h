// Engine: the MFA services wired together over one set of dependencies. Owned by main.cc
// (and by tests); route handlers and the PAM conversation reach the services through it.
#pragma once

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/fido/local_key_service.h"
#include "daemon/core/passkeys/webauthn_service.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/challenge_service.h"
#include "daemon/core/services/code_delivery.h"
#include "daemon/core/services/code_verifier.h"
#include "daemon/core/services/factor_service.h"
#include "daemon/core/services/lockout.h"
#include "daemon/core/services/login_service.h"

namespace mfa::core {

class Engine {
 public:
  explicit Engine(EngineDeps deps)
      : deps_(std::move(deps)),
        audit(deps_),
        lockout(deps_),
        verifier(deps_, audit, lockout),
        delivery(deps_, audit),
        factors(deps_, audit, verifier, delivery),
        challenges(deps_, audit, verifier, delivery),
        logins(deps_, audit, lockout, challenges, factors) {}
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineDeps& deps() const { return deps_; }

 private:
  EngineDeps deps_;  // first: the services below keep references to it

 public:
  Auditor audit;
  Lockout lockout;
  CodeVerifier verifier;
  CodeDelivery delivery;  // SMS/email codes through deps().sender
  FactorService factors;
  ChallengeService challenges;
  LoginService logins;
  WebAuthnService webauthn{deps_, audit, lockout, verifier, challenges};
  LocalKeyService local_keys{deps_, audit, lockout, verifier, challenges};  // FIDO2 on this host
};

}  // namespace mfa::core
