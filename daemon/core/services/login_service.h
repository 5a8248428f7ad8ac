// LoginService: the policy decision for one login (DESIGN.md sections 3-4), shared by the
// HTTP logins route and the PAM conversation: allow / mfa_required (with a challenge) /
// enroll_required (with the grace deadline) / deny. `mfactl policy explain` is a dry run of
// the same code (issue 11: one place decides each question): it records each branch taken
// in a LoginTrace and writes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/login_origin.h"
#include "daemon/core/base/result.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/policy/policy.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/challenge_service.h"
#include "daemon/core/services/factor_service.h"
#include "daemon/core/services/lockout.h"
#include "daemon/core/services/login_name.h"
#include "daemon/core/store/store_enums.h"

namespace mfa::core {

enum class LoginDecision { kAllow, kMfaRequired, kEnrollRequired, kDeny };
std::string_view to_string(LoginDecision d);

struct LoginRequest {
  std::string app = kSystemApp;
  std::string user;
  std::string
      first_factor;  // password | webauthn | publickey | ... (informational but for webauthn)
  LoginOrigin origin;
  std::string user_agent;
  std::int64_t max_attempts = 5;  // for the challenge
};

struct FactorSummary {
  std::string id;
  FactorType type = FactorType::kTotp;
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
  // enroll_required past the grace period, and the policy lets a PAM login enrol the user
  // in band (enroll_at_login and TOTP allowed); otherwise such a PAM login is refused.
  bool enroll_at_login = false;
  bool new_rhost = false;
  Evaluation evaluation;
};

// What a dry run saw: one line per branch of login() in the order it took them, and what it
// would have written. Filled only by LoginService::explain.
struct LoginTrace {
  std::vector<std::string> groups;  // the user's groups the rules were matched against
  std::vector<std::string> steps;
  bool grace_starts_now = false;  // enroll_required and no stored deadline: this login sets it
  bool locked = false;            // the user or the address is locked out (login: kLockedOut)
  std::int64_t retry_after_s = 0;
};

class LoginService {
 public:
  LoginService(const EngineDeps& deps, Auditor& audit, Lockout& lockout,
               ChallengeService& challenges, FactorService& factors)
      : deps_(deps), audit_(audit), lockout_(lockout), challenges_(challenges), factors_(factors) {}

  // kLockedOut (retry_after) when the user or address is locked; kInvalidArgument on bad input.
  Result<LoginResult> login(const LoginRequest& req);
  // The same decision as login(req) would make now, without its writes: no challenge (the
  // result has no challenge_id), no grace deadline stored, nothing audited, no attempt
  // reserved. A lockout is not an error here: trace.locked, and the result is kDeny with
  // reason "locked_out".
  Result<LoginResult> explain(const LoginRequest& req, LoginTrace& trace);

  // The PAM path (login_service_pam.cc). The account a PAM login name stands for
  // (login_name.h) under the policy's pam.user_aliases. `only_uid`: set for a non-admin
  // caller, who may only name its own account: kPermissionDenied for any other name, and
  // when the directory cannot tell, before anything is audited. A refused alias fails the
  // login here, so it is audited here, on the account (user.mfa_failed, reason user_alias).
  // kUnavailable when the directory cannot answer (an admin caller).
  Result<LoginName> resolve_pam_user(const std::string& name, std::optional<uid_t> only_uid,
                                     const AuditContext& ctx);
  // In-band enrolment at a login (policy enroll_at_login): activates the user's pending TOTP
  // factor with its first code (FactorService::activate), and that code is also the login's
  // second factor, so the login's success is audited here (user.mfa_succeeded, purpose
  // enroll_at_login) after the factor's own mfa.factor_enrolled.
  Result<Activation> activate_at_login(const std::string& app, const std::string& user,
                                       const std::string& factor_id, std::string_view code,
                                       const AuditContext& ctx);

 private:
  // trace == nullptr: the real login; otherwise the dry run.
  Result<LoginResult> decide(const LoginRequest& req, LoginTrace* trace);
  Result<LoginResult> no_factor(const LoginRequest& req, LoginResult r, std::int64_t now,
                                LoginTrace* trace);

  const EngineDeps& deps_;
  Auditor& audit_;
  Lockout& lockout_;
  ChallengeService& challenges_;
  FactorService& factors_;
};

}  // namespace mfa::core
