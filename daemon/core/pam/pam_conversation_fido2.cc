// The local security key in the PAM conversation (issue 7 "local keys"): the picker offers the
// user's fido2 factors as one option; choosing it asks for the key's PIN when fido2 requires
// user verification, then sends a `wait` step ("Touch your security key") whose empty answer
// makes the daemon run get_assertion on the key (fido_device.h) and verify it. A missing key,
// no touch or a wrong PIN uses up one of the conversation's tries, as a wrong code does.
#include <cctype>

#include "daemon/core/base/secret.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/engine.h"
#include "daemon/core/fido/fido_device.h"
#include "daemon/core/pam/pam_conversation.h"

namespace mfa::core {
namespace {

// The module's answer may come this long after the key's own timeout (open, verify, store).
constexpr std::int64_t kWaitMarginMs = 5'000;

AuditContext key_ctx(const PamStart& r) {
  AuditContext ctx;
  ctx.actor = "pam:" + r.origin.service;
  ctx.remote_addr = r.origin.remote_addr;
  return ctx;
}

std::string sentence(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  if (!s.empty() && s.back() != '.') s += '.';
  return s;
}

}  // namespace

PamStep PamConversations::key_start(Conv& c) {
  c.picked_factor.clear();
  c.picked_type.reset();
  if (engine_.local_keys.uv_required() && c.key_pin.empty()) {
    c.state = State::kKeyPin;
    PamStep p;
    p.echo = false;
    p.text = "Security key PIN: ";
    return p;
  }
  c.state = State::kKeyWait;
  PamStep p;
  p.wait = true;
  p.text = "Touch your security key.";
  p.wait_timeout_ms = engine_.local_keys.timeout_ms() + kWaitMarginMs;
  return p;
}

PamStep PamConversations::on_key_pin(Conv& c, const std::string& answer) {
  if (answer.empty() || answer.size() > fido::kMaxPinLen) {
    if (--c.retries_left <= 0) return pam_done("maxtries", "No PIN entered.");
    PamStep p = key_start(c);
    p.messages.emplace_back("error", answer.empty() ? "No PIN entered." : "That PIN is too long.");
    return p;
  }
  c.key_pin = answer;
  return key_start(c);
}

PamStep PamConversations::on_key_wait(Conv& c) {
  SecretBuffer pin = SecretBuffer::from_string(c.key_pin);
  secure_wipe(c.key_pin);  // one PIN per touch: a wrong one is asked for again
  auto v = engine_.local_keys.verify(kSystemApp, c.challenge_id, pin.empty() ? nullptr : &pin,
                                     key_ctx(c.req));
  if (v) return pam_done("success");
  const Error& err = v.error();
  switch (err.code) {
    case Errc::kLockedOut:
      if (err.retry_after_s > 0) {
        return pam_done("deny", "Too many failed attempts. Try again in " +
                                    std::to_string(err.retry_after_s) + " seconds.");
      }
      return pam_done("deny", sentence(err.context));  // the key's own PIN lock
    case Errc::kExpired:
    case Errc::kConflict: return pam_done("deny", "This login took too long; start again.");
    case Errc::kUnavailable:
    case Errc::kPermissionDenied:
    case Errc::kFactorNotAllowed:
    case Errc::kUnauthenticated:
    case Errc::kBadCode:
    case Errc::kNotFound:
    case Errc::kInvalidArgument: break;
    default: return pam_done("deny", "The security key could not be checked: " + err.context);
  }
  const std::string why = sentence(err.context);
  if (--c.retries_left <= 0) return pam_done("maxtries", why);
  if (err.code == Errc::kUnauthenticated) {  // wrong PIN: straight back to the PIN prompt
    PamStep p = key_start(c);
    p.messages.emplace_back("error", why + " Try again.");
    return p;
  }
  // Another factor may be easier now (the key is elsewhere): the picker, or with the key as
  // the only factor, a prompt that retries the key on Enter and takes a backup code.
  PamStep p;
  if (c.options.size() > 1) {
    p = picker(c);
  } else {
    c.state = State::kKeyRetry;
    p.echo = false;
    p.text = c.backup_code_accepted
                 ? "Press Enter to try the security key again, or type a backup code: "
                 : "Press Enter to try the security key again: ";
  }
  p.messages.emplace_back("error", why);
  p.text = why + "\n" + p.text;  // OpenSSH may swallow info messages (bug 2876)
  return p;
}

PamStep PamConversations::on_key_retry(Conv& c, const std::string& answer) {
  if (answer.empty()) return key_start(c);
  c.picked_factor.clear();
  c.picked_type.reset();
  c.state = State::kCode;
  return on_code(c, answer);
}

}  // namespace mfa::core
