// `mfactl policy explain`: the login flow for one user step by step — which rule matched,
// the mode, which factors would be offered, whether the user would be asked to enrol. Read
// only: explaining never starts a grace period or creates a challenge.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "daemon/core/result.h"
#include "daemon/src/services.h"

namespace mfa::daemon {

Result<nlohmann::json> explain_login_flow(Services& s, const std::string& app,
                                          const std::string& user, const std::string& service,
                                          const std::string& rhost);

}  // namespace mfa::daemon
