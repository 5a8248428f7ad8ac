// Failure mapping (DESIGN.md section 3, docs/pam-protocol.md):
// - transport failure, non-2xx/4xx status, garbage: PAM_AUTHINFO_UNAVAIL (fail closed).
// - failmode=open turns that into PAM_IGNORE + LOG_WARNING only when the daemon is
//   demonstrably gone (client::mfa_client_daemon_gone: no socket node, or connect refused by a
//   node nobody listens on) and before it produced any valid answer. A live daemon that says
//   no -- 503 "too many connections", a full backlog, a timeout once connected, garbage -- is
//   never an open door: otherwise whoever can make the daemon busy (issue 10: TCP peers filling
//   its connection budget) logs in with a wrong code. Same reasoning as duo_unix, whose
//   failmode applies to "service unreachable" at preauth only (1.10.4), and as pam_u2f's
//   CVE-2025-23013: a PAM_IGNORE on an error path is a bypass.
// - HTTP 4xx: the daemon refused (unknown conversation, not allowed): PAM_AUTH_ERR.
// - everything unexpected: PAM_AUTH_ERR. Never PAM_IGNORE on an error path (CVE-2025-23013).
#include "pam_module/conversation.h"

#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <memory>

#include "client/client.h"
#include "client/json.h"
#include "pam_module/pam_io.h"
#include "pam_module/reminder.h"
#include "pam_module/sanitize.h"
#include "pam_module/socket_trust.h"

