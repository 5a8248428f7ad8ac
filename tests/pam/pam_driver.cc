// PAM test driver: runs one PAM operation through libpamtest (under pam_wrapper) with a
// scripted conversation, and checks the return code and the captured messages.
//
//   pam_driver --service S --user U [--op auth|setcred|acct|auth-session] [--answer TEXT]...
//              [--expect PAM_CODE] [--expect-text TEXT]... [--forbid-text TEXT]...
//
// Answers are consumed in order by PROMPT_ECHO_ON/OFF messages; "@CONV_ERR" makes the
// conversation fail, "@NULL" returns no response, "@STDIN" asks the caller: the transcript so
// far is written to stdout followed by a line "@@ANSWER?", and one line read from stdin is the
// answer (so a test can compute it from the prompt, e.g. a TOTP code for an enrolment QR).
// The transcript (one line per message: "prompt-off: ...", "prompt-on: ...", "info: ...",
// "error: ...") and "rc=PAM_..." are printed on stdout. Exit 0 when the code and texts match,
// 1 otherwise, 2 on usage errors.
#include <security/pam_appl.h>
extern "C" {  // libpamtest.h has no C++ guards
#include <libpamtest.h>
}

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Script {
  std::vector<std::string> answers;
  size_t next = 0;
  std::string transcript;
};

