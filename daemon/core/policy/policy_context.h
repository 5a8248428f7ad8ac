// Builds the LoginContext for a user (groups from the Directory for app `system`) and
// evaluates the current policy for it.
#pragma once

#include <string>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/login_origin.h"
#include "daemon/core/policy/policy.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

LoginContext make_login_context(const EngineDeps& deps, const std::string& app,
                                const std::string& user, const LoginOrigin& origin = {});
// The context of the login that created challenge `c` (its app, user, service, remote address
// and tty): every later step of that login (verify, send a code, WebAuthn options, remember)
// evaluates the policy as the login did, though its request carries none of them.
LoginContext login_context_of(const EngineDeps& deps, const ChallengeRecord& c);
Evaluation evaluate_for(const EngineDeps& deps, const LoginContext& ctx);
// The evaluation for a change to a user's factors (enrol, step-up) made from `remote_addr`:
// no login, so no service and no tty; `rhost:` rules match the requester's address.
Evaluation evaluate_for_change(const EngineDeps& deps, const std::string& app,
                               const std::string& user, const std::string& remote_addr);
// The lockout settings of an app before any rule (defaults, then apps.<app>): for failures
// that belong to no user, whose rules cannot be matched.
LockoutSettings app_lockout_settings(const EngineDeps& deps, const std::string& app);

}  // namespace mfa::core
