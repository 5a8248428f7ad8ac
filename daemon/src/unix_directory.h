// The Directory of app `system`: Unix accounts and their groups through NSS (getpwnam_r,
// getgrouplist). Used by policy (group rules) and the PAM conversation (unknown users).
#pragma once

#include "daemon/core/engine_deps.h"

namespace mfa::daemon {

class UnixDirectory final : public core::Directory {
 public:
  bool user_exists(const std::string& user) override;
  std::vector<std::string> groups_of(const std::string& user) override;
};

}  // namespace mfa::daemon
