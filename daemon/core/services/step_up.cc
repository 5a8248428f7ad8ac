#include "daemon/core/services/step_up.h"

#include <algorithm>

#include "daemon/core/policy/policy_context.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

Status require_step_up(const EngineDeps& deps, CodeVerifier& verifier, const std::string& app,
                       const std::string& user, const Requester& who, const StepUp& spec) {
  if (who.admin) return {};
  auto factors = deps.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  VerifyRequest req;
  if (spec.allow_backup) req.allowed.emplace_back("backup_code");
  for (const auto& f : *factors) {
    if (f.status == FactorStatus::kActive) req.allowed.emplace_back(to_string(f.type));
  }
  const bool any_active = std::any_of(factors->begin(), factors->end(), [](const auto& f) {
    return f.status == FactorStatus::kActive;
  });
  if (!any_active && spec.pass_without_active_factor) return {};
  if (who.step_up_code.empty()) {
    return fail(Errc::kPermissionDenied,
                "this change needs a fresh code from one of your existing factors (step_up_code)");
  }
  req.app = app;
  req.user = user;
  req.code = who.step_up_code;
  req.exclude_factor_id = spec.exclude_factor_id;
  req.remote_addr = who.remote_addr;
  req.purpose = spec.purpose;
  req.lockout = evaluate_for_change(deps, app, user, who.remote_addr).settings.lockout;
  auto v = verifier.verify(req, who.audit);
  if (!v) return fail(v.error());
  return {};
}

}  // namespace mfa::core
