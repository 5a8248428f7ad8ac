#include "daemon/src/policy_explain_flow.h"

#include "daemon/core/clock.h"
#include "daemon/core/code_verifier.h"
#include "daemon/core/engine.h"
#include "daemon/core/policy_context.h"
#include "daemon/core/policy_explain.h"
#include "daemon/core/policy_holder.h"
#include "daemon/core/store.h"
#include "daemon/src/engine_json.h"

namespace mfa::daemon {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

std::string duration(std::int64_t s) {
  if (s % 86400 == 0 && s > 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0 && s > 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0 && s > 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace

Result<nlohmann::json> explain_login_flow(Services& s, const std::string& app,
                                          const std::string& user, const std::string& service,
                                          const std::string& rhost) {
  const core::EngineDeps& deps = s.engine->deps();
  const auto ctx = core::make_login_context(deps, app, user, service, rhost);
  const core::Evaluation ev = core::evaluate_for(deps, ctx);
  const core::PolicySettings& st = ev.settings;
  const std::int64_t now = deps.clock->now_s();
  std::vector<std::string> steps;
  steps.push_back("policy " + s.policy->current()->source + "; login of '" + user + "' to " +
                  (service.empty() ? std::string("(any service)") : "'" + service + "'") +
                  (rhost.empty() ? "" : " from " + rhost) +
                  (app == "system" ? "" : " in app " + app));
  if (app == "system") steps.push_back("groups: " + join(ctx.groups));
  for (const auto& line : ev.trace) steps.push_back(line);
  steps.push_back("matched: " + ev.matched);
  steps.push_back("mode: " + std::string(core::to_string(st.mode)) +
                  "; allowed factors: " + join(st.factors));

  std::string outcome;
  std::vector<std::string> offered;
  bool would_enroll = false;
  auto factors = deps.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  for (const auto& f : *factors) {
    if (f.status == "active" && core::factor_allowed(st.factors, f.type)) {
      offered.push_back(f.type + " '" + f.label + "' (" + f.id + ")");
    }
  }
  auto backups = deps.store->unused_backup_codes(app, user);
  if (!backups) return fail(backups.error());
  if (!offered.empty() && core::factor_allowed(st.factors, "backup_code") && !backups->empty()) {
    offered.push_back("backup code (" + std::to_string(backups->size()) + " left)");
  }
  auto lock = s.engine->lockout.status(app, user);
  if (!lock) return fail(lock.error());

  if (st.mode == core::Mode::kOff) {
    outcome = "MFA does not apply (mode off): PAM_IGNORE, the other modules decide";
  } else if (lock->locked) {
    outcome = "locked out for " + std::to_string(lock->retry_after_s) + " s more: denied";
  } else if (offered.empty()) {
    steps.push_back("user has no usable factor");
    if (st.mode == core::Mode::kOptional) {
      outcome = "optional and not enrolled: PAM_IGNORE (allowed without MFA)";
    } else {
      auto u = deps.store->get_user(app, user);
      if (!u) return fail(u.error());
      std::optional<std::int64_t> deadline;
      if (u->has_value()) deadline = (*u)->grace_deadline_s;
      if (!deadline) {
        steps.push_back("grace period not started: it starts at this login and lasts " +
                        duration(st.grace_period_s));
        deadline = now + st.grace_period_s;
      } else {
        steps.push_back("grace period ends " + iso8601(*deadline));
      }
      if (now < *deadline) {
        outcome = "inside the grace period: allowed, with a reminder to run `mfactl enroll totp`";
      } else if (st.enroll_at_login && core::factor_allowed(st.factors, "totp")) {
        would_enroll = true;
        outcome =
            "grace period over: enrols at login (QR code, first code, backup codes), then "
            "allowed";
      } else {
        outcome = "grace period over and enrolment at login is off: denied until enrolled";
      }
    }
  } else {
    steps.push_back("offered: " + join(offered));
    if (st.remember_s > 0) {
      steps.push_back("remember window " + duration(st.remember_s) +
                      " per user+address+service after a success");
    }
    outcome = "asked for a second factor (" + std::to_string(offered.size()) + " option(s))";
  }
  steps.push_back("outcome: " + outcome);
  return nlohmann::json{{"app", app},
                        {"user", user},
                        {"service", service},
                        {"remote_addr", rhost},
                        {"matched_rule", ev.matched},
                        {"mode", std::string(core::to_string(st.mode))},
                        {"settings", core::settings_to_json(st)},
                        {"factors_offered", offered},
                        {"would_enroll", would_enroll},
                        {"locked", lock->locked},
                        {"outcome", outcome},
                        {"steps", steps}};
}

}  // namespace mfa::daemon
