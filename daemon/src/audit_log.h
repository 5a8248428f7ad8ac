// The AuditSink that writes audit events to the daemon log (stderr or the journal, where
// syslog consumers pick them up): one line per event, names quoted, no secrets (events
// never carry any).
#pragma once

#include "daemon/core/base/engine_deps.h"

namespace mfa::daemon {

class AuditLog final : public core::AuditSink {
 public:
  void emit(const AuditEvent& event) override;
};

}  // namespace mfa::daemon
