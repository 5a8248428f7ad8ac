// The module side of docs/pam-protocol.md: start a conversation, relay each step through PAM,
// map the daemon's final `done` result to a PAM code. The module decides nothing itself.
#pragma once

#include <security/pam_modules.h>

#include "pam_module/options.h"

namespace mfa::pam {

inline constexpr int kMaxSteps = 32;              // requests (start + answers) per authentication
inline constexpr int kMaxMessages = 16;           // `messages` entries per response
inline constexpr size_t kMaxTextLen = 16 * 1024;  // one message/prompt (QR codes are large)
inline constexpr size_t kMaxIdLen = 128;
// The PAM items the module sends: equal to the daemon's field limits (daemon/core/base/limits.h;
// tests/unit/test_limits_agree.cc holds them equal), so that an item the module lets through
// is never refused by the daemon as a malformed request, and the other way round.
inline constexpr size_t kMaxUserLen = 256;    // limits::kMaxUserNameLen
inline constexpr size_t kMaxServiceLen = 64;  // limits::kMaxServiceNameLen
inline constexpr size_t kMaxRhostLen = 256;   // limits::kMaxRhostLen (rhost and tty)
inline constexpr size_t kMaxRuserLen = 256;   // limits::kMaxUserNameLen

struct Items {
  const char* service;
  const char* user;
  const char* rhost;  // "" when unset
  const char* tty;
  const char* ruser;
};

// Runs the whole conversation; returns the PAM code for pam_sm_authenticate.
int run_conversation(pam_handle_t* pamh, int flags, const Options& opt, const Items& items);

// docs/pam-protocol.md "Results and PAM codes"; anything unknown fails closed.
int map_result(const char* result);

}  // namespace mfa::pam
