#include "daemon/core/services/challenge_service.h"

#include <nlohmann/json.hpp>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/services/factor_policy.h"

namespace mfa::core {
namespace {

ChallengeEvent event(const EngineDeps& deps, std::string name, std::string detail = {}) {
  return ChallengeEvent{deps.clock->now_ms(), std::move(name), std::move(detail)};
}

}  // namespace

Result<ChallengeRecord> ChallengeService::create(const NewChallenge& spec) {
  const std::int64_t now = deps_.clock->now_s();
  auto pending_count = deps_.store->count_pending_challenges(spec.app, spec.user, now);
  if (!pending_count) return fail(pending_count.error());
  if (*pending_count >= limits::kMaxPendingChallengesPerUser) {
    Error e = make_error(Errc::kRateLimited, "too many pending challenges for this user");
    e.retry_after_s = spec.ttl_s;
    return fail(std::move(e));
  }
  auto id = deps_.random->id("ch_");
  if (!id) return fail(id.error());
  ChallengeRecord c;
  c.id = *id;
  c.app = spec.app;
  c.user = spec.user;
  c.purpose = spec.purpose;
  c.method = spec.method;
  c.status = ChallengeStatus::kPending;
  c.max_attempts = spec.max_attempts;
  c.created_at_s = now;
  c.expires_at_s = now + spec.ttl_s;
  c.origin = spec.origin;
  c.data = "{}";
  c.events.push_back(event(deps_, "created"));
  MFA_TRY(deps_.store->insert_challenge(c));
  return c;
}

Result<ChallengeRecord> ChallengeService::get(const std::string& app, const std::string& id) {
  auto found = deps_.store->get_challenge(id);
  if (!found) return fail(found.error());
  if (!found->has_value() || (*found)->app != app) {
    return fail(Errc::kNotFound, "no such challenge");
  }
  ChallengeRecord c = std::move(**found);
  if (c.status == ChallengeStatus::kPending && deps_.clock->now_s() >= c.expires_at_s) {
    auto moved = deps_.store->transition_challenge(
        c.id, ChallengeStatus::kPending, ChallengeStatus::kExpired, event(deps_, "expired"));
    if (!moved) return fail(moved.error());
    auto again = deps_.store->get_challenge(id);
    if (!again) return fail(again.error());
    if (!again->has_value()) return fail(Errc::kNotFound, "no such challenge");
    c = std::move(**again);
  }
  return c;
}

Result<std::vector<ChallengeRecord>> ChallengeService::list(const ChallengeFilter& filter) {
  ChallengeFilter f = filter;
  if (f.limit == 0 || f.limit > limits::kMaxListPage) f.limit = limits::kMaxListPage;
  return deps_.store->list_challenges(f);
}

Result<ChallengeRecord> ChallengeService::pending(const std::string& app, const std::string& id) {
  auto c = get(app, id);
  if (!c) return fail(c.error());
  if (c->status == ChallengeStatus::kExpired) return fail(Errc::kExpired, "challenge expired");
  if (c->status != ChallengeStatus::kPending) {
    return fail(Errc::kConflict, "challenge is " + std::string(to_string(c->status)));
  }
  return c;
}

Status ChallengeService::after_success(const ChallengeRecord& c) {
  if (c.origin.remote_addr.empty()) return {};
  const Evaluation ev = evaluate_for(deps_, login_context_of(deps_, c));
  const std::int64_t now = deps_.clock->now_s();
  if (c.purpose == ChallengePurpose::kLogin && ev.settings.remember_s > 0) {
    MFA_TRY(deps_.store->remember_login(c.app, c.user, c.origin.remote_addr, c.origin.service,
                                        now + ev.settings.remember_s));
  }
  return deps_.store->mark_rhost_seen(c.app, c.user, c.origin.remote_addr, now);
}

Result<ChallengeVerified> ChallengeService::verify(const std::string& app, const std::string& id,
                                                   std::string_view code, const AuditContext& ctx,
                                                   const std::string& only_factor_id) {
  auto c = pending(app, id);
  if (!c) return fail(c.error());
  if (c->purpose == ChallengePurpose::kEnroll) {
    return fail(Errc::kConflict, "an enrolment code activates its factor (factors/{id}/activate)");
  }
  const Evaluation ev = evaluate_for(deps_, login_context_of(deps_, *c));
  VerifyRequest req;
  if (!c->factor_id.empty() && !c->code_hash.empty()) {
    auto f = deps_.store->get_factor(c->factor_id);
    if (!f) return fail(f.error());
    // A removed (or no longer active) factor's code stops working with it.
    if (f->has_value() && (*f)->status == FactorStatus::kActive) {
      req.delivered_hash = &c->code_hash;
      req.challenge_id = c->id;
      req.delivered_factor_id = c->factor_id;
      req.delivered_type = (*f)->type;
    }
  }
  req.app = c->app;
  req.user = c->user;
  req.code = code;
  req.allowed = ev.settings.factors;
  if (c->method != ChallengeMethod::kAny) req.allowed = {std::string(to_string(c->method))};
  req.only_factor_id = only_factor_id;
  req.remote_addr = c->origin.remote_addr;
  req.purpose = to_string(c->purpose);
  req.lockout = ev.settings.lockout;
  // The approval, the remember window and the seen address commit with the code (one fsync).
  req.approve_challenge_id = c->id;
  req.mark_rhost_seen = !c->origin.remote_addr.empty();
  if (c->purpose == ChallengePurpose::kLogin && ev.settings.remember_s > 0) {
    req.remember_service = c->origin.service;
    req.remember_until_s = deps_.clock->now_s() + ev.settings.remember_s;
  }
  auto verified = verifier_.verify(req, for_challenge(ctx, c->origin.remote_addr));
  if (!verified) {
    const Error err = verified.error();
    // The verifier reserved the attempt before comparing; this records it on the timeline and
    // closes the challenge when its attempts are used up or the user is locked out.
    MFA_TRY(deps_.store->record_challenge_failure(
        c->id, event(deps_, "attempt_failed", std::string(to_string(err.code))),
        err.code == Errc::kLockedOut));
    return fail(err);
  }
  auto fresh = get(app, id);
  if (!fresh) return fail(fresh.error());
  return ChallengeVerified{std::move(*fresh), std::move(*verified)};
}

Status ChallengeService::cancel(const std::string& app, const std::string& id,
                                const AuditContext& ctx) {
  auto c = pending(app, id);
  if (!c) return fail(c.error());
  auto moved =
      deps_.store->transition_challenge(id, ChallengeStatus::kPending, ChallengeStatus::kCancelled,
                                        event(deps_, "cancelled", ctx.actor));
  if (!moved) return fail(moved.error());
  if (!*moved) return fail(Errc::kConflict, "challenge is no longer pending");
  return audit_.record(c->app, c->user, audit_event::kChallengeCancelled,
                       for_challenge(ctx, c->origin.remote_addr),
                       nlohmann::json{{"challenge_id", id}}.dump());
}

Status ChallengeService::deny(const std::string& app, const std::string& id,
                              const AuditContext& ctx) {
  auto c = pending(app, id);
  if (!c) return fail(c.error());
  auto moved = deps_.store->transition_challenge(
      id, ChallengeStatus::kPending, ChallengeStatus::kDenied, event(deps_, "denied", ctx.actor));
  if (!moved) return fail(moved.error());
  if (!*moved) return fail(Errc::kConflict, "challenge is no longer pending");
  return audit_.record(c->app, c->user, audit_event::kChallengeDenied,
                       for_challenge(ctx, c->origin.remote_addr),
                       nlohmann::json{{"challenge_id", id}}.dump());
}

Result<DeliveryReceipt> ChallengeService::send_code(const std::string& app, const std::string& id,
                                                    const std::string& factor_id,
                                                    const AuditContext& ctx) {
  auto c = pending(app, id);
  if (!c) return fail(c.error());
  if (c->purpose == ChallengePurpose::kEnroll) {
    return fail(Errc::kConflict, "use resend for an enrolment code");
  }
  auto found = deps_.store->get_factor(factor_id);
  if (!found) return fail(found.error());
  if (!found->has_value() || (*found)->app != c->app || (*found)->user != c->user ||
      (*found)->status != FactorStatus::kActive) {
    return fail(Errc::kNotFound, "no such active factor for this user");
  }
  const FactorRecord& f = **found;
  if (!is_delivery_type(f.type)) {
    return fail(Errc::kInvalidArgument, "only sms and email factors receive a code");
  }
  if (!method_accepts(c->method, f.type)) {
    return fail(Errc::kConflict, "this challenge asks for " + std::string(to_string(c->method)));
  }
  const Evaluation ev = evaluate_for(deps_, login_context_of(deps_, *c));
  MFA_TRY(require_factor_allowed(ev.settings.factors, f.type));
  return delivery_.send(*c, f, for_challenge(ctx, c->origin.remote_addr));
}

Result<DeliveryReceipt> ChallengeService::resend(const std::string& app, const std::string& id,
                                                 const AuditContext& ctx) {
  auto c = pending(app, id);
  if (!c) return fail(c.error());
  // Only delivered codes (SMS, email) can be resent; TOTP codes come from the user's app.
  if (c->factor_id.empty()) {
    return fail(Errc::kConflict, "nothing to resend: this challenge has no delivered code");
  }
  auto found = deps_.store->get_factor(c->factor_id);
  if (!found) return fail(found.error());
  if (!found->has_value() || !is_delivery_type((*found)->type)) {
    return fail(Errc::kConflict, "nothing to resend: this challenge has no delivered code");
  }
  // Enrolment challenges go to the pending factor being enrolled; others need an active one.
  if (c->purpose != ChallengePurpose::kEnroll && (*found)->status != FactorStatus::kActive) {
    return fail(Errc::kConflict, "the factor this code went to is no longer active");
  }
  return delivery_.send(*c, **found, for_challenge(ctx, c->origin.remote_addr));
}

}  // namespace mfa::core
