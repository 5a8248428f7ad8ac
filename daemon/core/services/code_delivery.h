// CodeDelivery: issues a delivered one-time code (SMS, email) for one challenge and hands it
// to the Sender. Rate limits per user and per destination come first (store-backed windowed
// counters, the same table and semantics as the lockout counters, so they survive restarts
// and are shared by hosts on a shared store). The outcome is recorded on the challenge in one
// write: on success the new code hash (which cancels any previous code), data.delivery =
// "sent" and a `code_sent` event; on failure an empty hash (no valid code at all),
// data.delivery = "failed" with the reason and a `delivery_failed` event — and the audit log.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

struct DeliveryReceipt {
  std::string channel;  // sms | email
  std::string hint;  // obfuscated destination ("+1 ••• ••• 4567", "a•••@example.com")
  std::int64_t code_expires_at_s = 0;
};

// The destination of an sms/email factor (factor_params.h); empty if none or unreadable.
std::string factor_destination(const FactorRecord& f);

class CodeDelivery {
 public:
  CodeDelivery(const EngineDeps& deps, Auditor& audit) : deps_(deps), audit_(audit) {}

  // kRateLimited (retry_after) before anything is sent; kUnavailable "Could not send the code:
  // <reason>" when the sender failed (the challenge is marked); kUnavailable when no sender is
  // configured.
  Result<DeliveryReceipt> send(const ChallengeRecord& c, const FactorRecord& f,
                               const AuditContext& ctx);
  // A pending enrolment challenge bound to `f` (purpose enroll, method = the factor type).
  Result<ChallengeRecord> create_enroll_challenge(const FactorRecord& f);

 private:
  Status check_rate(const std::string& key, std::int64_t now);

  const EngineDeps& deps_;
  Auditor& audit_;
};

}  // namespace mfa::core
