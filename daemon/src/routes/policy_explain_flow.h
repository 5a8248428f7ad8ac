// `mfactl policy explain`: the login flow for one user step by step — which rule matched,
// the mode, which factors would be offered, whether the user would be asked to enrol. It
// renders the trace of LoginService::explain, a dry run of the very code that decides a login
// (issue 11), so it writes nothing: no challenge, no grace period, no audit, no attempt.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "daemon/core/base/result.h"
#include "daemon/core/services/login_service.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {

// `req` as the login would arrive: app, user, service, remote_addr (canonical), tty,
// first_factor.
Result<nlohmann::json> explain_login_flow(Services& s, const core::LoginRequest& req);

}  // namespace mfa::daemon
