// CodeVerifier: checks one typed code against a user's active factors (TOTP, then backup
// codes), with lockout, replay protection and audit. Every path that accepts a code — login
// challenges, PAM conversations, step-up for sensitive changes — goes through here, so the
// rules are enforced once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/lockout.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

struct VerifyRequest {
  std::string app;
  std::string user;
  std::string_view code;
  std::vector<std::string> allowed;  // factor types the policy allows (totp, backup_code, ...)
  std::string exclude_factor_id;     // "another factor": the one being removed
  std::string only_factor_id;        // the factor picked at a PAM prompt (backup codes still count)
  std::string remote_addr;
  std::string purpose = "login";  // recorded in the audit detail
  LockoutSettings lockout;
  // A code delivered for this challenge (SMS, email): its stored hash (delivered_code.h), the
  // challenge it is bound to, and the factor it was sent to. Checked first when set.
  const std::vector<std::uint8_t>* delivered_hash = nullptr;
  std::string challenge_id;
  std::string delivered_factor_id;
  FactorType delivered_type = FactorType::kSms;
  // The challenge this code answers: one of its attempts is reserved with the lockout
  // counters before the compare (Lockout::reserve), and it is approved with the code.
  // Written in the same transaction as the accepted code (Store::commit_verification), so a
  // verification costs one fsync: approve this pending challenge (kConflict when it is no
  // longer pending: nothing is consumed then); with `remote_addr`, mark it seen and, when
  // remember_until_s > 0, remember it for remember_service.
  std::string approve_challenge_id;
  bool mark_rhost_seen = false;
  std::string remember_service;
  std::int64_t remember_until_s = 0;
};

struct VerifiedFactor {
  std::string factor_id;  // empty for a backup code
  std::string type;       // totp | sms | email | backup_code
};

class CodeVerifier {
 public:
  CodeVerifier(const EngineDeps& deps, Auditor& audit, Lockout& lockout)
      : deps_(deps), audit_(audit), lockout_(lockout) {}

  // kLockedOut (retry_after) before or because of this attempt; kBadCode; kReplayed (a code
  // accepted before: RFC 6238 section 5.2 "MUST NOT accept the second attempt"); kConflict
  // when approve_challenge_id has no attempts left or was completed concurrently.
  Result<VerifiedFactor> verify(const VerifyRequest& req, const AuditContext& ctx);

 private:
  enum class Match { kNone, kAccepted, kReplayed };
  struct TotpMatch {
    std::string factor_id;
    std::int64_t step = 0;
  };
  // The user's TOTP factors whose window holds this code (usually zero or one).
  Result<std::vector<TotpMatch>> totp_matches(const VerifyRequest& req, std::int64_t now);
  // Commits the accepted factor's writes with the audit record and the claim given back (one
  // transaction).
  Result<Match> commit(const VerifyRequest& req, const AuditContext& ctx, const AttemptClaim& claim,
                       VerificationCommit c, const VerifiedFactor& out);
  Result<Match> try_totp(const VerifyRequest& req, const AuditContext& ctx,
                         const AttemptClaim& claim, VerifiedFactor& out);
  Result<Match> try_backup(const VerifyRequest& req, const AuditContext& ctx,
                           const AttemptClaim& claim);
  Result<VerifiedFactor> on_failure(const VerifyRequest& req, const AuditContext& ctx,
                                    const AttemptClaim& claim, bool replayed);

  const EngineDeps& deps_;
  Auditor& audit_;
  Lockout& lockout_;
};

// `type`: a policy factor name (a factor type's string or `backup_code`).
bool factor_allowed(const std::vector<std::string>& allowed, std::string_view type);
inline bool factor_allowed(const std::vector<std::string>& allowed, FactorType type) {
  return factor_allowed(allowed, to_string(type));
}

}  // namespace mfa::core
