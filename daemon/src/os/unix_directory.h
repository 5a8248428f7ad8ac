// The Directory of app `system`: Unix accounts and their groups through NSS (getpwnam_r,
// getpwuid_r, getgrouplist). Used by policy (group rules) and the PAM conversation (the
// canonical account behind a login name).
#pragma once

#include "daemon/core/base/engine_deps.h"

namespace mfa::daemon {

class UnixDirectory final : public core::Directory {
 public:
  Result<std::optional<core::Account>> resolve(const std::string& user) override;
  std::vector<std::string> groups_of(const std::string& user) override;
};

}  // namespace mfa::daemon
