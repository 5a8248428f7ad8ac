// WebAuthnService: passkeys and security keys as a factor of the engine (issue 7). It owns the
// server side of both ceremonies — options with a single-use challenge kept in the challenge
// store, verification through webauthn_rp.h, the credential in the factor's params — and the
// one-time self-service enrolment links. The policy's factor list gates "webauthn" like any
// other factor; the relying party (rp_id, origins, UV, sign-count policy) is mfad.yaml's
// `webauthn:` section (webauthn_config.h).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"
#include "daemon/core/otp/factor_params.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/challenge_service.h"
#include "daemon/core/services/factor_service.h"
#include "daemon/core/services/lockout.h"
#include "daemon/core/webauthn/webauthn_rp.h"

namespace mfa::core {

namespace audit_event {
inline constexpr const char* kSignCountRegression = "mfa.sign_count_regression";
}  // namespace audit_event

inline constexpr std::size_t kWebAuthnChallengeBytes = 32;      // >= 16 (WebAuthn 13.4.3)
inline constexpr std::size_t kMaxWebAuthnFieldLen = 16 * 1024;  // base64url fields of a response

struct WebAuthnRegistration {
  std::string factor_id;
  std::string label;
  nlohmann::json options;  // PublicKeyCredentialCreationOptions, binary fields base64url
  std::int64_t expires_at_s = 0;
};

// A usernameless (discoverable credential) passkey login: WebAuthn 7.2 with an empty
// allowCredentials; the browser offers the passkeys it holds for the rp id.
struct PasskeyLogin {
  std::string id;          // "pl_..."
  nlohmann::json options;  // PublicKeyCredentialRequestOptions
  std::int64_t expires_at_s = 0;
};

struct PasskeyLoginVerified {
  std::string user;  // identified by the credential and its userHandle
  std::string factor_id;
};

struct EnrollLink {
  std::string token;  // secret; shown once (in the URL), only its hash is stored
  std::string path;   // "/enroll/<token>"
  std::int64_t expires_at_s = 0;
};

struct EnrollLinkTarget {
  std::string link_id;  // the challenge id backing the link
  std::string app;
  std::string user;
  std::int64_t expires_at_s = 0;
};

struct AssertionEnvelope;

class WebAuthnService {
 public:
  WebAuthnService(const EngineDeps& deps, Auditor& audit, Lockout& lockout, CodeVerifier& verifier,
                  ChallengeService& challenges)
      : deps_(deps),
        audit_(audit),
        lockout_(lockout),
        verifier_(verifier),
        challenges_(challenges) {}

  bool enabled() const;

  // A pending webauthn factor and its creation options (excludeCredentials: the user's
  // existing passkeys). Adding a factor next to an active one needs a step-up (who).
  Result<WebAuthnRegistration> begin_registration(const std::string& app, const std::string& user,
                                                  const std::string& label, const Requester& who);
  // `credential`: the PublicKeyCredential JSON {id, rawId, type, response: {clientDataJSON,
  // attestationObject, transports}}. Consumes the enrolment challenge (success or not).
  Result<Activation> finish_registration(const std::string& app, const std::string& user,
                                         const std::string& factor_id,
                                         const nlohmann::json& credential, const AuditContext& ctx);

  // PublicKeyCredentialRequestOptions for a pending login/step-up challenge of a user with
  // active webauthn factors allowed by the policy (kConflict otherwise).
  Result<nlohmann::json> request_options(const std::string& app, const std::string& challenge_id);
  // Verifies an assertion {id, rawId, type, response: {clientDataJSON, authenticatorData,
  // signature, userHandle}} against the challenge; approves it on success.
  Result<ChallengeVerified> verify_assertion(const std::string& app,
                                             const std::string& challenge_id,
                                             const nlohmann::json& assertion,
                                             const AuditContext& ctx);

  // Usernameless logins: options with a single-use challenge bound to the app only; the
  // assertion identifies the user (credential id, then userHandle, 7.2 step 6). Consumes the
  // challenge (success or not). The caller then applies the login policy for that user.
  Result<PasskeyLogin> begin_passkey_login(const std::string& app);
  Result<PasskeyLoginVerified> finish_passkey_login(const std::string& app, const std::string& id,
                                                    const nlohmann::json& assertion,
                                                    const AuditContext& ctx);

  // One-time self-service enrolment links (GET /enroll/{token}).
  Result<EnrollLink> issue_link(const std::string& app, const std::string& user,
                                const Requester& who);
  Result<EnrollLinkTarget> resolve_link(const std::string& token);
  Status consume_link(const EnrollLinkTarget& link, const std::string& factor_id);

 private:
  // 7.2 steps 7-21 for an assertion whose credential is the stored factor `f`: the signature
  // with its public key, the challenge, origin, rpIdHash, UP/UV, and the sign count (a
  // regression is audited, and refused when configured).
  // `cred`: f's params (factor_params.h).
  Result<webauthn::AssertionOutcome> check_stored(const FactorRecord& f,
                                                  const CredentialParams& cred,
                                                  const AssertionEnvelope& env,
                                                  const std::vector<std::uint8_t>& expected,
                                                  const AuditContext& ctx);
  Result<std::vector<std::string>> backup_codes_if_first(const std::string& app,
                                                         const std::string& user,
                                                         std::size_t active_before);
  Result<VerifiedFactor> check_assertion(const ChallengeRecord& c, const Evaluation& ev,
                                         const nlohmann::json& assertion, const AuditContext& ctx);

  const EngineDeps& deps_;
  Auditor& audit_;
  Lockout& lockout_;
  CodeVerifier& verifier_;
  ChallengeService& challenges_;
};

}  // namespace mfa::core
