// FactorService: enrolment, activation, listing and removal of a user's factors, and backup
// codes. Changing what protects an account is itself protected (DESIGN.md section 5): adding a
// factor when one is active, removing one, or regenerating backup codes needs a fresh code
// from an existing factor, or an admin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/names.h"
#include "daemon/core/base/result.h"
#include "daemon/core/otp/otp.h"
#include "daemon/core/services/audit.h"
#include "daemon/core/services/code_delivery.h"
#include "daemon/core/services/code_verifier.h"
#include "daemon/core/services/step_up.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

struct TotpEnrollment {
  std::string factor_id;
  std::string label;
  std::string secret_b32;   // shown once, to put into the authenticator app
  std::string otpauth_uri;  // never logged or persisted (it holds the secret)
  TotpParams params;
};

// A pending sms/email factor and the enrolment challenge whose code activates it.
struct DeliveryEnrollment {
  FactorRecord factor;  // pending; params hold the destination
  std::string challenge_id;
  DeliveryReceipt receipt;
};

struct Activation {
  FactorRecord factor;                    // secret_ct cleared
  std::vector<std::string> backup_codes;  // generated with the first factor; shown once
};

// Where the codes of a new sms/email factor go, as the caller gave it.
struct DeliveryTarget {
  FactorType type = FactorType::kSms;  // sms | email
  std::string destination;             // a phone number or an email address
  std::string country;  // sms: ISO 3166 region of a national number ("FR"), else empty
};

class FactorService {
 public:
  FactorService(const EngineDeps& deps, Auditor& audit, CodeVerifier& verifier,
                CodeDelivery& delivery)
      : deps_(deps), audit_(audit), verifier_(verifier), delivery_(delivery) {}

  Result<TotpEnrollment> begin_totp(const std::string& app, const std::string& user,
                                    const std::string& label, const TotpParams& params,
                                    const Requester& who);
  // The user's pending TOTP factor, when one younger than limits::kPendingTotpReuseS exists
  // and no factor is active: its secret and otpauth URI again, so that an enrolment retried
  // (sshd starts a new conversation after a denied one) shows what the user already scanned.
  // nullopt otherwise: begin_totp() then replaces any older pending one.
  Result<std::optional<TotpEnrollment>> resume_totp(const std::string& app, const std::string& user,
                                                    const Requester& who);
  // type sms (destination: a phone number, normalised to E.164) or email: a pending factor and
  // a code sent to it. When the send fails the pending factor is dropped and the error is
  // kUnavailable "Could not send the code: ..." (audited). A new phone or email is always a
  // new factor (a new binding), audited as mfa.destination_changed at activation.
  Result<DeliveryEnrollment> begin_delivery(const std::string& app, const std::string& user,
                                            const DeliveryTarget& to, const std::string& label,
                                            const Requester& who);
  // Activates a pending TOTP factor (or an sms/email one, with the code sent to it) after a
  // correct first code; the first active factor also generates the user's backup codes.
  Result<Activation> activate(const std::string& app, const std::string& user,
                              const std::string& factor_id, std::string_view code,
                              const AuditContext& ctx);
  // Secrets stripped. Pending factors included (status tells).
  Result<std::vector<FactorRecord>> list(const std::string& app, const std::string& user);
  Status remove(const std::string& app, const std::string& user, const std::string& factor_id,
                const Requester& who);
  // Admin reset: every factor, backup code and lockout counter of the user.
  Result<std::size_t> reset(const std::string& app, const std::string& user,
                            const AuditContext& ctx);
  Result<std::vector<std::string>> regenerate_backup_codes(const std::string& app,
                                                           const std::string& user,
                                                           const Requester& who);
  Result<std::size_t> backup_codes_remaining(const std::string& app, const std::string& user);
  Result<std::size_t> active_count(const std::string& app, const std::string& user);

 private:
  Result<std::vector<std::string>> issue_backup_codes(const std::string& app,
                                                      const std::string& user);
  Status ensure_user(const std::string& app, const std::string& user);
  Result<TotpEnrollment> totp_enrollment(const FactorRecord& f, const TotpParams& params,
                                         std::span<const std::uint8_t> secret) const;

  const EngineDeps& deps_;
  Auditor& audit_;
  Status record_new_destination(const FactorRecord& f, const AuditContext& ctx);
  Result<std::int64_t> check_enroll_code(const FactorRecord& f, std::string_view code);
  Status ensure_pending_slot(const std::string& app, const std::string& user, FactorType type,
                             const Requester& who);

  CodeVerifier& verifier_;
  CodeDelivery& delivery_;
};

}  // namespace mfa::core
