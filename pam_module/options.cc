// A misconfigured stack must fail visibly (PAM_SERVICE_ERR + log), never fall back to a
// guessed value: a typo in failmode= must not silently change the security posture.
#include "pam_module/options.h"

#include <security/pam_ext.h>
#include <string.h>
#include <syslog.h>

#include "client/client.h"

namespace mfa::pam {
namespace {

// Parses a non-empty decimal number up to `max`; no sign, no spaces, no locale.
bool parse_uint(const char* s, unsigned long max, unsigned long* ret) {
  if (*s == '\0') return false;
  unsigned long v = 0;
  for (const char* p = s; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + static_cast<unsigned long>(*p - '0');
    if (v > max) return false;
  }
  *ret = v;
  return true;
}

const char* value_of(const char* arg, const char* name) {
  const size_t n = strlen(name);
  if (strncmp(arg, name, n) == 0 && arg[n] == '=') return arg + n + 1;
  return nullptr;
}

int bad_value(pam_handle_t* pamh, const char* arg) {
  pam_syslog(pamh, LOG_ERR, "invalid module option '%s'", arg);
  return PAM_SERVICE_ERR;
}

int set_socket(pam_handle_t* pamh, const char* arg, const char* v, Options* o) {
  const size_t n = strlen(v);
  if (v[0] != '/' || n >= sizeof o->socket_path) return bad_value(pamh, arg);
  memcpy(o->socket_path, v, n + 1);
  return PAM_SUCCESS;
}

int set_timeout(pam_handle_t* pamh, const char* arg, const char* v, Options* o) {
  unsigned long ms = 0;
  if (!parse_uint(v, 1'000'000'000UL, &ms)) return bad_value(pamh, arg);
  const unsigned long lo = client::kMinTimeoutMs;
  const unsigned long hi = client::kMaxTimeoutMs;
  const unsigned long clamped = ms < lo ? lo : (ms > hi ? hi : ms);
  if (clamped != ms) {
    pam_syslog(pamh, LOG_NOTICE, "timeout=%lu clamped to %lu ms", ms, clamped);
  }
  o->timeout_ms = static_cast<int>(clamped);
  return PAM_SUCCESS;
}

int set_failmode(pam_handle_t* pamh, const char* arg, const char* v, Options* o) {
  if (strcmp(v, "closed") == 0) {
    o->failmode = FailMode::kClosed;
  } else if (strcmp(v, "open") == 0) {
    o->failmode = FailMode::kOpen;
  } else {
    return bad_value(pamh, arg);
  }
  return PAM_SUCCESS;
}

int set_daemon_uid(pam_handle_t* pamh, const char* arg, const char* v, Options* o) {
  unsigned long uid = 0;
  // (uid_t)-1 is "no uid" everywhere; refuse it rather than trusting it.
  if (!parse_uint(v, 0xFFFFFFFEUL, &uid)) return bad_value(pamh, arg);
  o->daemon_uid = static_cast<uid_t>(uid);
  return PAM_SUCCESS;
}

int set_prefix(pam_handle_t* pamh, const char* arg, const char* v, Options* o) {
  const size_t n = strlen(v);
  if (n > kMaxPromptPrefix) return bad_value(pamh, arg);
  memcpy(o->prompt_prefix, v, n + 1);
  return PAM_SUCCESS;
}

int set_reminder(pam_handle_t* pamh, const char* arg, const char* v, Options* o) {
  if (strcmp(v, "conversation") == 0) {
    o->reminder = Reminder::kConversation;
  } else if (strcmp(v, "session") == 0) {
    o->reminder = Reminder::kSession;
  } else {
    return bad_value(pamh, arg);
  }
  return PAM_SUCCESS;
}

}  // namespace

int parse_options(pam_handle_t* pamh, int argc, const char** argv, Options* ret) {
  memset(ret, 0, sizeof *ret);
  memcpy(ret->socket_path, client::kDefaultSocketPath, sizeof client::kDefaultSocketPath);
  ret->timeout_ms = client::kDefaultTimeoutMs;
  ret->failmode = FailMode::kClosed;
  ret->daemon_uid = client::kNoUid;
  ret->reminder = Reminder::kConversation;

  for (int i = 0; i < argc; ++i) {
    const char* arg = argv[i];
    if (arg == nullptr) continue;
    const char* v = nullptr;
    int rc = PAM_SUCCESS;
    if (strcmp(arg, "debug") == 0) {
      ret->debug = true;
    } else if ((v = value_of(arg, "socket")) != nullptr) {
      rc = set_socket(pamh, arg, v, ret);
    } else if ((v = value_of(arg, "timeout")) != nullptr) {
      rc = set_timeout(pamh, arg, v, ret);
    } else if ((v = value_of(arg, "failmode")) != nullptr) {
      rc = set_failmode(pamh, arg, v, ret);
    } else if ((v = value_of(arg, "daemon_uid")) != nullptr) {
      rc = set_daemon_uid(pamh, arg, v, ret);
    } else if ((v = value_of(arg, "prompt_prefix")) != nullptr) {
      rc = set_prefix(pamh, arg, v, ret);
    } else if ((v = value_of(arg, "reminder")) != nullptr) {
      rc = set_reminder(pamh, arg, v, ret);
    } else {
      pam_syslog(pamh, LOG_ERR, "unknown module option '%s' (ignored)", arg);
    }
    if (rc != PAM_SUCCESS) return rc;
  }
  return PAM_SUCCESS;
}

}  // namespace mfa::pam
