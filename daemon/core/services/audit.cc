#include "daemon/core/services/audit.h"

#include "daemon/core/base/clock.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

AuditEvent Auditor::make(const std::string& app, const std::string& user, const std::string& event,
                         const AuditContext& ctx, const std::string& detail) const {
  AuditEvent e;
  e.at_ms = deps_.clock->now_ms();
  e.app = app;
  e.user = user;
  e.event = event;
  e.actor = ctx.actor;
  e.remote_addr = ctx.remote_addr;
  e.client_addr = ctx.client_addr;
  e.detail = detail.empty() ? "{}" : detail;
  return e;
}

AuditContext for_challenge(AuditContext ctx, const std::string& challenge_remote_addr) {
  if (ctx.remote_addr.empty()) ctx.remote_addr = challenge_remote_addr;
  return ctx;
}

void Auditor::emitted(AuditEvent e, std::int64_t id) const {
  e.id = id;
  if (deps_.audit_sink != nullptr) deps_.audit_sink->emit(e);
}

Status Auditor::record(const std::string& app, const std::string& user, const std::string& event,
                       const AuditContext& ctx, const std::string& detail) {
  AuditEvent e = make(app, user, event, ctx, detail);
  auto id = deps_.store->append_audit(e);
  if (!id) return fail(id.error());
  emitted(std::move(e), *id);
  return {};
}

}  // namespace mfa::core
