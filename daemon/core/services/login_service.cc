#include "daemon/core/services/login_service.h"

#include <algorithm>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/duration.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/services/code_delivery.h"
#include "daemon/core/services/code_verifier.h"
#include "daemon/core/services/contact.h"
#include "daemon/core/services/factor_service.h"
#include "daemon/core/store/store.h"

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

namespace {

// One line of a dry run's trace; the real login (trace == nullptr) records nothing.
void note(LoginTrace* trace, std::string line) {
  if (trace != nullptr) trace->steps.push_back(std::move(line));
}

std::string factor_words(const FactorRecord& f) {
  return std::string(to_string(f.type)) + " '" + f.label + "' (" + f.id + ")";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

}  // namespace

Result<LoginResult> LoginService::no_factor(const LoginRequest& req, LoginResult r,
                                            std::int64_t now, LoginTrace* trace) {
  const PolicySettings& s = r.evaluation.settings;
  if (s.mode != Mode::kRequired) {
    r.decision = LoginDecision::kAllow;
    r.reason = "optional_no_factor";  // nothing to ask for, even on a new address
    return r;
  }
  // The grace period starts when `required` first applies to this user, and is stored so
  // that it does not restart with every login (or every daemon restart). A dry run reads it.
  std::int64_t deadline = now + s.grace_period_s;
  if (trace == nullptr) {
    auto stored = deps_.store->set_grace_deadline_once(req.app, req.user, deadline, now);
    if (!stored) return fail(stored.error());
    deadline = *stored;
  } else {
    auto u = deps_.store->get_user(req.app, req.user);
    if (!u) return fail(u.error());
    if (u->has_value() && (*u)->grace_deadline_s) {
      deadline = *(*u)->grace_deadline_s;
      note(trace, deadline > now
                      ? "grace period ends in " + format_duration(deadline - now)
                      : "grace period ended " + format_duration(now - deadline) + " ago");
    } else {
      trace->grace_starts_now = true;
      note(trace, "grace period not started: it starts at this login and lasts " +
                      format_duration(s.grace_period_s));
    }
  }
  r.grace_deadline_s = deadline;
  r.decision = LoginDecision::kEnrollRequired;
  r.can_defer = now < deadline;
  r.reason = r.can_defer ? "grace_period" : "enrollment_required";
  r.enroll_at_login =
      !r.can_defer && s.enroll_at_login && factor_allowed(s.factors, FactorType::kTotp);
  return r;
}

Result<LoginResult> LoginService::login(const LoginRequest& req) {
  return decide(req, nullptr);
}

Result<LoginResult> LoginService::explain(const LoginRequest& req, LoginTrace& trace) {
  return decide(req, &trace);
}

Result<LoginResult> LoginService::decide(const LoginRequest& req, LoginTrace* trace) {
  MFA_TRY(validate_app_name(req.app));
  MFA_TRY(validate_user_name(req.user));
  if (req.origin.service.size() > limits::kMaxServiceNameLen ||
      req.origin.remote_addr.size() > limits::kMaxRhostLen ||
      req.origin.tty.size() > limits::kMaxRhostLen) {
    return fail(Errc::kInvalidArgument, "service, remote address or tty too long");
  }
  const std::int64_t now = deps_.clock->now_s();
  LoginResult r;
  LoginContext ctx = make_login_context(deps_, req.app, req.user, req.origin);
  r.evaluation = evaluate_for(deps_, ctx);
  if (trace != nullptr) trace->groups = std::move(ctx.groups);
  const PolicySettings& s = r.evaluation.settings;
  r.allowed_factors = s.factors;

  auto user = deps_.store->get_user(req.app, req.user);
  if (!user) return fail(user.error());
  if (user->has_value() && (*user)->status == "disabled") {
    r.reason = "user_disabled";
    note(trace, "user '" + req.user + "' is disabled");
    return r;  // kDeny
  }
  if (s.mode == Mode::kOff) {
    r.decision = LoginDecision::kAllow;
    r.reason = "mode_off";
    return r;
  }
  if (!req.origin.remote_addr.empty()) {
    auto seen = deps_.store->rhost_seen(req.app, req.user, req.origin.remote_addr);
    if (!seen) return fail(seen.error());
    r.new_rhost = !*seen;
    note(trace, "address " + req.origin.remote_addr +
                    (r.new_rhost ? ": never seen for this user" : ": seen before for this user"));
  }
  // step_up.new_rhost: a first login from an address never seen for this user gets no
  // exemption — not the strong-first-factor one, not a remember window.
  const bool step_up = r.evaluation.step_up_new_rhost && r.new_rhost;
  if (step_up) {
    note(trace,
         "step_up.new_rhost: a new address gets no exemption (strong first factor, "
         "remember window)");
  }
  if (req.first_factor == "webauthn" && s.webauthn_skips_mfa && !step_up) {
    r.decision = LoginDecision::kAllow;
    r.reason = "strong_first_factor";
    note(trace, "first factor webauthn and webauthn_skips_mfa: a passkey already is two factors");
    return r;
  }
  if (Status locked = lockout_.check(req.app, req.user, req.origin.remote_addr); !locked) {
    if (trace == nullptr || locked.error().code != Errc::kLockedOut) return fail(locked.error());
    trace->locked = true;
    trace->retry_after_s = locked.error().retry_after_s;
    note(trace, "the user or the address is locked out for " +
                    std::to_string(trace->retry_after_s) + " s more");
    r.reason = "locked_out";
    return r;  // kDeny; the real login is kLockedOut
  }

  auto factors = deps_.store->list_factors(req.app, req.user);
  if (!factors) return fail(factors.error());
  for (const FactorRecord& f : *factors) {
    if (f.status != FactorStatus::kActive) {
      note(trace, "not offered: " + factor_words(f) + " is not activated");
      continue;
    }
    if (!factor_allowed(s.factors, f.type)) {
      note(trace, "not offered: " + factor_words(f) + ", the policy allows " + join(s.factors));
      continue;
    }
    FactorSummary sum{f.id, f.type, f.label, f.last_used_at_s, {}, {}};
    if (is_delivery_type(f.type)) {
      const std::string dest = factor_destination(f);
      // Delivery needs a configured sender; an unusable factor is not offered.
      if (deps_.sender == nullptr) {
        note(trace, "not offered: " + factor_words(f) + ", no sms/email sender is configured");
        continue;
      }
      sum.hint = obfuscate_destination(f.type, dest);
      sum.destination_short = f.type == FactorType::kSms ? obfuscate_phone_short(dest) : sum.hint;
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
  if (r.factors.empty()) {
    note(trace, "user has no usable factor");
    return no_factor(req, std::move(r), now, trace);
  }

  // Remembered entries are keyed by user, address and service, so a new address is never
  // inside a remember window.
  if (s.remember_s > 0 && !req.origin.remote_addr.empty() && !step_up) {
    auto until = deps_.store->remembered_until(req.app, req.user, req.origin.remote_addr,
                                               req.origin.service);
    if (!until) return fail(until.error());
    if (*until > now) {
      r.decision = LoginDecision::kAllow;
      r.reason = "remembered";
      note(trace, "remembered: a success from " + req.origin.remote_addr + " to '" +
                      req.origin.service + "' less than " + format_duration(s.remember_s) +
                      " ago (" + format_duration(*until - now) + " left)");
      return r;
    }
    note(trace, "remember window " + format_duration(s.remember_s) + ": no success from " +
                    req.origin.remote_addr + " to '" + req.origin.service + "' inside it");
  }
  r.decision = LoginDecision::kMfaRequired;
  r.reason = "mfa_required";
  if (trace != nullptr) {
    note(trace, "a login challenge would be created (" + std::to_string(req.max_attempts) +
                    " attempts, " + format_duration(kChallengeTtlS) + ")");
    return r;
  }
  NewChallenge spec;
  spec.app = req.app;
  spec.user = req.user;
  spec.purpose = ChallengePurpose::kLogin;
  spec.origin = req.origin;
  spec.max_attempts = req.max_attempts;
  auto c = challenges_.create(spec);
  if (!c) return fail(c.error());
  r.challenge_id = c->id;
  r.challenge_expires_at_s = c->expires_at_s;
  return r;
}

}  // namespace mfa::core
