#include "daemon/core/assertion_result.h"

#include <nlohmann/json.hpp>

#include "daemon/core/clock.h"
#include "daemon/core/store.h"

namespace mfa::core {

using nlohmann::json;

Error record_assertion_failure(Auditor& audit, Lockout& lockout, const AssertionSubject& s,
                               const AuditContext& ctx, const Error& err, bool counts) {
  if (err.code == Errc::kStorage || err.code == Errc::kBusy || err.code == Errc::kInternal) {
    return err;
  }
  if (Status st = audit.record(
          s.app, s.user, audit_event::kMfaFailed, ctx,
          json{{"reason", s.factor_type}, {"error", err.context}, {"purpose", s.purpose}}.dump());
      !st) {
    return st.error();
  }
  if (!counts) return err;
  auto st = lockout.record_failure(s.app, s.user, s.rhost, s.lockout);
  if (!st) return st.error();
  if (!st->locked) return err;
  if (Status a = audit.record(s.app, s.user, audit_event::kLockedOut, ctx,
                              json{{"retry_after", st->retry_after_s}}.dump());
      !a) {
    return a.error();
  }
  return Lockout::locked_error(st->retry_after_s);
}

Status record_assertion_success(const EngineDeps& deps, Auditor& audit, Lockout& lockout,
                                const AssertionSubject& s, const AuditContext& ctx,
                                const std::string& factor_id, std::int64_t sign_count, bool uv) {
  MFA_TRY(deps.store->update_sign_count(factor_id, sign_count, deps.clock->now_s()));
  MFA_TRY(lockout.record_success(s.app, s.user, s.rhost));
  return audit.record(
      s.app, s.user, audit_event::kMfaSucceeded, ctx,
      json{{"factor", s.factor_type}, {"factor_id", factor_id}, {"purpose", s.purpose}, {"uv", uv}}
          .dump());
}

}  // namespace mfa::core
