// The MFA policy model (policy.yaml, DESIGN.md section 4; schema in docs/policy.md) and the
// pure functions over it: evaluate() (policy_eval.cc) and parse_policy() (policy_yaml.cc,
// the one yaml-cpp adapter). No I/O besides load_policy_file(), no logging.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/login_origin.h"
#include "daemon/core/base/result.h"
#include "daemon/core/base/system_app.h"

namespace mfa::core {

enum class Mode { kOff, kOptional, kRequired };
std::string_view to_string(Mode mode);  // "off" / "optional" / "required"
mfa::Result<Mode> parse_mode(std::string_view text);

// pam.user_aliases: what a PAM login name gets when it is not its account's own name (an
// alias line with the same uid, another case of the name in a case-insensitive directory;
// issue 10 finding 3, docs/policy.md). kRefuse: the login is refused (the default: a second
// name for an account is unusual, and rules and other PAM modules see the name typed).
// kCanonical: the login is the account's, with its factors, policy, lockout and grace.
enum class UserAliases { kRefuse, kCanonical };
std::string_view to_string(UserAliases aliases);  // "refuse" / "canonical"

// Factor names a policy may list, in the default order of preference.
inline constexpr const char* kFactorNames[] = {"webauthn", "totp", "sms", "email", "backup_code"};
bool is_known_factor(std::string_view name);

struct LockoutSettings {
  std::int64_t attempts = 5;    // NIST 800-63B 5.2.2: at most 100; parser enforces 1..100
  std::int64_t window_s = 900;  // failures counted in this window; a lock lasts this long
};

// The effective knobs for one login; defaults, then apps.<name>, then the first matching rule
// override some of them.
struct PolicySettings {
  Mode mode = Mode::kOptional;
  std::vector<std::string> factors{"webauthn", "totp", "sms", "backup_code"};  // email opt-in
  std::int64_t grace_period_s = 7 * 86400;
  std::int64_t remember_s = 0;
  bool webauthn_skips_mfa = true;
  bool enroll_at_login = true;  // in-band enrolment during a PAM login after the grace period
  LockoutSettings lockout;
};

// Every listed condition must hold; a list matches when (it has no positive entry or one
// positive entry matches) and no negated entry ('!x') matches. Hence "group: '!wheel'" = not
// in wheel, and "user: ['*', '!root']" = anyone but root. users/services/ttys/apps take '*'
// and '?' globs; rhosts are CIDRs or exact addresses (IPv4-mapped IPv6 counts as IPv4).
struct RuleMatch {
  std::vector<std::string> services, users, groups, rhosts, ttys;
  // Apps the rule applies to. Empty = only app "system" (PAM logins): rules are about Unix
  // services, groups and ttys, which other apps do not have.
  std::vector<std::string> apps;
};

// Optional overrides shared by rules and apps.<name>.
struct SettingsOverride {
  std::optional<Mode> mode;
  std::optional<std::vector<std::string>> factors;
  std::optional<std::int64_t> grace_period_s, remember_s;
  std::optional<bool> enroll_at_login;
  std::optional<bool> webauthn_skips_mfa;
};

struct Rule : SettingsOverride {
  RuleMatch match;
  std::string name;  // optional `name:` key, for explain output
  int line = 0;      // 1-based line of the rule in the source file
};

struct AppPolicy : SettingsOverride {
  std::optional<LockoutSettings> lockout;
  std::string email_auth_type = "otp";  // how email is used for this app: "otp" (the only one)
  int line = 0;
};

struct Policy {
  PolicySettings defaults;
  std::vector<Rule> rules;
  bool step_up_new_rhost = false;  // step_up.new_rhost: demand MFA from a new address
  UserAliases pam_user_aliases = UserAliases::kRefuse;  // pam.user_aliases
  std::map<std::string, AppPolicy> apps;
  std::string source;  // file name, for messages
};

struct LoginContext {
  std::string app = kSystemApp;
  std::string user;
  LoginOrigin origin;  // rules' service:, rhost: (origin.remote_addr) and tty:
  std::vector<std::string> groups;
};

struct Evaluation {
  PolicySettings settings;
  // "rules[1] (policy.yaml:14)", "apps.billing-web", or "defaults" — the last layer applied.
  std::string matched;
  // One line per layer/rule considered: which condition failed, or that it matched.
  std::vector<std::string> trace;
  bool step_up_new_rhost = false;  // copied from the policy for the caller's convenience
  std::string email_auth_type = "otp";
};

// Effective settings = defaults, overlaid by apps.<ctx.app> when present (any app, "system"
// included), overlaid by the first rule that applies to ctx.app and matches (first match
// wins). Pure and thread-safe.
Evaluation evaluate(const Policy& policy, const LoginContext& ctx);

// Does one rule's match block hold for ctx? On failure `why` (if given) names the condition.
bool rule_matches(const RuleMatch& match, const LoginContext& ctx, std::string* why = nullptr);

// policy_yaml.cc. Errors are kPolicyInvalid and name the line and key path:
//   "policy.yaml:7: rules[0].mode: expected off, optional or required, got 'requird'"
// Unknown keys are errors; size <= limits::kMaxPolicyFileBytes; <= limits::kMaxPolicyRules
// rules; factor names, durations, CIDRs and lockout.attempts (1..100) are validated.
mfa::Result<Policy> parse_policy(std::string_view yaml_text, std::string_view source_name);
// Reads the file (regular file, size-limited) and parses it with the path as source name.
mfa::Result<Policy> load_policy_file(const std::string& path);

}  // namespace mfa::core
