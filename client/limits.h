// Named limits of the libc-only client (client/, pam_module/, nss/). Every size the daemon
// (or whoever sits behind the socket) can influence is bounded here (style.md section 5.10).
// Must not depend on daemon/ headers: this tier is loaded into sshd/sudo.
#pragma once

#include <stddef.h>

namespace mfa::client {

inline constexpr char kDefaultSocketPath[] = "/run/mfad/mfad.sock";
inline constexpr size_t kMaxResponseBytes = 64 * 1024;  // status line + headers + body
inline constexpr size_t kMaxResponseHeadBytes = 8 * 1024;
inline constexpr size_t kMaxResponseHeaders = 64;
inline constexpr size_t kMaxRequestHeadBytes = 1024;
inline constexpr size_t kMaxJsonTokens = 1024;
inline constexpr int kDefaultTimeoutMs = 10'000;
inline constexpr int kMinTimeoutMs = 100;
inline constexpr int kMaxTimeoutMs = 120'000;

}  // namespace mfa::client
