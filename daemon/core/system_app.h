// The app whose users are the host's Unix accounts (DESIGN.md section 6): PAM logins, the
// Unix-socket self-service rules and the POSIX directory all key on it. One name, one place.
#pragma once

#include <string_view>

namespace mfa::core {

inline constexpr std::string_view kSystemApp = "system";

}  // namespace mfa::core
