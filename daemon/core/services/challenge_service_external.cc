// ChallengeService::verify_external: the challenge bookkeeping of verify() for factors that
// are not typed codes (WebAuthn assertions). The factor check itself (and its lockout and
// audit records) belongs to the caller; this file only moves the challenge.
#include <nlohmann/json.hpp>

#include "daemon/core/base/clock.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/services/challenge_service.h"

namespace mfa::core {

Result<ChallengeVerified> ChallengeService::verify_external(const std::string& app,
                                                            const std::string& id,
                                                            const FactorCheck& check) {
  auto c = pending(app, id);
  if (!c) return fail(c.error());
  if (c->purpose == ChallengePurpose::kEnroll)
    return fail(Errc::kConflict, "enrolment challenges are not verified here");
  const Evaluation ev = evaluate_for(deps_, login_context_of(deps_, *c));
  auto verified = check(*c, ev);
  if (!verified) {
    const Error err = verified.error();
    // The check reserved its attempt (Lockout::reserve with this challenge) before checking
    // anything secret; this records it and closes the challenge when its attempts are used up
    // or the user is locked out.
    MFA_TRY(deps_.store->record_challenge_failure(
        c->id,
        ChallengeEvent{deps_.clock->now_ms(), "attempt_failed", std::string(to_string(err.code))},
        err.code == Errc::kLockedOut));
    return fail(err);
  }
  nlohmann::json detail = {{"factor", verified->type}, {"factor_id", verified->factor_id}};
  auto moved = deps_.store->transition_challenge(
      c->id, ChallengeStatus::kPending, ChallengeStatus::kApproved,
      ChallengeEvent{deps_.clock->now_ms(), "approved", detail.dump()});
  if (!moved) return fail(moved.error());
  if (!*moved) return fail(Errc::kConflict, "challenge was completed concurrently");
  MFA_TRY(after_success(*c));
  auto fresh = get(app, id);
  if (!fresh) return fail(fresh.error());
  return ChallengeVerified{std::move(*fresh), std::move(*verified)};
}

}  // namespace mfa::core
