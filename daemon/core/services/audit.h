// Auditor: records security events in the store and forwards them to the sink (journal).
// Event names are the API's contract (DESIGN.md section 6). Details never hold secrets.
#pragma once

#include <string>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"

namespace mfa::core {

namespace audit_event {
inline constexpr const char* kFactorEnrolled = "mfa.factor_enrolled";
inline constexpr const char* kFactorRemoved = "mfa.factor_removed";
inline constexpr const char* kFactorAdminReset = "mfa.factor_admin_reset";
inline constexpr const char* kMfaSucceeded = "user.mfa_succeeded";
inline constexpr const char* kMfaFailed = "user.mfa_failed";
inline constexpr const char* kBackupRegenerated = "mfa.backup_codes_regenerated";
inline constexpr const char* kLockedOut = "user.locked_out";
inline constexpr const char* kPolicyReloaded = "policy.reloaded";
inline constexpr const char* kPolicyReloadFailed = "policy.reload_failed";
inline constexpr const char* kChallengeDenied = "mfa.challenge_denied";
inline constexpr const char* kChallengeCancelled = "mfa.challenge_cancelled";
inline constexpr const char* kCodeSent = "mfa.code_sent";
inline constexpr const char* kDeliveryFailed = "mfa.delivery_failed";
inline constexpr const char* kDestinationChanged = "mfa.destination_changed";
}  // namespace audit_event

// Two addresses, because an app server speaks for its end users (issue 20): client_addr is
// the TCP peer that made the call (the app server; empty on the Unix socket and for PAM),
// remote_addr is the end user's address (the `remote_addr` an app gave to /logins, the
// challenge's, or PAM_RHOST).
struct AuditContext {
  std::string actor = "system";  // Caller::actor()
  std::string remote_addr;
  std::string client_addr;
};

// `ctx` for an event about a challenge: the end user's address is the challenge's when the
// request did not give one.
AuditContext for_challenge(AuditContext ctx, const std::string& challenge_remote_addr);

class Auditor {
 public:
  explicit Auditor(const EngineDeps& deps) : deps_(deps) {}
  // `detail` is a JSON object text; the store assigns the id. A failed store write is an
  // error the caller must see: an unaudited success must not be reported as success.
  Status record(const std::string& app, const std::string& user, const std::string& event,
                const AuditContext& ctx, const std::string& detail = "{}");
  // For an event stored by another store call in the same transaction (commit_verification):
  // make() builds it, emitted() forwards it to the sink once it is stored with `id`.
  AuditEvent make(const std::string& app, const std::string& user, const std::string& event,
                  const AuditContext& ctx, const std::string& detail) const;
  void emitted(AuditEvent e, std::int64_t id) const;

 private:
  const EngineDeps& deps_;
};

}  // namespace mfa::core
