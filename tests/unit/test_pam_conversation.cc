// The PAM conversation state machine (daemon/core/pam/pam_conversation.h, docs/pam-protocol.md)
// against a real engine on an in-memory SQLite store with a manual clock
// (tests/support/engine_world.h). TOTP codes come from tests/support/reference_otp.h (OpenSSL
// HMAC and the RFC 6238 algorithm written out, not the product's liboath). Each test drives
// start() and answer() as pam_mfa.so would and checks the steps: result, prompt text, echo.

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/core/base/limits.h"
#include "daemon/core/engine.h"
#include "daemon/core/pam/pam_conversation.h"
#include "daemon/core/store/store.h"
#include "tests/support/engine_world.h"
#include "tests/support/reference_otp.h"

// cmocka last: it defines a fail() macro that would clash with mfa::fail.
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using mfa::testing::reference_totp;  // the oracle: not liboath, which the product uses

namespace {

using namespace mfa;
using namespace mfa::core;

constexpr std::int64_t kT0 = 1'800'000'000;

// sshd runs as root; FakeDirectory makes every name but root and ghost uid 1000.
const PamCaller kRoot{0, true};
const PamCaller kBobsLocker{1000, false};  // a screen locker running as bob
const PamCaller kOtherUid{1001, false};

constexpr const char* kRequired = R"(
defaults:
  mode: required
  factors: [totp, backup_code]
  grace_period: 1d
  lockout: {attempts: 20, window: 10m}
)";

// The engine, and the conversations over it with a stand-in for the daemon's QR renderer.
struct Fixture : mfa::testing::EngineWorld {
  std::unique_ptr<PamConversations> convs;

  explicit Fixture(const char* policy_yaml = kRequired) : EngineWorld(kT0) {
    if (Status st = init(policy_yaml); !st) fail_msg("%s", st.error().context.c_str());
    convs = std::make_unique<PamConversations>(*engine, [](std::string_view uri) {
      return Result<std::string>("[QR of " + std::string(uri.substr(0, 15)) + "]");
    });
  }

  // An active TOTP factor for `user`; its base32 secret. A factor next to an active one needs
  // a step-up: the test set-up acts as an admin.
  std::string enroll(const std::string& user, const std::string& label) {
    Requester who;
    who.admin = true;
    auto e = engine->factors.begin_totp("system", user, label, TotpParams{}, who);
    if (!e) fail_msg("begin_totp: %s", e.error().context.c_str());
    auto a = engine->factors.activate("system", user, e->factor_id,
                                      reference_totp(e->secret_b32, clock.now_s()), AuditContext{});
    if (!a) fail_msg("activate: %s", a.error().context.c_str());
    clock.advance_s(30);  // the activation code's step is used up
    return e->secret_b32;
  }

  std::pair<std::string, PamStep> start(const std::string& user, const PamCaller& caller = kRoot,
                                        const std::string& tty = "pts/0") {
    auto r = convs->start(PamStart{user, {"sshd", "192.0.2.7", tty}, ""}, caller);
    if (!r) fail_msg("start: %s", r.error().context.c_str());
    return std::move(*r);
  }

  PamStep answer(const std::string& id, const std::string& text, const PamCaller& caller = kRoot) {
    auto r = convs->answer(id, text, caller);
    if (!r) fail_msg("answer: %s", r.error().context.c_str());
    return std::move(*r);
  }

