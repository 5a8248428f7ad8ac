// The app whose users are the host's Unix accounts (DESIGN.md section 6): PAM logins, the
// Unix-socket self-service rules and the POSIX directory all key on it. One name, one place.
// A character array, so that it converts to std::string and std::string_view alike.
#pragma once

namespace mfa::core {

inline constexpr char kSystemApp[] = "system";

}  // namespace mfa::core
