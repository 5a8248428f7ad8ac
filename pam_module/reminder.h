// reminder=session (pam_module/options.h): the informational text of a successful or ignored
// authentication (the grace reminder) is carried from pam_sm_authenticate to
// pam_sm_open_session in the PAM environment and shown once there.
//
// Why the environment and not pam_set_data: sshd (OpenSSH 9.2, auth-pam.c) runs the
// keyboard-interactive pam_authenticate in a forked child (sshpam_thread, "pthread" emulated
// with fork) and copies back only the PAM environment (pam_getenvlist in the child,
// pam_putenv in import_environments); data set with pam_set_data stays in the child.
#pragma once

#include <security/pam_modules.h>
#include <stddef.h>

namespace mfa::pam {

inline constexpr char kReminderEnv[] = "PAM_MFA_REMINDER";
inline constexpr size_t kMaxReminderLen = 1024;  // bytes of text kept; longer text is cut

// Stores `text` (sanitised again here, cut at kMaxReminderLen on a character boundary) as
// kReminderEnv, replacing any earlier value. Returns the pam_putenv code.
int defer_reminder(pam_handle_t* pamh, const char* text);

// Removes kReminderEnv if present (a stale value from an earlier attempt).
void clear_reminder(pam_handle_t* pamh);

// pam_sm_open_session: shows kReminderEnv once as PAM_TEXT_INFO (not under PAM_SILENT) and
// removes it, so it never reaches the user's environment. Returns whether one was found.
bool show_deferred_reminder(pam_handle_t* pamh, int flags);

}  // namespace mfa::pam
