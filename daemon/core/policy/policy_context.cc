#include "daemon/core/policy/policy_context.h"

#include "daemon/core/base/system_app.h"
#include "daemon/core/policy/policy_holder.h"

namespace mfa::core {

LoginContext make_login_context(const EngineDeps& deps, const std::string& app,
                                const std::string& user, const LoginOrigin& origin) {
  LoginContext ctx;
  ctx.app = app;
  ctx.user = user;
  ctx.origin = origin;
  if (app == kSystemApp && deps.directory != nullptr) ctx.groups = deps.directory->groups_of(user);
  return ctx;
}

LoginContext login_context_of(const EngineDeps& deps, const ChallengeRecord& c) {
  return make_login_context(deps, c.app, c.user, c.origin);
}

Evaluation evaluate_for(const EngineDeps& deps, const LoginContext& ctx) {
  return evaluate(*deps.policy->current(), ctx);
}

Evaluation evaluate_for_change(const EngineDeps& deps, const std::string& app,
                               const std::string& user, const std::string& remote_addr) {
  return evaluate_for(deps, make_login_context(deps, app, user, LoginOrigin{"", remote_addr, ""}));
}

LockoutSettings app_lockout_settings(const EngineDeps& deps, const std::string& app) {
  const auto policy = deps.policy->current();
  if (auto it = policy->apps.find(app); it != policy->apps.end() && it->second.lockout) {
    return *it->second.lockout;
  }
  return policy->defaults.lockout;
}

}  // namespace mfa::core
