#include "pam_module/reminder.h"

#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <string.h>
#include <syslog.h>

#include "pam_module/pam_io.h"
#include "pam_module/sanitize.h"

namespace mfa::pam {

int defer_reminder(pam_handle_t* pamh, const char* text) {
  constexpr size_t kName = sizeof kReminderEnv - 1;
  char entry[kName + 1 + kMaxReminderLen + 1];
  memcpy(entry, kReminderEnv, kName);
  entry[kName] = '=';
  sanitize_text(text, entry + kName + 1, kMaxReminderLen + 1);
  if (entry[kName + 1] == '\0') {
    clear_reminder(pamh);
    return PAM_SUCCESS;
  }
  return pam_putenv(pamh, entry);
}

void clear_reminder(pam_handle_t* pamh) {
  if (pam_getenv(pamh, kReminderEnv) != nullptr) {
    (void)pam_putenv(pamh, kReminderEnv);  // "NAME" without '=' deletes (pam_putenv(3))
  }
}

bool show_deferred_reminder(pam_handle_t* pamh, int flags) {
  const char* v = pam_getenv(pamh, kReminderEnv);
  if (v == nullptr) return false;
  // Sanitised again: the environment may also be written by other modules (pam_env).
  char text[kMaxReminderLen + 1];
  sanitize_text(v, text, sizeof text);
  clear_reminder(pamh);  // v is invalid from here on
  if ((flags & PAM_SILENT) == 0 && text[0] != '\0' &&
      show_message(pamh, PAM_TEXT_INFO, text) != PAM_SUCCESS) {
    pam_syslog(pamh, LOG_DEBUG, "could not display the deferred reminder");
  }
  return true;
}

}  // namespace mfa::pam
