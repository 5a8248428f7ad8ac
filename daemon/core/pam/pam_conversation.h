// The daemon-driven PAM conversation (docs/pam-protocol.md). pam_mfa.so relays one step at a
// time; every decision is made here, on top of the engine: policy, factor picker, code
// prompts with retries, in-band enrolment (QR code, first code, backup codes), lockout.
// State lives in memory for at most limits::kPamConversationTtlS; nothing secret is kept in
// it beyond an enrolment's key (to show its QR code again) and the backup codes waiting to be
// shown once. The table is bounded globally, per PAM
// user and per non-admin caller uid (issue 10 finding 2, limits.h).
// Core code (issue 11): the daemon's HTTP glue (daemon/src/routes/routes_pam.cc) hands it the
// caller it read from the socket's peer credentials and the QR renderer (libqrencode lives in src).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/base/login_origin.h"
#include "daemon/core/base/result.h"
#include "daemon/core/store/store_enums.h"

namespace mfa::core {

class Engine;

// Who runs the PAM stack, as the daemon decided from the socket's peer credentials: an admin
// (uid 0 or group mfa-admin: sshd, sudo, su) may authenticate any account; anyone else (a
// screen locker running as the user) only its own.
struct PamCaller {
  uid_t uid = static_cast<uid_t>(-1);
  bool admin = false;
};

// The QR code of an otpauth:// URI as terminal text, without ANSI escapes (the module strips
// control characters). Injected: the renderer (libqrencode) is the daemon's.
using QrText = std::function<Result<std::string>(std::string_view otpauth_uri)>;

struct PamStart {
  std::string user;
  LoginOrigin origin;  // PAM_SERVICE, PAM_RHOST, PAM_TTY
  std::string ruser;
};

struct PamStep {
  std::vector<std::pair<std::string, std::string>> messages;  // (style info|error, text)
  bool done = false;
  // prompt (or, with `wait`, a `wait` step: `text` is shown and the module answers "" at once,
  // then waits up to wait_timeout_ms for the daemon: "touch your security key")
  bool echo = false;
  std::string text;
  bool wait = false;
  std::int64_t wait_timeout_ms = 0;
  // done
  std::string result;  // success | ignore | deny | maxtries | user_unknown
  std::string message;
};

class PamConversations {
 public:
  PamConversations(Engine& engine, QrText qr) : engine_(engine), qr_(std::move(qr)) {}

  // Returns the conversation id and its first step. kPermissionDenied when a non-admin asks
  // for another uid's account; kRateLimited when too many conversations are open (in all, for this
  // user, or for this non-admin caller).
  Result<std::pair<std::string, PamStep>> start(const PamStart& req, const PamCaller& caller);
  Result<PamStep> answer(const std::string& id, std::string answer, const PamCaller& caller);

 private:
  // kStarting: a slot reserved while start() runs decide(), so that concurrent starts cannot
  // pass the caps together; answer() does not see it.
  enum class State {
    kStarting,
    kPick,
    kCode,
    kEnrollCode,
    kShowBackupCodes,
    kKeyPin,
    kKeyWait,
    kKeyRetry
  };
  struct Option {
    std::string factor_id;  // empty = any factor
    std::string label;
    FactorType type = FactorType::kTotp;  // fido2: every local key of the user
    std::string hint;                     // sms/email: obfuscated destination
  };
  struct Conv {
    uid_t owner = 0;
    PamStart req;
    State state = State::kCode;
    std::string challenge_id;
    std::vector<Option> options;
    std::string picked_factor;
    std::optional<FactorType> picked_type;  // sms/email: the code was delivered; `r` resends
    std::string picked_hint;
    std::string enroll_factor_id;
    std::string enroll_prompt;  // the QR code and key: shown again on `q`, wiped at the end
    int enroll_digits = 6;
    std::vector<std::string> backup_codes;
    std::string key_pin;  // fido2 with UV: held from the PIN prompt to the touch, then wiped
    int retries_left = 3;
    // The login's policy allows backup codes here (a `tty:` rule may not): prompts offer one
    // only then, since verification refuses it otherwise.
    bool backup_code_accepted = true;
    std::int64_t expires_at_s = 0;
  };

  // Resolves c.req.user to its account's canonical name, once, at the start (issue 10
  // finding 3): from then on policy, factors, lockout, grace, enrolment and audit are the
  // account's. A done step when the login ends here (unknown user, refused alias, directory
  // down); kPermissionDenied when a non-admin names another uid's account.
  Result<std::optional<PamStep>> resolve_user(Conv& c, const PamCaller& caller);
  PamStep decide(Conv& c);
  PamStep code_prompt(const Conv& c) const;
  PamStep on_code(Conv& c, const std::string& answer);
  PamStep on_pick(Conv& c, const std::string& answer);
  PamStep picker(Conv& c) const;
  // Picks option `i`; for sms/email sends the code first (or tells why it could not).
  PamStep choose(Conv& c, std::size_t i);
  PamStep deliver(Conv& c, bool resend);
  PamStep begin_enrollment(Conv& c);
  PamStep on_enroll_code(Conv& c, const std::string& answer);
  PamStep backup_codes_prompt(const Conv& c) const;
  // Local security key (pam_conversation_fido2.cc): PIN prompt when UV is required, then a
  // `wait` step; the answer to it runs the assertion on the key.
  PamStep key_start(Conv& c);
  PamStep on_key_pin(Conv& c, const std::string& answer);
  PamStep on_key_wait(Conv& c);
  PamStep on_key_retry(Conv& c, const std::string& answer);
  // The helpers below run with mu_ held.
  void purge_expired(std::int64_t now);
  // Drops a conversation, wiping what it holds; returns the next one.
  std::map<std::string, Conv>::iterator drop(std::map<std::string, Conv>::iterator it);
  // A non-admin caller's conversations for the same (user, service, tty) are abandoned ones
  // (a screen locker that gave up and starts again): they are dropped. Returns their
  // challenges, for the caller to cancel once mu_ is released.
  std::vector<std::string> drop_replaced(uid_t owner, const PamStart& req);
  // kRateLimited when `req` from `caller` would exceed a cap (limits.h).
  Status check_caps(const PamStart& req, const PamCaller& caller, std::int64_t now) const;

  Engine& engine_;
  QrText qr_;
  std::mutex mu_;  // guards convs_ only; engine calls run without it
  std::map<std::string, Conv> convs_;
};

PamStep pam_done(std::string result, std::string message = {});

}  // namespace mfa::core
