// FactorService, sms and email factors: enrolment by a code sent to the destination, and
// activation with that code (DESIGN.md section 5: a destination is bound only once its owner
// proved they receive it).
#include <nlohmann/json.hpp>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/otp/delivered_code.h"
#include "daemon/core/otp/factor_params.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/services/contact.h"
#include "daemon/core/services/factor_policy.h"
#include "daemon/core/services/factor_service.h"

namespace mfa::core {

Status FactorService::ensure_pending_slot(const std::string& app, const std::string& user,
                                          FactorType type, const Requester& who) {
  auto factors = deps_.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  // One pending enrolment per type at a time (as for TOTP): an abandoned one is replaced.
  for (const FactorRecord& old : *factors) {
    if (old.status == FactorStatus::kPending && old.type == type) {
      MFA_TRY(deps_.store->delete_factor(old.id));
    }
  }
  std::erase_if(*factors, [&](const FactorRecord& f) {
    return f.status == FactorStatus::kPending && f.type == type;
  });
  if (factors->size() >= limits::kMaxFactorsPerUser) {
    return fail(Errc::kLimitExceeded, "too many factors for this user");
  }
  auto active = active_count(app, user);
  if (!active) return fail(active.error());
  if (*active > 0) MFA_TRY(require_step_up(deps_, verifier_, app, user, who, kEnrollStepUp));
  return {};
}

Result<DeliveryEnrollment> FactorService::begin_delivery(const std::string& app,
                                                         const std::string& user,
                                                         const DeliveryTarget& to,
                                                         const std::string& label,
                                                         const Requester& who) {
  const FactorType type = to.type;
  if (!is_delivery_type(type)) return fail(Errc::kInvalidArgument, "type must be sms or email");
  if (type == FactorType::kEmail && !to.country.empty()) {
    return fail(Errc::kInvalidArgument, "country is for phone numbers");
  }
  MFA_TRY(ensure_user(app, user));
  MFA_TRY(validate_label(label));
  auto dest = type == FactorType::kSms ? normalize_phone(to.destination, to.country)
                                       : normalize_email(to.destination);
  if (!dest) return fail(dest.error());
  const Evaluation ev = evaluate_for_change(deps_, app, user, who.remote_addr);
  MFA_TRY(require_factor_allowed(ev.settings.factors, type));
  MFA_TRY(ensure_pending_slot(app, user, type, who));

  auto id = deps_.random->id("f_");
  if (!id) return fail(id.error());
  FactorRecord f;
  f.id = *id;
  f.app = app;
  f.user = user;
  f.type = type;
  f.label = !label.empty() ? label : type == FactorType::kSms ? "Text message" : "Email";
  f.status = FactorStatus::kPending;
  FactorParams params;
  params.destination = *dest;
  f.params = factor_params_json(type, params);
  f.created_at_s = deps_.clock->now_s();
  MFA_TRY(deps_.store->insert_factor(f));
  auto c = delivery_.create_enroll_challenge(f);
  if (!c) return fail(c.error());
  auto receipt = delivery_.send(*c, f, who.audit);
  if (!receipt) {
    // Nothing was delivered: the pending binding is dropped and its challenge closed.
    (void)deps_.store->transition_challenge(c->id, ChallengeStatus::kPending,
                                            ChallengeStatus::kFailed,
                                            ChallengeEvent{deps_.clock->now_ms(), "failed", ""});
    (void)deps_.store->delete_factor(f.id);
    return fail(receipt.error());
  }
  return DeliveryEnrollment{std::move(f), c->id, std::move(*receipt)};
}

// The pending enrolment challenge of `f` and the typed code against it: the challenge's
// attempt limit applies; the last wrong attempt fails the challenge (resend for a new one).
Result<std::int64_t> FactorService::check_enroll_code(const FactorRecord& f,
                                                      std::string_view code) {
  ChallengeFilter filter;
  filter.app = f.app;
  filter.user = f.user;
  filter.purpose = ChallengePurpose::kEnroll;
  filter.status = ChallengeStatus::kPending;
  auto list = deps_.store->list_challenges(filter);
  if (!list) return fail(list.error());
  const std::int64_t now = deps_.clock->now_s();
  for (const ChallengeRecord& c : *list) {
    if (c.factor_id != f.id || c.expires_at_s <= now) continue;
    if (c.code_hash.empty()) {
      return fail(Errc::kConflict, "no code was delivered for this factor; ask for a resend");
    }
    // The attempt is taken before the compare (read-then-record let parallel guesses pass
    // the limit: issue 10 #6); a wrong code keeps it, the right one gives it back.
    AttemptReservation r;
    r.challenge_id = c.id;
    r.now_s = now;
    auto reserved = deps_.store->reserve_attempt(r);
    if (!reserved) return fail(reserved.error());
    if (reserved->outcome != ReservationOutcome::kReserved) {
      return fail(Errc::kConflict, "this code has no attempts left; ask for a resend");
    }
    if (delivered_code_matches(c.code_hash, c.id, code)) {
      VerificationCommit v;
      v.now_s = now;
      v.app = f.app;
      v.user = f.user;
      v.challenge_id = c.id;
      v.challenge_event = ChallengeEvent{deps_.clock->now_ms(), "approved", ""};
      v.release.challenge_id = c.id;
      auto moved = deps_.store->commit_verification(v, nullptr);
      if (!moved) return fail(moved.error());
      if (*moved != VerificationOutcome::kCommitted) {
        return fail(Errc::kConflict, "the code was used concurrently");
      }
      return now;
    }
    MFA_TRY(deps_.store->record_challenge_failure(
        c.id, ChallengeEvent{deps_.clock->now_ms(), "attempt_failed", "bad_code"}, false));
    return fail(Errc::kBadCode, "wrong code");
  }
  return fail(Errc::kExpired, "the code expired; enrol again for a new one");
}

// The verified destination becomes the user's phone/email; replacing a different one is a
// new binding, audited (the old factor stays until removed, with its own step-up).
Status FactorService::record_new_destination(const FactorRecord& f, const AuditContext& ctx) {
  const std::string dest = factor_destination(f);
  auto factors = deps_.store->list_factors(f.app, f.user);
  if (!factors) return fail(factors.error());
  for (const FactorRecord& other : *factors) {
    if (other.id == f.id || other.type != f.type || other.status != FactorStatus::kActive) {
      continue;
    }
    const std::string old = factor_destination(other);
    if (old == dest) continue;
    nlohmann::json detail = {{"type", to_string(f.type)},
                             {"factor_id", f.id},
                             {"previous_factor_id", other.id},
                             {"from", obfuscate_destination(f.type, old)},
                             {"to", obfuscate_destination(f.type, dest)}};
    MFA_TRY(audit_.record(f.app, f.user, audit_event::kDestinationChanged, ctx, detail.dump()));
  }
  auto u = deps_.store->get_user(f.app, f.user);
  if (!u) return fail(u.error());
  if (!u->has_value()) return {};
  UserRecord rec = std::move(**u);
  (f.type == FactorType::kSms ? rec.phone : rec.email) = dest;
  return deps_.store->upsert_user(rec);
}

}  // namespace mfa::core
