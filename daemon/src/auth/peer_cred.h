// Identifies a Unix-socket peer by SO_PEERCRED (unix(7): the credentials in effect at
// connect(2)). Admin = uid 0 or a member (primary or supplementary) of the admin group.
#pragma once

#include <string>

#include "daemon/core/base/result.h"
#include "daemon/src/api/api_types.h"

namespace mfa::daemon {

Result<Caller> unix_peer_caller(int fd, const std::string& admin_group);

}  // namespace mfa::daemon