  std::size_t audited(const std::string& user, const std::string& event,
                      const std::string& detail_part = {}) {
    AuditFilter f;
    f.user = user;
    f.event = event;
    auto events = store->query_audit(f);
    if (!events) fail_msg("query_audit: %s", events.error().context.c_str());
    std::size_t n = 0;
    for (const auto& e : *events) n += e.detail.find(detail_part) != std::string::npos ? 1 : 0;
    return n;
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool has_message(const PamStep& s, const std::string& style, const std::string& part) {
  for (const auto& [st, text] : s.messages) {
    if (st == style && has(text, part)) return true;
  }
  return false;
}

void assert_done(const PamStep& s, const char* result) {
  assert_true(s.done);
  assert_string_equal(s.result.c_str(), result);
}

void assert_prompt(const PamStep& s, bool echo, const std::string& part) {
  assert_false(s.done);
  assert_false(s.wait);
  assert_int_equal(s.echo, echo);
  if (!has(s.text, part)) fail_msg("prompt '%s' lacks '%s'", s.text.c_str(), part.c_str());
}

// A six-digit code that is not `right`.
std::string wrong_code(const std::string& right) {
  std::string w = right;
  w[0] = w[0] == '9' ? '0' : static_cast<char>(w[0] + 1);
  return w;
}

// The base32 key of an enrolment prompt ("Or enter this key by hand: ABCD EFGH ..."), spaces
// removed.
std::string key_in(const std::string& text) {
  const std::string marker = "Or enter this key by hand: ";
  const std::size_t at = text.find(marker);
  if (at == std::string::npos) fail_msg("no key in '%s'", text.c_str());
  const std::size_t end = text.find('\n', at);
  std::string key;
  for (char ch : text.substr(at + marker.size(), end - at - marker.size())) {
    if (ch != ' ') key += ch;
  }
  return key;
}

void test_code_prompt_wrong_then_right(void**) {
  Fixture f;
  const std::string secret = f.enroll("bob", "phone");
  auto [id, first] = f.start("bob");
  assert_prompt(first, false, "Verification code (or a backup code): ");
  const std::string right = reference_totp(secret, f.clock.now_s());
  PamStep s = f.answer(id, wrong_code(right));
  assert_prompt(s, false, "Verification code");
  assert_true(has_message(s, "error", "Wrong code, try again."));
  s = f.answer(id, "");  // no code: a try too
  assert_prompt(s, false, "Verification code");
  assert_true(has_message(s, "error", "No code entered."));
  s = f.answer(id, right);
  assert_done(s, "success");
  assert_int_equal(f.audited("bob", audit_event::kMfaSucceeded), 1);
  // Done: the conversation is gone.
  auto again = f.convs->answer(id, right, kRoot);
  assert_false(again.has_value());
  assert_int_equal(static_cast<int>(again.error().code), static_cast<int>(Errc::kNotFound));
}

void test_three_wrong_codes_are_maxtries(void**) {
  Fixture f;
  const std::string secret = f.enroll("bob", "phone");
  auto [id, first] = f.start("bob");
  const std::string wrong = wrong_code(reference_totp(secret, f.clock.now_s()));
  assert_prompt(f.answer(id, wrong), false, "Verification code");
  assert_prompt(f.answer(id, wrong), false, "Verification code");
  PamStep s = f.answer(id, wrong);
  assert_done(s, "maxtries");
  assert_true(has(s.message, "Too many wrong codes."));
  assert_int_equal(f.audited("bob", audit_event::kMfaSucceeded), 0);
  assert_int_equal(f.audited("bob", audit_event::kMfaFailed), 3);
}

void test_no_factor_in_grace_is_ignore_with_reminder(void**) {
  Fixture f;
  auto [id, s] = f.start("carol");
  assert_done(s, "ignore");
  assert_true(has(s.message, "MFA will be required for this account in 1 day"));
  assert_true(has(s.message, "mfactl enroll totp"));
}

void test_enroll_at_login(void**) {
  Fixture f;
  (void)f.start("carol");  // the first login starts the grace period
  f.clock.advance_s(2 * 86400);
  auto [id, first] = f.start("carol");
  assert_prompt(first, true, "Multi-factor authentication is required for this account.");
  assert_true(has(first.text, "[QR of otpauth://totp/]"));
  assert_true(has(first.text, "Then type the 6-digit code the app shows: "));
  const std::string secret = key_in(first.text);
  // `q` draws the same QR code and key again, and is not a try.
  for (int i = 0; i < 3; ++i) {
    PamStep q = f.answer(id, "q");
    assert_prompt(q, true, "[QR of otpauth://totp/]");
    assert_string_equal(q.text.c_str(), first.text.c_str());
  }
  // A wrong code keeps the pending factor and its secret.
  const std::string right = reference_totp(secret, f.clock.now_s());
  PamStep s = f.answer(id, wrong_code(right));
  assert_prompt(s, true, "Wrong code; check the time on your device.");
  assert_true(has(s.text, "q shows the QR code again"));
  assert_false(has(s.text, "[QR"));  // not redrawn unasked
  s = f.answer(id, "12");
  assert_prompt(s, true, "Codes have 6 digits.");
  s = f.answer(id, "q");
  assert_string_equal(key_in(s.text).c_str(), secret.c_str());
  // The right code activates it; the backup codes are shown once, then the login succeeds.
  s = f.answer(id, right);
  assert_prompt(s, true, "Your authenticator app is set up. Your backup codes");
  assert_true(has(s.text, "Press Enter to continue: "));
  assert_done(f.answer(id, ""), "success");
  assert_int_equal(f.audited("carol", audit_event::kFactorEnrolled), 1);
  assert_int_equal(f.audited("carol", audit_event::kMfaSucceeded, "\"enroll_at_login\""), 1);
  // From now on carol's logins ask for a code from that factor.
  f.clock.advance_s(30);
  auto [id2, next] = f.start("carol");
  assert_prompt(next, false, "Verification code");
  assert_done(f.answer(id2, reference_totp(secret, f.clock.now_s())), "success");
}

void test_enroll_at_login_three_wrong_codes(void**) {
  Fixture f;
  (void)f.start("carol");
  f.clock.advance_s(2 * 86400);
  auto [id, first] = f.start("carol");
  const std::string secret = key_in(first.text);
  const std::string wrong = wrong_code(reference_totp(secret, f.clock.now_s()));
  assert_prompt(f.answer(id, wrong), true, "Wrong code");
  assert_prompt(f.answer(id, wrong), true, "Wrong code");
  PamStep s = f.answer(id, wrong);
  assert_done(s, "deny");
  assert_true(has(s.message, "too many wrong codes"));
  // sshd's next conversation shows the same pending secret (what the user may have scanned).
  auto [id2, again] = f.start("carol");
  assert_string_equal(key_in(again.text).c_str(), secret.c_str());
  assert_int_equal(f.audited("carol", audit_event::kMfaSucceeded), 0);
}

void test_picker_with_two_factors(void**) {
  Fixture f;
  const std::string phone = f.enroll("bob", "phone");
  const std::string tablet = f.enroll("bob", "tablet");
  auto [id, first] = f.start("bob");
  assert_prompt(first, true, "Choose a factor:\n");
  assert_true(has(first.text, "Authenticator app 'phone'"));
  assert_true(has(first.text, "Authenticator app 'tablet'"));
  assert_true(has(first.text, "  2) "));
  assert_true(has(first.text, "A backup code is also accepted. Number or code [1]: "));
  PamStep s = f.answer(id, "7");
  assert_prompt(s, true, "Number [1]: ");
  assert_true(has_message(s, "error", "No factor number 7."));
  // Number 2 is the tablet's line, whichever order the picker chose.
  const bool tablet_second = first.text.find("'tablet'") > first.text.find("'phone'");
  s = f.answer(id, "2");
  assert_prompt(s, false, "Verification code");
  // The code of the factor not picked is refused: verification is bound to the picked one.
  const std::string& other = tablet_second ? phone : tablet;
  const std::string& picked = tablet_second ? tablet : phone;
  s = f.answer(id, reference_totp(other, f.clock.now_s()));
  assert_prompt(s, false, "Verification code");
  assert_true(has_message(s, "error", "Wrong code"));
  assert_done(f.answer(id, reference_totp(picked, f.clock.now_s())), "success");
}

void test_picker_takes_a_code_straight_away(void**) {
  Fixture f;
  const std::string phone = f.enroll("bob", "phone");
  (void)f.enroll("bob", "tablet");
  auto [id, first] = f.start("bob");
  assert_prompt(first, true, "Choose a factor:");
  assert_done(f.answer(id, reference_totp(phone, f.clock.now_s())), "success");
}

void test_caps(void**) {
  Fixture f;
  (void)f.enroll("bob", "phone");
  // A non-admin caller: limits::kMaxPamConversationsPerUid open at once (distinct ttys; the
  // same tty replaces the caller's earlier conversation).
  for (std::size_t i = 0; i < limits::kMaxPamConversationsPerUid; ++i) {
    assert_prompt(f.start("bob", kBobsLocker, "tty" + std::to_string(i)).second, false, "code");
  }
  auto r = f.convs->start(PamStart{"bob", {"sshd", "", "tty-extra"}, ""}, kBobsLocker);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kRateLimited));
  assert_true(r.error().retry_after_s > 0);
  // The same tty again is a restart, not one more.
  assert_prompt(f.start("bob", kBobsLocker, "tty0").second, false, "code");
  // Root has no per-uid cap, but bob's logins are capped whoever asks.
  for (std::size_t i = limits::kMaxPamConversationsPerUid; i < limits::kMaxPamConversationsPerUser;
       ++i) {
    assert_prompt(f.start("bob", kRoot, "tty" + std::to_string(i)).second, false, "code");
  }
  r = f.convs->start(PamStart{"bob", {"sshd", "", "tty-root"}, ""}, kRoot);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kRateLimited));
  // Another user is not affected.
  (void)f.enroll("dave", "phone");
  assert_prompt(f.start("dave").second, false, "code");
}

