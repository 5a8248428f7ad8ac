#include "daemon/src/routes/policy_reload.h"

#include <nlohmann/json.hpp>

#include "daemon/core/base/system_app.h"
#include "daemon/core/engine.h"
#include "daemon/core/policy/policy_holder.h"

namespace mfa::daemon {

// Policy errors quote the offending text, which may not be UTF-8: dumps replace bad bytes
// rather than throw (a throw here would end the SIGHUP handler).
Result<std::string> reload_policy(Services& s, const core::AuditContext& ctx) {
  auto r = s.policy->reload();
  if (!r) {
    nlohmann::json detail = {{"path", s.policy->path()}, {"error", r.error().context}};
    // The failed reload is already an error for the caller; an audit write failure on top of
    // it must not hide the original error.
    (void)s.engine->audit.record(
        core::kSystemApp, "", core::audit_event::kPolicyReloadFailed, ctx,
        detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return fail(r.error());
  }
  nlohmann::json detail = {{"path", s.policy->path()}, {"summary", *r}};
  MFA_TRY(s.engine->audit.record(
      core::kSystemApp, "", core::audit_event::kPolicyReloaded, ctx,
      detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  return r;
}

}  // namespace mfa::daemon
