#include "daemon/core/services/assertion_result.h"

#include <nlohmann/json.hpp>

#include "daemon/core/base/clock.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

using nlohmann::json;

Error record_assertion_failure(Auditor& audit, Lockout& lockout, const AssertionSubject& s,
                               const AuditContext& ctx, const Error& err, const AttemptClaim& claim,
                               bool counts) {
  if (err.code == Errc::kStorage || err.code == Errc::kBusy || err.code == Errc::kInternal) {
    return err;
  }
  if (Status st = audit.record(
          s.app, s.user, audit_event::kMfaFailed, ctx,
          json{{"reason", s.factor_type}, {"error", err.context}, {"purpose", s.purpose}}.dump());
      !st) {
    return st.error();
  }
  if (!counts) {
    if (Status st = lockout.give_back(claim); !st) return st.error();
    return err;
  }
  // The claim taken before the assertion was checked is the failure record.
  const LockoutStatus st = lockout.failed(claim);
  if (!st.locked) return err;
  if (Status a = audit.record(s.app, s.user, audit_event::kLockedOut, ctx,
                              json{{"retry_after", st.retry_after_s}}.dump());
      !a) {
    return a.error();
  }
  return Lockout::locked_error(st.retry_after_s);
}

Status record_assertion_success(const EngineDeps& deps, Auditor& audit, const AssertionSubject& s,
                                const AuditContext& ctx, const AttemptClaim& claim,
                                const std::string& factor_id, std::int64_t sign_count, bool uv) {
  // One transaction: the counter, the failures forgotten with the claim given back, and the
  // audit record.
  VerificationCommit c;
  c.now_s = deps.clock->now_s();
  c.app = s.app;
  c.user = s.user;
  c.sign_count_factor_id = factor_id;
  c.sign_count = sign_count;
  Lockout::add_success(claim, c);
  c.audit = audit.make(
      s.app, s.user, audit_event::kMfaSucceeded, ctx,
      json{{"factor", s.factor_type}, {"factor_id", factor_id}, {"purpose", s.purpose}, {"uv", uv}}
          .dump());
  std::int64_t audit_id = 0;
  auto outcome = deps.store->commit_verification(c, &audit_id);
  if (!outcome) return fail(outcome.error());
  if (*outcome != VerificationOutcome::kCommitted) {
    return fail(Errc::kInternal, "an assertion's commit has no compare-and-set to lose");
  }
  audit.emitted(std::move(c.audit), audit_id);
  return {};
}

}  // namespace mfa::core
