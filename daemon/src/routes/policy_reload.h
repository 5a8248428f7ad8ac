// Policy reload, shared by SIGHUP and POST /v1/policy/reload: a bad file keeps the policy in
// force and says why; both outcomes are audited.
#pragma once

#include <string>

#include "daemon/core/base/result.h"
#include "daemon/core/services/audit.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {

Result<std::string> reload_policy(Services& s, const core::AuditContext& ctx);

}  // namespace mfa::daemon
