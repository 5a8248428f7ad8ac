// pam_mfa.so entry points: glue only (style.md section 5.8). The conversation lives in
// conversation.cc, option parsing in options.cc, the session's reminder in reminder.cc. Exports
// exactly the pam_sm_* below (export.map); everything else is hidden.
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <syslog.h>

#include "pam_module/conversation.h"
#include "pam_module/options.h"
#include "pam_module/reminder.h"

#define MFA_PAM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

const char* item_or_empty(pam_handle_t* pamh, int type) {
  const void* v = nullptr;
  if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == nullptr) return "";
  return static_cast<const char*>(v);
}

}  // namespace

MFA_PAM_EXPORT int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv) {
  mfa::pam::Options opt;
  if (mfa::pam::parse_options(pamh, argc, argv, &opt) != PAM_SUCCESS) return PAM_SERVICE_ERR;

  const char* user = nullptr;
  const int rc = pam_get_user(pamh, &user, nullptr);
  if (rc != PAM_SUCCESS) {
    // PAM_CONV_AGAIN would need PAM_INCOMPLETE resumption, which this module does not do.
    return rc == PAM_CONV_AGAIN ? PAM_CONV_ERR : rc;
  }
  if (user == nullptr || user[0] == '\0') return PAM_USER_UNKNOWN;
  const char* service = item_or_empty(pamh, PAM_SERVICE);
  if (service[0] == '\0') {
    pam_syslog(pamh, LOG_ERR, "PAM_SERVICE is not set");
    return PAM_SERVICE_ERR;
  }
  const mfa::pam::Items items = {service, user, item_or_empty(pamh, PAM_RHOST),
                                 item_or_empty(pamh, PAM_TTY), item_or_empty(pamh, PAM_RUSER)};
  return mfa::pam::run_conversation(pamh, flags, opt, items);
}

// pam_sm_setcred: a second factor establishes no credential (no ticket, no key, no group), so
// there is nothing to set or delete. The Linux-PAM Module Writers' Guide says a module that
// does not support a function returns PAM_SERVICE_ERR "and write[s] an appropriate message to
// the system log ... When this action is deemed inappropriate, the function would simply return
// PAM_IGNORE". PAM_SERVICE_ERR would break every stack that lists us in `auth` (pam_setcred runs
// every auth module), so PAM_IGNORE: we cast no vote. Never PAM_SUCCESS: the verdict on
// credentials belongs to the modules that have some (DESIGN.md section 3). Consequence: an auth
// stack must contain at least one module implementing setcred (pam_unix, pam_permit), otherwise
// libpam returns PAM_PERM_DENIED for pam_setcred — see conf/pam.d/README.md.
MFA_PAM_EXPORT int pam_sm_setcred(pam_handle_t* /*pamh*/, int /*flags*/, int /*argc*/,
                                  const char** /*argv*/) {
  return PAM_IGNORE;
}

// pam_sm_acct_mgmt: the module does no account management (expiry, access windows and
// lockout are the daemon's policy, enforced during authentication). An unconditional
// PAM_SUCCESS is a vote *for* the account: under `account sufficient pam_mfa.so` it would skip
// pam_unix's expiry checks, the same class of mistake as pam-u2f's CVE-2025-23013 where one
// wrong neutral/positive code let a stack succeed without the check it relied on. PAM_IGNORE
// (MWG, as above) leaves the account verdict entirely to the other modules; a stack whose only
// account module is pam_mfa.so gets PAM_PERM_DENIED, failing closed. The options are still
// parsed so that a typo in a shared option line is reported here too.
MFA_PAM_EXPORT int pam_sm_acct_mgmt(pam_handle_t* pamh, int /*flags*/, int argc,
                                    const char** argv) {
  mfa::pam::Options opt;
  if (mfa::pam::parse_options(pamh, argc, argv, &opt) != PAM_SUCCESS) return PAM_SERVICE_ERR;
  return PAM_IGNORE;
}

// pam_sm_open_session: shows, once, the reminder that pam_sm_authenticate kept under
// reminder=session (pam_module/reminder.h) and removes it from the PAM environment, so that it
// is neither shown again nor exported into the user's environment. Like pam_motd, the module
// takes no part in the session's verdict: PAM_IGNORE whether or not there was text (a session
// stack needs another module, e.g. pam_permit or pam_unix, as every real stack has). A bad
// option line is PAM_SERVICE_ERR as everywhere; the reminder is removed even then.
MFA_PAM_EXPORT int pam_sm_open_session(pam_handle_t* pamh, int flags, int argc, const char** argv) {
  mfa::pam::Options opt;
  const int rc = mfa::pam::parse_options(pamh, argc, argv, &opt);
  if (rc != PAM_SUCCESS) {
    mfa::pam::clear_reminder(pamh);
    return PAM_SERVICE_ERR;
  }
  const bool shown = mfa::pam::show_deferred_reminder(pamh, flags);
  if (opt.debug) {
    pam_syslog(pamh, LOG_DEBUG, "open_session: %s", shown ? "reminder shown" : "no reminder");
  }
  return PAM_IGNORE;
}

// pam_sm_close_session: nothing was set up, so nothing to undo (PAM_IGNORE, as pam_motd).
MFA_PAM_EXPORT int pam_sm_close_session(pam_handle_t* pamh, int /*flags*/, int argc,
                                        const char** argv) {
  mfa::pam::Options opt;
  if (mfa::pam::parse_options(pamh, argc, argv, &opt) != PAM_SUCCESS) return PAM_SERVICE_ERR;
  return PAM_IGNORE;
}
