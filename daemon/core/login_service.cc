#include "daemon/core/login_service.h"

#include <algorithm>

#include "daemon/core/clock.h"
#include "daemon/core/code_delivery.h"
#include "daemon/core/code_verifier.h"
#include "daemon/core/contact.h"
#include "daemon/core/factor_service.h"
#include "daemon/core/limits.h"
#include "daemon/core/policy_context.h"
#include "daemon/core/store.h"

namespace mfa::core {

std::string_view to_string(LoginDecision d) {
  switch (d) {
    case LoginDecision::kAllow: return "allow";
    case LoginDecision::kMfaRequired: return "mfa_required";
    case LoginDecision::kEnrollRequired: return "enroll_required";
    case LoginDecision::kDeny: return "deny";
  }
  return "deny";
}

Result<LoginResult> LoginService::no_factor(const LoginRequest& req, LoginResult r,
                                            std::int64_t now) {
  if (r.evaluation.settings.mode != Mode::kRequired) {
    r.decision = LoginDecision::kAllow;
    r.reason = "optional_no_factor";  // nothing to ask for, even on a new address
    return r;
  }
  // The grace period starts when `required` first applies to this user, and is stored so
  // that it does not restart with every login (or every daemon restart).
  auto deadline = deps_.store->set_grace_deadline_once(
      req.app, req.user, now + r.evaluation.settings.grace_period_s, now);
  if (!deadline) return fail(deadline.error());
  r.grace_deadline_s = *deadline;
  r.decision = LoginDecision::kEnrollRequired;
  r.can_defer = now < *deadline;
  r.reason = r.can_defer ? "grace_period" : "enrollment_required";
  return r;
}

Result<LoginResult> LoginService::login(const LoginRequest& req) {
  MFA_TRY(validate_app_name(req.app));
  MFA_TRY(validate_user_name(req.user));
  if (req.service.size() > limits::kMaxServiceNameLen ||
      req.remote_addr.size() > limits::kMaxRhostLen) {
    return fail(Errc::kInvalidArgument, "service or remote address too long");
  }
  const std::int64_t now = deps_.clock->now_s();
  LoginResult r;
  r.evaluation = evaluate_for(
      deps_, make_login_context(deps_, req.app, req.user, req.service, req.remote_addr, req.tty));
  const PolicySettings& s = r.evaluation.settings;
  r.allowed_factors = s.factors;

  auto user = deps_.store->get_user(req.app, req.user);
  if (!user) return fail(user.error());
  if (user->has_value() && (*user)->status == "disabled") {
    r.reason = "user_disabled";
    return r;  // kDeny
  }
  if (s.mode == Mode::kOff) {
    r.decision = LoginDecision::kAllow;
    r.reason = "mode_off";
    return r;
  }
  if (!req.remote_addr.empty()) {
    auto seen = deps_.store->rhost_seen(req.app, req.user, req.remote_addr);
    if (!seen) return fail(seen.error());
    r.new_rhost = !*seen;
  }
  // step_up.new_rhost: a first login from an address never seen for this user gets no
  // exemption — not the strong-first-factor one, not a remember window.
  const bool step_up = r.evaluation.step_up_new_rhost && r.new_rhost;
  if (req.first_factor == "webauthn" && s.webauthn_skips_mfa && !step_up) {
    r.decision = LoginDecision::kAllow;
    r.reason = "strong_first_factor";
    return r;
  }
  MFA_TRY(lockout_.check(req.app, req.user, req.remote_addr));

  auto factors = deps_.store->list_factors(req.app, req.user);
  if (!factors) return fail(factors.error());
  for (const FactorRecord& f : *factors) {
    if (f.status != "active" || !factor_allowed(s.factors, f.type)) continue;
    FactorSummary sum{f.id, f.type, f.label, f.last_used_at_s, {}, {}};
    if (is_delivery_type(f.type)) {
      const std::string dest = factor_destination(f);
      // Delivery needs a configured sender; an unusable factor is not offered.
      if (deps_.sender == nullptr) continue;
      sum.hint = obfuscate_destination(f.type, dest);
      sum.destination_short = f.type == "sms" ? obfuscate_phone_short(dest) : sum.hint;
    }
    r.factors.push_back(std::move(sum));
  }
  std::stable_sort(r.factors.begin(), r.factors.end(), [](const auto& a, const auto& b) {
    return a.last_used_at_s > b.last_used_at_s;
  });
  if (factor_allowed(s.factors, "backup_code")) {
    auto unused = deps_.store->unused_backup_codes(req.app, req.user);
    if (!unused) return fail(unused.error());
    r.backup_codes_remaining = unused->size();
  }
  if (r.factors.empty()) return no_factor(req, std::move(r), now);

  // Remembered entries are keyed by user, address and service, so a new address is never
  // inside a remember window.
  if (s.remember_s > 0 && !req.remote_addr.empty() && !step_up) {
    auto until = deps_.store->remembered_until(req.app, req.user, req.remote_addr, req.service);
    if (!until) return fail(until.error());
    if (*until > now) {
      r.decision = LoginDecision::kAllow;
      r.reason = "remembered";
      return r;
    }
  }
  NewChallenge spec;
  spec.app = req.app;
  spec.user = req.user;
  spec.purpose = "login";
  spec.remote_addr = req.remote_addr;
  spec.service = req.service;
  spec.max_attempts = req.max_attempts;
  auto c = challenges_.create(spec);
  if (!c) return fail(c.error());
  r.decision = LoginDecision::kMfaRequired;
  r.reason = "mfa_required";
  r.challenge_id = c->id;
  r.challenge_expires_at_s = c->expires_at_s;
  return r;
}

}  // namespace mfa::core