namespace mfa::pam {
namespace {

using client::JsonDoc;

constexpr int kNext = -1;  // not a PAM code: keep going
constexpr size_t kMaxBody = 8 * 1024;
constexpr size_t kMaxWord = 32;  // step type, result, style

// Everything large lives here, on the heap, wiped before free (it held an answer).
struct Session {
  client::Response resp;
  JsonDoc doc;
  char body[kMaxBody];
  char path[64 + kMaxIdLen];
  char id[kMaxIdLen + 1];
  char text[kMaxTextLen + 1];
  char shown[kMaxPromptPrefix + 1 + kMaxTextLen + 1];
};

struct Ctx {
  pam_handle_t* pamh;
  int flags;
  const Options& opt;
  const Items& items;
  Session* s;
  bool daemon_answered;  // a valid 2xx JSON answer was received: failmode no longer applies
  int requests;          // requests sent so far, bounded by kMaxSteps
};

// Shown when the module fails closed for want of the daemon: without it the user sees only
// "Permission denied" and cannot tell a wrong code from a service that is down.
constexpr char kUnavailableText[] =
    "The MFA service is unavailable; try again or contact your administrator.";

// `gone`: the daemon is demonstrably not running (see the file comment); nothing else may
// take the failmode=open path. Called once per conversation: it returns the final code, so
// the cause is logged (and the user told) once.
int unavailable(Ctx& c, const char* why, bool gone = false) {
  if (c.opt.failmode == FailMode::kOpen && gone && !c.daemon_answered) {
    pam_syslog(c.pamh, LOG_WARNING,
               "mfad unavailable (%s) for user '%s' service '%s': failmode=open, PAM_IGNORE", why,
               c.items.user, c.items.service);
    return PAM_IGNORE;
  }
  pam_syslog(c.pamh, LOG_ERR, "mfad unavailable (%s) for user '%s' service '%s'%s", why,
             c.items.user, c.items.service,
             c.opt.failmode == FailMode::kOpen ? " (failmode=open: the daemon is running)" : "");
  // An error message, so shown under PAM_SILENT too (as a done step's deny); an application
  // whose conversation cannot show it changes nothing: the code stays PAM_AUTHINFO_UNAVAIL.
  if (show_message(c.pamh, PAM_ERROR_MSG, kUnavailableText) != PAM_SUCCESS && c.opt.debug) {
    pam_syslog(c.pamh, LOG_DEBUG, "could not display a message");
  }
  return PAM_AUTHINFO_UNAVAIL;
}

bool get_string(Ctx& c, int obj, const char* key, char* out, size_t cap) {
  const int t = client::mfa_json_find(c.s->doc, obj, key);
  return client::mfa_json_string(c.s->doc, t, out, cap, nullptr);
}

void log_refusal(Ctx& c) {
  const client::Response& r = c.s->resp;
  char code[kMaxWord + 1] = "?";
  char safe[kMaxWord + 1];
  if (client::mfa_json_parse(&c.s->doc, client::mfa_client_body(r), r.body_len)) {
    const int err = client::mfa_json_find(c.s->doc, 0, "error");
    if (!get_string(c, err, "code", code, sizeof code)) strcpy(code, "?");
  }
  sanitize_text(code, safe, sizeof safe);
  pam_syslog(c.pamh, LOG_ERR, "mfad refused the request for user '%s': HTTP %d '%s'", c.items.user,
             r.status, safe);
}

// Sends s->body to `path`; wipes the body; parses a 2xx answer into s->doc. `timeout_ms`
// 0 = the stack's timeout= (a `wait` step asks for longer).
int post(Ctx& c, const char* path, size_t body_len, int timeout_ms = 0) {
  // daemon_uid= wins; without it, the owner of a root-placed socket directory (/run/mfad made
  // by systemd for User=_mfad) is trusted besides root: socket_trust.h says why that is safe.
  const uid_t daemon_uid = c.opt.daemon_uid != client::kNoUid
                               ? c.opt.daemon_uid
                               : socket_directory_owner(c.opt.socket_path);
  const client::Config cfg = {c.opt.socket_path, timeout_ms > 0 ? timeout_ms : c.opt.timeout_ms,
                              daemon_uid};
  ++c.requests;
  const client::Error e =
      client::mfa_client_request(cfg, "POST", path, c.s->body, body_len, &c.s->resp);
  explicit_bzero(c.s->body, sizeof c.s->body);
  if (e != client::Error::kOk) {
    return unavailable(c, client::mfa_client_strerror(e), client::mfa_client_daemon_gone(e));
  }
  const int status = c.s->resp.status;
  if (status >= 400 && status < 500) {
    log_refusal(c);
    return PAM_AUTH_ERR;
  }
  if (status < 200 || status >= 300) {  // 503 "too many connections", 500: alive, so closed
    char why[32];
    snprintf(why, sizeof why, "HTTP %d", status);
    return unavailable(c, why);
  }
  if (!client::mfa_json_parse(&c.s->doc, client::mfa_client_body(c.s->resp), c.s->resp.body_len)) {
    return unavailable(c, "malformed JSON answer");
  }
  return kNext;
}

// Sanitises and shows one line; PAM_SILENT suppresses informational text (pam_authenticate(3)).
void display(Ctx& c, int style, const char* text) {
  if ((c.flags & PAM_SILENT) != 0 && style == PAM_TEXT_INFO) return;
  sanitize_text(text, c.s->shown, sizeof c.s->shown);
  if (c.s->shown[0] == '\0') return;
  // Messages are informative only; the verdict comes from `done`, so a conversation that
  // cannot display text does not change the outcome.
  if (show_message(c.pamh, style, c.s->shown) != PAM_SUCCESS && c.opt.debug) {
    pam_syslog(c.pamh, LOG_DEBUG, "could not display a message");
  }
}

// reminder=session: the text is shown by pam_sm_open_session instead (pam_module/reminder.h).
// sshd appends the info text of a keyboard-interactive conversation that ends in success to its
// `loginmsg` buffer (OpenSSH 9.2 auth-pam.c, sshpam_query, case PAM_SUCCESS), sends that buffer
// as a userauth banner (auth2.c, userauth_finish) without clearing it, and a pty session prints
// it again (session.c, do_login -> display_loginmsg): twice. The session's messages reach
// `loginmsg` only after the banner was sent (sshd.c main: do_pam_session after authentication,
// auth-pam.c sshpam_store_conv), so they are printed once, by a pty session only.
void defer(Ctx& c, const char* text) {
  if ((c.flags & PAM_SILENT) != 0) return;
  const int rc = defer_reminder(c.pamh, text);
  if (rc != PAM_SUCCESS) {  // informative only: the verdict stays the daemon's
    pam_syslog(c.pamh, LOG_WARNING, "could not keep the reminder for the session: %s",
               pam_strerror(c.pamh, rc));
  }
}

int show_messages(Ctx& c) {
  const JsonDoc& doc = c.s->doc;
  const int arr = client::mfa_json_find(doc, 0, "messages");
  if (arr < 0) return kNext;
  if (!client::mfa_json_is(doc, arr, JSMN_ARRAY) || doc.tok[arr].size > kMaxMessages) {
    return unavailable(c, "malformed messages");
  }
  int i = arr + 1;
  for (int k = 0; k < doc.tok[arr].size; ++k, i = client::mfa_json_skip(doc, i)) {
    char style[kMaxWord + 1];
    if (!get_string(c, i, "style", style, sizeof style) ||
        !get_string(c, i, "text", c.s->text, sizeof c.s->text)) {
      return unavailable(c, "malformed message");
    }
    display(c, strcmp(style, "error") == 0 ? PAM_ERROR_MSG : PAM_TEXT_INFO, c.s->text);
  }
  return kNext;
}

bool valid_id(const char* id) {
  if (id[0] == '\0') return false;
  for (const char* p = id; *p != '\0'; ++p) {
    const char ch = *p;
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

int do_done(Ctx& c, int step) {
  char result[kMaxWord + 1];
  if (!get_string(c, step, "result", result, sizeof result)) return unavailable(c, "bad done");
  const int rc = map_result(result);
  if (client::mfa_json_find(c.s->doc, step, "message") >= 0) {
    if (!get_string(c, step, "message", c.s->text, sizeof c.s->text)) {
      return unavailable(c, "bad done message");
    }
    const bool good = rc == PAM_SUCCESS || rc == PAM_IGNORE;
    if (good && c.opt.reminder == Reminder::kSession) {
      defer(c, c.s->text);
    } else {
      display(c, good ? PAM_TEXT_INFO : PAM_ERROR_MSG, c.s->text);
    }
  }
  if (c.opt.debug) {
    char safe[kMaxWord + 1];
    sanitize_text(result, safe, sizeof safe);
    pam_syslog(c.pamh, LOG_DEBUG, "user '%s': result '%s' -> %s", c.items.user, safe,
               pam_strerror(c.pamh, rc));
  }
  return rc;
}

int do_prompt(Ctx& c, int step) {
  bool echo = false;
  if (!client::mfa_json_bool(c.s->doc, client::mfa_json_find(c.s->doc, step, "echo"), &echo) ||
      !get_string(c, step, "text", c.s->text, sizeof c.s->text) || !valid_id(c.s->id)) {
    return unavailable(c, "bad prompt step");
  }
  if (c.requests >= kMaxSteps) {  // a daemon that never finishes must not loop us forever
    pam_syslog(c.pamh, LOG_ERR, "conversation for user '%s' exceeded %d steps", c.items.user,
               kMaxSteps);
    return PAM_AUTH_ERR;
  }
  // PAM arguments cannot end in a space, so the separator after the prefix is ours to add.
  size_t plen = strlen(c.opt.prompt_prefix);
  memcpy(c.s->shown, c.opt.prompt_prefix, plen);
  if (plen > 0 && c.opt.prompt_prefix[plen - 1] != ' ') c.s->shown[plen++] = ' ';
  sanitize_text(c.s->text, c.s->shown + plen, sizeof c.s->shown - plen);
  char* answer = nullptr;
  const int rc = ask(c.pamh, echo, c.s->shown, &answer);
  if (rc != PAM_SUCCESS) {
    pam_syslog(c.pamh, LOG_ERR, "conversation failed for user '%s': %s", c.items.user,
               pam_strerror(c.pamh, rc));
    return PAM_CONV_ERR;
  }
  client::JsonWriter w;
  client::mfa_json_writer_init(&w, c.s->body, sizeof c.s->body);
  client::mfa_json_put_raw(&w, "{\"answer\":");
  client::mfa_json_put_string(&w, answer);
  client::mfa_json_put_raw(&w, "}");
  free_answer(answer);  // wiped right after use (docs/pam-protocol.md "Answer")
  if (w.overflow) {
    explicit_bzero(c.s->body, sizeof c.s->body);
    return PAM_AUTH_ERR;
  }
  snprintf(c.s->path, sizeof c.s->path, "/v1/pam/conversations/%s", c.s->id);
  return post(c, c.s->path, w.len);
}

// A non-negative JSON integer token (no sign, no fraction), at most `max`.
bool json_ms(const JsonDoc& doc, int i, int max, int* out) {
  if (i < 0 || !client::mfa_json_is(doc, i, JSMN_PRIMITIVE)) return false;
  const jsmntok_t& t = doc.tok[i];
  if (t.end <= t.start || t.end - t.start > 9) return false;
  long v = 0;
  for (int k = t.start; k < t.end; ++k) {
    const char ch = doc.js[k];
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  *out = v > max ? max : static_cast<int>(v);
  return true;
}

// `wait` (docs/pam-protocol.md): shows the text, answers "" at once and gives the daemon up to
// timeout_ms (clamped to the stack's timeout= .. client::kMaxTimeoutMs) to come back, e.g.
// while it waits for a security key to be touched.
int do_wait(Ctx& c, int step) {
  if (!get_string(c, step, "text", c.s->text, sizeof c.s->text) || !valid_id(c.s->id)) {
    return unavailable(c, "bad wait step");
  }
  int timeout = c.opt.timeout_ms;
  const int t = client::mfa_json_find(c.s->doc, step, "timeout_ms");
  if (t >= 0) {
    int asked = 0;
    if (!json_ms(c.s->doc, t, client::kMaxTimeoutMs, &asked)) {
      return unavailable(c, "bad wait timeout");
    }
    if (asked > timeout) timeout = asked;
  }
  if (c.requests >= kMaxSteps) {
    pam_syslog(c.pamh, LOG_ERR, "conversation for user '%s' exceeded %d steps", c.items.user,
               kMaxSteps);
    return PAM_AUTH_ERR;
  }
  // The user has to act on this text, so it is shown even under PAM_SILENT.
  sanitize_text(c.s->text, c.s->shown, sizeof c.s->shown);
  if (c.s->shown[0] != '\0' && show_message(c.pamh, PAM_TEXT_INFO, c.s->shown) != PAM_SUCCESS &&
      c.opt.debug) {
    pam_syslog(c.pamh, LOG_DEBUG, "could not display a message");
  }
  client::JsonWriter w;
  client::mfa_json_writer_init(&w, c.s->body, sizeof c.s->body);
  client::mfa_json_put_raw(&w, "{\"answer\":\"\"}");
  snprintf(c.s->path, sizeof c.s->path, "/v1/pam/conversations/%s", c.s->id);
  return post(c, c.s->path, w.len, timeout);
}

// One 2xx answer: messages, then the step. Returns a PAM code, or kNext after a new answer.
int handle_answer(Ctx& c) {
  c.daemon_answered = true;
  const int id_tok = client::mfa_json_find(c.s->doc, 0, "id");
  if (id_tok >= 0 && c.s->id[0] == '\0' &&
      !client::mfa_json_string(c.s->doc, id_tok, c.s->id, sizeof c.s->id, nullptr)) {
    return unavailable(c, "bad conversation id");
  }
  if (int rc = show_messages(c); rc != kNext) return rc;
  const int step = client::mfa_json_find(c.s->doc, 0, "step");
  char type[kMaxWord + 1];
  if (!get_string(c, step, "type", type, sizeof type)) return unavailable(c, "missing step");
  if (strcmp(type, "done") == 0) return do_done(c, step);
  if (strcmp(type, "prompt") == 0) return do_prompt(c, step);
  if (strcmp(type, "wait") == 0) return do_wait(c, step);
  return unavailable(c, "unknown step type");
}

size_t build_start(Session* s, const Items& it) {
  client::JsonWriter w;
  client::mfa_json_writer_init(&w, s->body, sizeof s->body);
  client::mfa_json_put_raw(&w, "{\"service\":");
  client::mfa_json_put_string(&w, it.service);
  client::mfa_json_put_raw(&w, ",\"user\":");
  client::mfa_json_put_string(&w, it.user);
  client::mfa_json_put_raw(&w, ",\"rhost\":");
  client::mfa_json_put_string(&w, it.rhost);
  client::mfa_json_put_raw(&w, ",\"tty\":");
  client::mfa_json_put_string(&w, it.tty);
  client::mfa_json_put_raw(&w, ",\"ruser\":");
  client::mfa_json_put_string(&w, it.ruser);
  client::mfa_json_put_raw(&w, "}");
  return w.overflow ? 0 : w.len;
}

struct SessionFree {
  void operator()(Session* s) const {
    explicit_bzero(s, sizeof *s);
    free(s);
  }
};

}  // namespace

int map_result(const char* result) {
  if (strcmp(result, "success") == 0) return PAM_SUCCESS;
  if (strcmp(result, "ignore") == 0) return PAM_IGNORE;
  if (strcmp(result, "maxtries") == 0) return PAM_MAXTRIES;
  if (strcmp(result, "user_unknown") == 0) return PAM_USER_UNKNOWN;
  return PAM_AUTH_ERR;  // "deny" and anything we do not know: fail closed
}

int run_conversation(pam_handle_t* pamh, int flags, const Options& opt, const Items& items) {
  if (strlen(items.user) > kMaxUserLen) return PAM_USER_UNKNOWN;
  if (strlen(items.service) > kMaxServiceLen || strlen(items.rhost) > kMaxRhostLen ||
      strlen(items.tty) > kMaxRhostLen || strlen(items.ruser) > kMaxRuserLen) {
    pam_syslog(pamh, LOG_ERR, "PAM item too long for user '%s'", items.user);
    return PAM_AUTH_ERR;
  }
  const std::unique_ptr<Session, SessionFree> session(
      static_cast<Session*>(calloc(1, sizeof(Session))));
  if (!session) return PAM_BUF_ERR;  // MWG "Sufficient resources": fail, never pass
  Session* raw = session.get();
  Ctx c{pamh, flags, opt, items, raw, false, 0};
  if (opt.reminder == Reminder::kSession) clear_reminder(pamh);  // from an earlier attempt

  if (opt.debug) {
    pam_syslog(pamh, LOG_DEBUG, "starting MFA conversation for user '%s' service '%s' via %s",
               items.user, items.service, opt.socket_path);
  }
  const size_t len = build_start(raw, items);
  if (len == 0) return PAM_AUTH_ERR;
  int rc = post(c, "/v1/pam/conversations", len);
  while (rc == kNext) rc = handle_answer(c);  // terminates: do_prompt bounds the requests
  return rc;
}

}  // namespace mfa::pam
