// Module arguments from the PAM stack line (socket=, timeout=, failmode=, debug, daemon_uid=,
// prompt_prefix=, reminder=). Parsed on every call into a caller-owned struct: no static state.
#pragma once

#include <security/pam_modules.h>
#include <sys/types.h>
#include <sys/un.h>

#include "client/limits.h"

namespace mfa::pam {

inline constexpr size_t kMaxPromptPrefix = 64;

enum class FailMode { kClosed, kOpen };

// Where the informational text of a successful/ignored `done` step (the grace reminder) goes.
// kConversation: shown during pam_sm_authenticate (su, sudo, login, pamtester).
// kSession: kept in the PAM environment (kReminderEnv) and shown once by pam_sm_open_session;
// for sshd, which repeats a successful authentication's info text (docs/pam-protocol.md).
enum class Reminder { kConversation, kSession };

struct Options {
  char socket_path[sizeof(sockaddr_un::sun_path)];
  int timeout_ms;
  FailMode failmode;
  bool debug;
  uid_t daemon_uid;  // client::kNoUid when not configured: then root and the owner of a
                     // root-placed socket directory are trusted (socket_trust.h)
  char prompt_prefix[kMaxPromptPrefix + 1];
  Reminder reminder;
};

// PAM_SUCCESS, or PAM_SERVICE_ERR for a malformed value (logged). Unknown options are logged
// with pam_syslog and skipped, never silently ignored. `ret` is fully initialised either way.
int parse_options(pam_handle_t* pamh, int argc, const char** argv, Options* ret);

}  // namespace mfa::pam