void test_non_admin_for_another_uid_is_denied(void**) {
  Fixture f;
  (void)f.enroll("bob", "phone");
  for (const char* user : {"bob", "root", "ghost"}) {
    auto r = f.convs->start(PamStart{user, {"sshd", "", "tty1"}, ""}, kOtherUid);
    assert_false(r.has_value());
    assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kPermissionDenied));
  }
  // Bob's own locker may; another uid may not answer its conversation (it is not found).
  auto [id, s] = f.start("bob", kBobsLocker);
  assert_prompt(s, false, "Verification code");
  auto a = f.convs->answer(id, "123456", kOtherUid);
  assert_false(a.has_value());
  assert_int_equal(static_cast<int>(a.error().code), static_cast<int>(Errc::kNotFound));
  // An admin names anyone; an unknown user is a done step, not an error.
  assert_done(f.start("ghost").second, "user_unknown");
}

void test_expired_conversation(void**) {
  Fixture f;
  const std::string secret = f.enroll("bob", "phone");
  auto [id, s] = f.start("bob");
  assert_prompt(s, false, "Verification code");
  f.clock.advance_s(limits::kPamConversationTtlS + 1);
  auto a = f.convs->answer(id, reference_totp(secret, f.clock.now_s()), kRoot);
  assert_false(a.has_value());
  assert_int_equal(static_cast<int>(a.error().code), static_cast<int>(Errc::kNotFound));
  assert_int_equal(f.audited("bob", audit_event::kMfaSucceeded), 0);
}

void test_bad_pam_items(void**) {
  Fixture f;
  auto r = f.convs->start(PamStart{"bob", {"sshd", "not an address", "pts/0"}, ""}, kRoot);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kInvalidArgument));
  r = f.convs->start(PamStart{"bob", {"sshd\x1b[2J", "", "pts/0"}, ""}, kRoot);
  assert_false(r.has_value());
  r = f.convs->start(PamStart{"", {"sshd", "", "pts/0"}, ""}, kRoot);
  assert_false(r.has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_code_prompt_wrong_then_right),
      cmocka_unit_test(test_three_wrong_codes_are_maxtries),
      cmocka_unit_test(test_no_factor_in_grace_is_ignore_with_reminder),
      cmocka_unit_test(test_enroll_at_login),
      cmocka_unit_test(test_enroll_at_login_three_wrong_codes),
      cmocka_unit_test(test_picker_with_two_factors),
      cmocka_unit_test(test_picker_takes_a_code_straight_away),
      cmocka_unit_test(test_caps),
      cmocka_unit_test(test_non_admin_for_another_uid_is_denied),
      cmocka_unit_test(test_expired_conversation),
      cmocka_unit_test(test_bad_pam_items),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
