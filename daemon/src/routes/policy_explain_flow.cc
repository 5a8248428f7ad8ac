#include "daemon/src/routes/policy_explain_flow.h"

#include "daemon/core/base/clock.h"
#include "daemon/core/base/duration.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/engine.h"
#include "daemon/core/policy/policy_explain.h"
#include "daemon/core/policy/policy_holder.h"
#include "daemon/src/routes/engine_json.h"

namespace mfa::daemon {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

// The sentence for the decision the login made; the decision itself is LoginService's.
std::string outcome_of(const core::LoginResult& r, const core::LoginTrace& t) {
  using core::LoginDecision;
  switch (r.decision) {
    case LoginDecision::kAllow:
      if (r.reason == "mode_off") {
        return "MFA does not apply (mode off): PAM_IGNORE, the other modules decide";
      }
      if (r.reason == "strong_first_factor") {
        return "the first factor is strong enough: PAM_IGNORE (allowed without a second factor)";
      }
      if (r.reason == "remembered") {
        return "inside the remember window: PAM_IGNORE (allowed without a second factor)";
      }
      return "optional and no usable factor: PAM_IGNORE (allowed without MFA)";
    case LoginDecision::kDeny:
      if (t.locked) {
        return "locked out for " + std::to_string(t.retry_after_s) + " s more: denied";
      }
      return "the account is disabled: denied";
    case LoginDecision::kEnrollRequired:
      if (r.can_defer) {
        return "inside the grace period: allowed, with a reminder to run `mfactl enroll totp`";
      }
      if (r.enroll_at_login) {
        return "grace period over: a PAM login enrols (QR code, first code, backup codes), then "
               "allowed; an API login gets enroll_required";
      }
      return "grace period over and enrolment at login is off: denied until enrolled";
    case LoginDecision::kMfaRequired: break;
  }
  return "asked for a second factor (" + std::to_string(r.factors.size()) + " factor(s)" +
         (r.backup_codes_remaining > 0
              ? " and " + std::to_string(r.backup_codes_remaining) + " backup code(s)"
              : std::string()) +
         ")";
}

}  // namespace

Result<nlohmann::json> explain_login_flow(Services& s, const core::LoginRequest& req) {
  core::LoginTrace trace;
  auto r = s.engine->logins.explain(req, trace);
  if (!r) return fail(r.error());
  const core::Evaluation& ev = r->evaluation;
  const core::PolicySettings& st = ev.settings;

  std::vector<std::string> steps;
  steps.push_back(
      "policy " + s.policy->current()->source + "; login of '" + req.user + "' to " +
      (req.origin.service.empty() ? std::string("(any service)") : "'" + req.origin.service + "'") +
      (req.origin.remote_addr.empty() ? "" : " from " + req.origin.remote_addr) +
      (req.origin.tty.empty() ? "" : " on " + req.origin.tty) +
      (req.first_factor.empty() ? "" : " after " + req.first_factor) +
      (req.app == core::kSystemApp ? "" : " in app " + req.app));
  if (req.app == core::kSystemApp) steps.push_back("groups: " + join(trace.groups));
  for (const auto& line : ev.trace) steps.push_back(line);
  steps.push_back("matched: " + ev.matched);
  steps.push_back("mode: " + std::string(core::to_string(st.mode)) +
                  "; allowed factors: " + join(st.factors));
  for (const auto& line : trace.steps) steps.push_back(line);

  std::vector<std::string> offered;
  if (r->decision == core::LoginDecision::kMfaRequired) {
    for (const auto& f : r->factors)
      offered.push_back(std::string(core::to_string(f.type)) + " '" + f.label + "' (" + f.id + ")");
    if (r->backup_codes_remaining > 0) {
      offered.push_back("backup code (" + std::to_string(r->backup_codes_remaining) + " left)");
    }
    steps.push_back("offered: " + join(offered));
  }
  const std::string outcome = outcome_of(*r, trace);
  steps.push_back("outcome: " + outcome);

  nlohmann::json out{{"app", req.app},
                     {"user", req.user},
                     {"service", req.origin.service},
                     {"remote_addr", req.origin.remote_addr},
                     {"tty", req.origin.tty},
                     {"first_factor", req.first_factor},
                     {"matched_rule", ev.matched},
                     {"mode", std::string(core::to_string(st.mode))},
                     {"settings", core::settings_to_json(st)},
                     {"decision", std::string(core::to_string(r->decision))},
                     {"reason", r->reason},
                     {"factors_offered", offered},
                     {"would_enroll", r->enroll_at_login},
                     {"new_rhost", r->new_rhost},
                     {"locked", trace.locked},
                     {"outcome", outcome},
                     {"steps", steps}};
  if (r->grace_deadline_s) out["grace_deadline"] = iso8601(*r->grace_deadline_s);
  if (trace.locked) out["retry_after_s"] = trace.retry_after_s;
  return out;
}

}  // namespace mfa::daemon
