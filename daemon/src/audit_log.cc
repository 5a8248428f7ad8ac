#include "daemon/src/audit_log.h"

#include "daemon/core/store/store.h"
#include "daemon/src/os/log.h"

namespace mfa::daemon {

void AuditLog::emit(const AuditEvent& e) {
  log(LogLevel::kInfo,
      "audit " + e.event + " app=" + quote(e.app) + " user=" + quote(e.user) + " actor=" +
          quote(e.actor) + (e.remote_addr.empty() ? "" : " rhost=" + quote(e.remote_addr)) +
          (e.client_addr.empty() ? "" : " client=" + quote(e.client_addr)) + " detail=" + e.detail);
}

}  // namespace mfa::daemon
