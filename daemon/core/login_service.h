// LoginService: the policy decision for one login (DESIGN.md sections 3-4), shared by the
// HTTP logins route and the PAM conversation: allow / mfa_required (with a challenge) /
// enroll_required (with the grace deadline) / deny.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/audit.h"
#include "daemon/core/challenge_service.h"
#include "daemon/core/engine_deps.h"
#include "daemon/core/lockout.h"
#include "daemon/core/policy.h"
#include "daemon/core/result.h"

namespace mfa::core {

enum class LoginDecision { kAllow, kMfaRequired, kEnrollRequired, kDeny };
std::string_view to_string(LoginDecision d);

struct LoginRequest {
  std::string app = "system";
  std::string user;
  std::string
      first_factor;  // password | webauthn | publickey | ... (informational but for webauthn)
  std::string remote_addr;
  std::string user_agent;
  std::string service;
  std::string tty;
  std::int64_t max_attempts = 5;  // for the challenge
};

struct FactorSummary {
  std::string id;
  std::string type;
  std::string label;
  std::int64_t last_used_at_s = 0;
  std::string hint;  // sms/email: the obfuscated destination ("••• 4567" style), else empty
  std::string destination_short;  // sms: "••• 4567" (PAM picker); email: same as hint
};

struct LoginResult {
  LoginDecision decision = LoginDecision::kDeny;
  std::string reason;  // mode_off, optional_no_factor, remembered, strong_first_factor,
                       // grace_period, enrollment_required, mfa_required, user_disabled
  std::string challenge_id;
  std::int64_t challenge_expires_at_s = 0;
  std::vector<FactorSummary> factors;  // usable factors, most recently used first
  std::size_t backup_codes_remaining = 0;
  std::vector<std::string> allowed_factors;
  std::optional<std::int64_t> grace_deadline_s;
  bool can_defer = false;  // enroll_required inside the grace period
  bool new_rhost = false;
  Evaluation evaluation;
};

class LoginService {
 public:
  LoginService(const EngineDeps& deps, Lockout& lockout, ChallengeService& challenges)
      : deps_(deps), lockout_(lockout), challenges_(challenges) {}

  // kLockedOut (retry_after) when the user or address is locked; kInvalidArgument on bad input.
  Result<LoginResult> login(const LoginRequest& req);

 private:
  Result<LoginResult> no_factor(const LoginRequest& req, LoginResult r, std::int64_t now);

  const EngineDeps& deps_;
  Lockout& lockout_;
  ChallengeService& challenges_;
};

}  // namespace mfa::core
