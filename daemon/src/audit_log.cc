#include "daemon/src/audit_log.h"

#include <array>

#include "daemon/core/store/store.h"
#include "daemon/src/os/log.h"

namespace mfa::daemon {

namespace {

std::array<LogField, 4> audit_fields(const AuditEvent& e) {
  return {LogField{"MFA_EVENT", e.event}, LogField{"MFA_USER", e.user}, LogField{"MFA_APP", e.app},
          LogField{"MFA_ACTOR", e.actor}};
}

}  // namespace

std::vector<std::string> audit_journal_fields(const AuditEvent& e) {
  return journal_fields(audit_fields(e));
}

void AuditLog::emit(const AuditEvent& e) {
  log(LogLevel::kInfo,
      "audit " + e.event + " app=" + quote(e.app) + " user=" + quote(e.user) + " actor=" +
          quote(e.actor) + (e.remote_addr.empty() ? "" : " rhost=" + quote(e.remote_addr)) +
          (e.client_addr.empty() ? "" : " client=" + quote(e.client_addr)) + " detail=" + e.detail,
      audit_fields(e));
}

}  // namespace mfa::daemon
