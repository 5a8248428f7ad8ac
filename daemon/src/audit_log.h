// The AuditSink that writes audit events to the daemon log (stderr or the journal, where
// syslog consumers pick them up): one line per event, names quoted, no secrets (events
// never carry any). In the journal each line also carries MFA_EVENT=, MFA_USER=, MFA_APP=
// and MFA_ACTOR= (`journalctl -t mfad MFA_USER=alice`).
#pragma once

#include <string>
#include <vector>

#include "daemon/core/base/engine_deps.h"

namespace mfa::daemon {

// The structured journal fields of an audit event: MFA_EVENT, MFA_USER, MFA_APP, MFA_ACTOR
// (journal_fields() form; the detail JSON stays in the message only).
std::vector<std::string> audit_journal_fields(const AuditEvent& event);

class AuditLog final : public core::AuditSink {
 public:
  void emit(const AuditEvent& event) override;
};

}  // namespace mfa::daemon
