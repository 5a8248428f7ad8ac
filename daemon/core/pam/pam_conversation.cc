#include "daemon/core/pam/pam_conversation.h"

#include <iterator>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/display_text.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base32.h"
#include "daemon/core/engine.h"
#include "daemon/core/otp/backup_codes.h"
#include "daemon/core/policy/remote_address.h"
#include "daemon/core/store/store.h"

namespace mfa::core {
namespace {

// Retries inside one conversation; the persistent lockout counts across conversations.
constexpr int kPamTries = 3;

AuditContext pam_ctx(const PamStart& r) {
  AuditContext ctx;
  ctx.actor = "pam:" + r.origin.service;
  ctx.remote_addr = r.origin.remote_addr;
  return ctx;
}

std::string days_from_now(std::int64_t seconds) {
  const std::int64_t days = (seconds + 86399) / 86400;
  if (seconds < 86400) return "in " + std::to_string((seconds + 3599) / 3600) + " hours";
  return "in " + std::to_string(days) + (days == 1 ? " day" : " days");
}

// What the application set with pam_set_item is the caller's text, and the caller may be any
// local user: the rhost gets its one spelling (it keys the address lockout), the rest must be
// text a terminal shows as text.
Status check_pam_items(PamStart& r) {
  auto rhost = canonical_rhost(r.origin.remote_addr);
  if (!rhost) return fail(rhost.error());
  r.origin.remote_addr = std::move(*rhost);
  MFA_TRY(check_display_text(r.origin.service, "service"));
  MFA_TRY(check_display_text(r.origin.tty, "tty"));
  return check_display_text(r.ruser, "ruser");
}

PamStep locked_step(const Error& e) {
  return pam_done("deny", "Too many failed attempts. Try again in " +
                              std::to_string(e.retry_after_s) + " seconds.");
}

}  // namespace

PamStep pam_done(std::string result, std::string message) {
  PamStep s;
  s.done = true;
  s.result = std::move(result);
  s.message = std::move(message);
  return s;
}

Result<std::pair<std::string, PamStep>> PamConversations::start(const PamStart& req,
                                                                const PamCaller& caller) {
  if (req.user.empty() || req.user.size() > limits::kMaxUserNameLen ||
      req.origin.service.size() > limits::kMaxServiceNameLen ||
      req.origin.remote_addr.size() > limits::kMaxRhostLen ||
      req.origin.tty.size() > limits::kMaxRhostLen || req.ruser.size() > limits::kMaxUserNameLen) {
    return fail(Errc::kInvalidArgument, "user, service, rhost, tty or ruser missing or too long");
  }
  Conv c;
  c.owner = caller.uid;
  c.req = req;
  MFA_TRY(check_pam_items(c.req));
  auto id = engine_.deps().random->id("pc_");
  if (!id) return fail(id.error());
  auto ended = resolve_user(c, caller);
  if (!ended) return fail(ended.error());
  if (*ended) return std::make_pair(*id, std::move(**ended));
  const std::int64_t now = engine_.deps().clock->now_s();
  c.expires_at_s = now + limits::kPamConversationTtlS;
  std::vector<std::string> replaced;
  {
    std::lock_guard lock(mu_);
    purge_expired(now);
    if (!caller.admin) replaced = drop_replaced(caller.uid, c.req);
    MFA_TRY(check_caps(c.req, caller, now));
    Conv slot;
    slot.state = State::kStarting;
    slot.owner = c.owner;
    slot.req = c.req;
    slot.expires_at_s = c.expires_at_s;
    convs_.emplace(*id, std::move(slot));
  }
  // A replaced conversation's login will never be answered: its challenge is cancelled so it
  // does not count against kMaxPendingChallengesPerUser until it expires.
  for (const auto& ch : replaced) (void)engine_.challenges.cancel(kSystemApp, ch, pam_ctx(req));
  PamStep first = decide(c);
  std::lock_guard lock(mu_);
  auto slot = convs_.find(*id);
  if (first.done) {
    if (slot != convs_.end()) drop(slot);
    return std::make_pair(*id, std::move(first));
  }
  if (c.state == State::kEnrollCode) {
    // An older enrolment conversation of this user is one the user gave up on (or whose
    // pending factor begin_totp() replaced): it gives up its slot now. Every start for an
    // account without a factor is thus one conversation, not one more.
    for (auto it = convs_.begin(); it != convs_.end();) {
      const bool stale = it->first != *id && it->second.state == State::kEnrollCode &&
                         it->second.req.user == c.req.user;
      it = stale ? drop(it) : std::next(it);
    }
  }
  if (slot != convs_.end()) {
    slot->second = std::move(c);
  } else {
    convs_.emplace(*id, std::move(c));
  }
  return std::make_pair(*id, std::move(first));
}

PamStep PamConversations::decide(Conv& c) {
  Engine& e = engine_;
  LoginRequest lr;
  lr.app = kSystemApp;
  lr.user = c.req.user;
  lr.first_factor = "pam";
  lr.origin = c.req.origin;
  lr.max_attempts = kPamTries;
  auto r = e.logins.login(lr);
  if (!r) {
    if (r.error().code == Errc::kLockedOut) return locked_step(r.error());
    return pam_done("deny", "Multi-factor authentication is unavailable: " + r.error().context);
  }
  switch (r->decision) {
    case LoginDecision::kAllow: return pam_done("ignore");
    case LoginDecision::kDeny: return pam_done("deny", "This account is disabled.");
    case LoginDecision::kEnrollRequired: {
      const std::int64_t left = r->grace_deadline_s.value_or(0) - engine_.deps().clock->now_s();
      if (r->can_defer) {
        return pam_done("ignore", "MFA will be required for this account " + days_from_now(left) +
                                      " — run `mfactl enroll totp` to set it up.");
      }
      if (r->enroll_at_login) return begin_enrollment(c);
      return pam_done("deny",
                      "MFA is required for this account and no factor is enrolled. Ask an "
                      "administrator, or run `mfactl enroll totp` from a session that allows it.");
    }
    case LoginDecision::kMfaRequired: break;
  }
  c.challenge_id = r->challenge_id;
  c.retries_left = kPamTries;
  c.backup_code_accepted = factor_allowed(r->evaluation.settings.factors, "backup_code");
  bool key_offered = false;
  for (const auto& f : r->factors) {
    // A browser passkey cannot answer a terminal prompt; a key plugged into this host can.
    if (f.type == FactorType::kWebauthn) continue;
    if (f.type == FactorType::kFido2) {
      // One option for all of the user's local keys: the key that is plugged in answers.
      if (key_offered || !engine_.local_keys.enabled()) continue;
      key_offered = true;
      c.options.push_back(Option{{}, "Security key '" + f.label + "'", FactorType::kFido2, {}});
      continue;
    }
    std::string label = "Authenticator app '" + f.label + "'";
    if (f.type == FactorType::kSms) label = "Text message to " + f.destination_short;
    if (f.type == FactorType::kEmail) label = "Email to " + f.destination_short;
    c.options.push_back(Option{f.id, label, f.type, f.destination_short});
  }
  if (c.options.size() > 1) return picker(c);
  if (c.options.empty()) {
    c.state = State::kCode;
    return code_prompt(c);
  }
  return choose(c, 0);
}

PamStep PamConversations::picker(Conv& c) const {
  c.state = State::kPick;
  PamStep p;
  p.echo = true;
  p.text = "Choose a factor:\n";
  for (std::size_t i = 0; i < c.options.size(); ++i) {
    p.text += "  " + std::to_string(i + 1) + ") " + c.options[i].label + "\n";
  }
  // Most recently used first (LoginService sorts): it is the default.
  p.text += c.backup_code_accepted ? "A backup code is also accepted. Number or code [1]: "
                                   : "Number or code [1]: ";
  return p;
}

PamStep PamConversations::choose(Conv& c, std::size_t i) {
  const Option& o = c.options[i];
  c.picked_factor = o.factor_id;
  c.picked_type = is_delivery_type(o.type) ? std::optional<FactorType>(o.type) : std::nullopt;
  c.picked_hint = o.hint;
  c.state = State::kCode;
  if (o.type == FactorType::kFido2) return key_start(c);
  if (!c.picked_type) return code_prompt(c);
  return deliver(c, false);
}

PamStep PamConversations::deliver(Conv& c, bool resend) {
  auto sent = resend ? engine_.challenges.resend(kSystemApp, c.challenge_id, pam_ctx(c.req))
                     : engine_.challenges.send_code(kSystemApp, c.challenge_id, c.picked_factor,
                                                    pam_ctx(c.req));
  if (sent) return code_prompt(c);
  const Error& err = sent.error();
  if (err.code == Errc::kExpired || err.code == Errc::kConflict) {
    return pam_done("deny", "This login took too long; start again.");
  }
  std::string why = err.code == Errc::kRateLimited
                        ? "Too many codes were sent; try again in " +
                              std::to_string(err.retry_after_s) + " seconds."
                        : err.context;
  if (why.rfind("Could not send", 0) != 0) why = "Could not send the code: " + why;
  // Let the user pick another factor (or type a backup code); with a single factor, the
  // prompt still takes a backup code and `r` tries the send again.
  PamStep p = c.options.size() > 1 ? picker(c) : code_prompt(c);
  if (c.options.size() <= 1) {
    p.text = c.backup_code_accepted ? "Backup code (or r to try sending again): "
                                    : "Type r to try sending again: ";
  }
  p.messages.emplace_back("error", why);
  p.text = why + "\n" + p.text;  // OpenSSH may swallow info messages (bug 2876)
  return p;
}

PamStep PamConversations::code_prompt(const Conv& c) const {
  PamStep p;
  p.echo = false;
  if (!c.picked_type) {
    p.text =
        c.backup_code_accepted ? "Verification code (or a backup code): " : "Verification code: ";
  } else {
    p.text = std::string(c.picked_type == FactorType::kSms ? "A code was sent by text message to "
                                                           : "A code was sent by email to ") +
             c.picked_hint + ".\nCode (or r to send a new one): ";
  }
  return p;
}

PamStep PamConversations::on_pick(Conv& c, const std::string& answer) {
  if (answer.empty()) return choose(c, 0);
  if (answer.size() <= 2 && answer.find_first_not_of("0123456789") == std::string::npos) {
    const std::size_t n = std::stoul(answer);
    if (n < 1 || n > c.options.size()) {
      PamStep p = code_prompt(c);
      p.messages.emplace_back("error", "No factor number " + answer + ".");
      p.echo = true;
      p.text = "Number [1]: ";
      return p;
    }
    return choose(c, n - 1);
  }
  // Anything else is taken as a code typed straight away (backup code or TOTP).
  c.picked_factor.clear();
  c.picked_type.reset();
  return on_code(c, answer);
}

PamStep PamConversations::on_code(Conv& c, const std::string& answer) {
  if (c.picked_type && (answer == "r" || answer == "R")) return deliver(c, true);
  if (answer.empty()) {
    if (--c.retries_left <= 0) {
      (void)engine_.challenges.cancel(kSystemApp, c.challenge_id, pam_ctx(c.req));
      return pam_done("maxtries", "No code entered.");
    }
    PamStep p = code_prompt(c);
    p.messages.emplace_back("error", "No code entered.");
    return p;
  }
  auto v = engine_.challenges.verify(kSystemApp, c.challenge_id, answer, pam_ctx(c.req),
                                     c.picked_factor);
  if (v) return pam_done("success");
  const Error& err = v.error();
  if (err.code == Errc::kLockedOut) return locked_step(err);
  if (err.code == Errc::kBadCode || err.code == Errc::kReplayed) {
    if (--c.retries_left <= 0) return pam_done("maxtries", "Too many wrong codes.");
    PamStep p = code_prompt(c);
    p.messages.emplace_back("error", err.code == Errc::kReplayed
                                         ? "That code was already used; wait for the next one."
                                         : "Wrong code, try again.");
    return p;
  }
  if (err.code == Errc::kExpired || err.code == Errc::kConflict) {
    return pam_done("deny", "This login took too long; start again.");
  }
  return pam_done("deny", "The code could not be checked: " + err.context);
}

PamStep PamConversations::begin_enrollment(Conv& c) {
  // The PAM user on their own account, never an admin: a first factor needs no step-up
  // (step_up.h), and FactorService refuses a second one without it.
  Requester who;
  who.admin = false;
  who.audit = pam_ctx(c.req);
  who.remote_addr = c.req.origin.remote_addr;
  // sshd starts a new conversation after a failed one: the pending factor of the previous
  // attempt is shown again, since the user may have scanned it already.
  auto resumed = engine_.factors.resume_totp(kSystemApp, c.req.user, who);
  if (!resumed) return pam_done("deny", "Could not start enrolment: " + resumed.error().context);
  TotpEnrollment e;
  if (resumed->has_value()) {
    e = std::move(**resumed);
  } else {
    auto fresh =
        engine_.factors.begin_totp(kSystemApp, c.req.user, "Authenticator app", TotpParams{}, who);
    if (!fresh) return pam_done("deny", "Could not start enrolment: " + fresh.error().context);
    e = std::move(*fresh);
  }
  c.enroll_factor_id = e.factor_id;
  c.enroll_digits = e.params.digits;
  c.state = State::kEnrollCode;
  c.retries_left = kPamTries;
  // OpenSSH's keyboard-interactive may swallow info messages, so everything the user needs
  // to read is in the prompt text itself (OpenSSH bug 2876).
  std::string text =
      "Multi-factor authentication is required for this account.\n"
      "Scan this QR code with an authenticator app:\n\n";
  // No ANSI: the module strips control characters from what it relays (terminal injection).
  if (auto qr = qr_(e.otpauth_uri)) text += *qr + "\n";
  text += "Or enter this key by hand: " + base32_grouped(e.secret_b32) + "\n\n";
  secure_wipe(e.secret_b32);
  secure_wipe(e.otpauth_uri);
  c.enroll_prompt = text;
  PamStep p;
  p.echo = true;
  p.text =
      text + "Then type the " + std::to_string(c.enroll_digits) + "-digit code the app shows: ";
  secure_wipe(text);
  return p;
}

PamStep PamConversations::on_enroll_code(Conv& c, const std::string& answer) {
  const std::string digits = std::to_string(c.enroll_digits);
  PamStep p;
  p.echo = true;
  if (answer == "q" || answer == "Q") {  // the QR code again; not a try
    p.text = c.enroll_prompt + "Then type the " + digits + "-digit code the app shows: ";
    return p;
  }
  AuditContext ctx = pam_ctx(c.req);
  const bool well_formed = answer.size() == static_cast<std::size_t>(c.enroll_digits) &&
                           answer.find_first_not_of("0123456789") == std::string::npos;
  std::string why = "Codes have " + digits + " digits.";
  if (well_formed) {
    auto a =
        engine_.logins.activate_at_login(kSystemApp, c.req.user, c.enroll_factor_id, answer, ctx);
    if (a) {
      secure_wipe(c.enroll_prompt);
      if (a->backup_codes.empty()) return pam_done("success");
      c.backup_codes = std::move(a->backup_codes);
      c.state = State::kShowBackupCodes;
      return backup_codes_prompt(c);
    }
    if (a.error().code != Errc::kBadCode) {
      return pam_done("deny", "Enrolment failed: " + a.error().context);
    }
    why = "Wrong code; check the time on your device.";
  }
  // The pending factor stays (limits::kPendingTotpReuseS): the next login shows the same QR
  // code, so what the user scanned still works.
  if (--c.retries_left <= 0) return pam_done("deny", "Enrolment failed: too many wrong codes.");
  // The QR code is not redrawn (23 lines): in the prompt text, since OpenSSH may swallow
  // info messages (bug 2876).
  p.text = why + "\nType the " + digits + "-digit code the app shows (q shows the QR code again): ";
  return p;
}

PamStep PamConversations::backup_codes_prompt(const Conv& c) const {
  PamStep p;
  p.echo = true;
  p.text =
      "Your authenticator app is set up. Your backup codes — each works once; keep them "
      "somewhere safe, they are shown only now:\n\n";
  for (std::size_t i = 0; i < c.backup_codes.size(); ++i) {
    p.text += "  " + format_backup_code(c.backup_codes[i]) + (i % 2 == 1 ? "\n" : "");
  }
  p.text += "\nPress Enter to continue: ";
  return p;
}

Result<PamStep> PamConversations::answer(const std::string& id, std::string answer,
                                         const PamCaller& caller) {
  Conv c;
  {
    std::lock_guard lock(mu_);
    purge_expired(engine_.deps().clock->now_s());
    auto it = convs_.find(id);
    // Taken out while it is worked on: a concurrent answer to the same id gets not-found.
    if (it == convs_.end() || it->second.state == State::kStarting ||
        (!caller.admin && it->second.owner != caller.uid)) {
      return fail(Errc::kNotFound, "no such conversation");
    }
    c = std::move(it->second);
    convs_.erase(it);
  }
  if (answer.size() > limits::kMaxCodeLen) answer.resize(limits::kMaxCodeLen + 1);
  PamStep step;
  switch (c.state) {
    case State::kStarting: return fail(Errc::kInternal, "conversation not started");
    case State::kPick: step = on_pick(c, answer); break;
    case State::kCode: step = on_code(c, answer); break;
    case State::kEnrollCode: step = on_enroll_code(c, answer); break;
    case State::kKeyPin: step = on_key_pin(c, answer); break;
    case State::kKeyWait: step = on_key_wait(c); break;
    case State::kKeyRetry: step = on_key_retry(c, answer); break;
    case State::kShowBackupCodes:
      for (auto& code : c.backup_codes) secure_wipe(code);
      step = pam_done("success");
      break;
  }
  secure_wipe(answer);
  if (step.done) {
    secure_wipe(c.key_pin);
    secure_wipe(c.enroll_prompt);
  }
  if (!step.done) {
    std::lock_guard lock(mu_);
    convs_.emplace(id, std::move(c));
  }
  return step;
}

}  // namespace mfa::core