struct CodeName {
  int code;
  const char* name;
};
constexpr CodeName kCodes[] = {
    {PAM_SUCCESS, "PAM_SUCCESS"},
    {PAM_AUTH_ERR, "PAM_AUTH_ERR"},
    {PAM_IGNORE, "PAM_IGNORE"},
    {PAM_MAXTRIES, "PAM_MAXTRIES"},
    {PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN"},
    {PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL"},
    {PAM_SERVICE_ERR, "PAM_SERVICE_ERR"},
    {PAM_CONV_ERR, "PAM_CONV_ERR"},
    {PAM_PERM_DENIED, "PAM_PERM_DENIED"},
    {PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR"},
    {PAM_BUF_ERR, "PAM_BUF_ERR"},
    {PAM_CRED_ERR, "PAM_CRED_ERR"},
    {PAM_CRED_UNAVAIL, "PAM_CRED_UNAVAIL"},
    {PAM_ABORT, "PAM_ABORT"},
};

const char* code_name(int code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c.name;
  }
  return "PAM_(unknown)";
}

bool parse_code(const char* s, int* ret) {
  for (const auto& c : kCodes) {
    if (strcmp(c.name, s) == 0) {
      *ret = c.code;
      return true;
    }
  }
  return false;
}

int conv(int num_msg, const struct pam_message** msg, struct pam_response** resp, void* data) {
  auto* script = static_cast<Script*>(data);
  auto* out =
      static_cast<struct pam_response*>(calloc(static_cast<size_t>(num_msg), sizeof **resp));
  if (out == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < num_msg; ++i) {
    const int style = msg[i]->msg_style;
    const char* text = msg[i]->msg;
    if (style == PAM_TEXT_INFO || style == PAM_ERROR_MSG) {
      script->transcript += style == PAM_TEXT_INFO ? "info: " : "error: ";
      script->transcript += text;
      script->transcript += '\n';
      continue;
    }
    script->transcript += style == PAM_PROMPT_ECHO_ON ? "prompt-on: " : "prompt-off: ";
    script->transcript += text;
    script->transcript += '\n';
    if (script->next >= script->answers.size() || script->answers[script->next] == "@CONV_ERR") {
      free(out);
      return PAM_CONV_ERR;
    }
    std::string a = script->answers[script->next++];
    if (a == "@STDIN") {
      fputs(script->transcript.c_str(), stdout);
      script->transcript.clear();
      fputs("@@ANSWER?\n", stdout);
      fflush(stdout);
      a.clear();
      int ch = 0;
      while ((ch = getchar()) != EOF && ch != '\n') a.push_back(static_cast<char>(ch));
      if (ch == EOF && a.empty()) {
        free(out);
        return PAM_CONV_ERR;
      }
    }
    if (a == "@NULL") {
      free(out);
      *resp = nullptr;
      return PAM_SUCCESS;
    }
    out[i].resp = strdup(a.c_str());
  }
  *resp = out;
  return PAM_SUCCESS;
}

int usage() {
  fprintf(stderr,
          "usage: pam_driver --service S --user U [--op auth|setcred|acct|auth-session] [--answer "
          "A]... "
          "[--expect PAM_CODE] [--expect-text T]... [--forbid-text T]...\n");
  return 2;
}

bool check_texts(const Script& script, const std::vector<std::string>& want,
                 const std::vector<std::string>& forbid) {
  bool ok = true;
  for (const auto& t : want) {
    if (script.transcript.find(t) == std::string::npos) {
      printf("MISSING TEXT: %s\n", t.c_str());
      ok = false;
    }
  }
  for (const auto& t : forbid) {
    if (script.transcript.find(t) != std::string::npos) {
      printf("FORBIDDEN TEXT: %s\n", t.c_str());
      ok = false;
    }
  }
  return ok;
}

void note_env(pam_handle_t* pamh, Script* script, const char* when) {
  const char* v = pam_getenv(pamh, "PAM_MFA_REMINDER");
  script->transcript += "== env after ";
  script->transcript += when;
  script->transcript += v == nullptr ? ": unset" : ": set";
  script->transcript += '\n';
}

// --op auth-session: one handle through pam_authenticate (expect), then pam_open_session and
// pam_close_session, recording in the transcript where each phase starts ("== open_session")
// and whether PAM_MFA_REMINDER is set after each phase. libpamtest's runner cannot mark the
// phases, so libpam is called directly (pam_wrapper still supplies the service directory).
int run_session(const char* service, const char* user, int expect, Script* script,
                const std::vector<std::string>& want, const std::vector<std::string>& forbid) {
  const struct pam_conv pc = {conv, script};
  pam_handle_t* pamh = nullptr;
  if (pam_start(service, user, &pc, &pamh) != PAM_SUCCESS) {
    printf("pam_start failed\n");
    return 1;
  }
  script->transcript += "== authenticate\n";
  const int arc = pam_authenticate(pamh, 0);
  note_env(pamh, script, "authenticate");
  script->transcript += "== open_session\n";
  const int orc = pam_open_session(pamh, 0);
  note_env(pamh, script, "open_session");
  script->transcript += "== close_session\n";
  const int crc = pam_close_session(pamh, 0);
  pam_end(pamh, arc);
  script->transcript +=
      std::string("session_rc=") + code_name(orc) + "\nclose_rc=" + code_name(crc) + "\n";
  fputs(script->transcript.c_str(), stdout);
  printf("rc=%s\n", code_name(arc));
  bool ok = check_texts(*script, want, forbid);
  if (arc != expect) {
    printf("MISMATCH: expected %s\n", code_name(expect));
    ok = false;
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* service = nullptr;
  const char* user = nullptr;
  pamtest_ops op = PAMTEST_AUTHENTICATE;
  bool session = false;
  int expect = PAM_SUCCESS;
  Script script;
  std::vector<std::string> want, forbid;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    if (a == "--service") {
      service = v;
    } else if (a == "--user") {
      user = v;
    } else if (a == "--answer") {
      script.answers.emplace_back(v);
    } else if (a == "--expect") {
      if (!parse_code(v, &expect)) return usage();
    } else if (a == "--expect-text") {
      want.emplace_back(v);
    } else if (a == "--forbid-text") {
      forbid.emplace_back(v);
    } else if (a == "--op") {
      const std::string o = v;
      if (o == "auth") {
        op = PAMTEST_AUTHENTICATE;
      } else if (o == "setcred") {
        op = PAMTEST_SETCRED;
      } else if (o == "acct") {
        op = PAMTEST_ACCOUNT;
      } else if (o == "auth-session") {
        session = true;
      } else {
        return usage();
      }
    } else {
      return usage();
    }
  }
  if (service == nullptr || user == nullptr) return usage();
  if (session) return run_session(service, user, expect, &script, want, forbid);

  struct pam_testcase tests[] = {pam_test(op, expect)};
  const enum pamtest_err perr = _pamtest_conv(service, user, conv, &script, tests, 1, nullptr);
  fputs(script.transcript.c_str(), stdout);
  printf("rc=%s\n", code_name(tests[0].op_rv));
  bool ok = true;
  if (perr != PAMTEST_ERR_OK) {
    if (perr != PAMTEST_ERR_CASE) printf("pamtest error: %s\n", pamtest_strerror(perr));
    printf("MISMATCH: expected %s\n", code_name(expect));
    ok = false;
  }
  if (!check_texts(script, want, forbid)) ok = false;
  return ok ? 0 : 1;
}
