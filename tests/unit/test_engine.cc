// Engine services end to end on a real SQLite store, with an injected clock and codes made by
// tests/support/reference_otp.h (OpenSSL HMAC, not the product's liboath): enrolment, activation,
// login challenges, replay, the ±1 window, backup codes, lockout, step-up for sensitive changes,
// grace period, remember window.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "daemon/core/encoding/base32.h"
#include "daemon/core/engine.h"
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

constexpr std::int64_t kT0 = 1'800'000'000;  // an arbitrary instant, mid-step irrelevant

// The shared engine over an in-memory store (tests/support/engine_world.h).
struct Fixture : mfa::testing::EngineWorld {
  explicit Fixture(const char* policy_yaml) : EngineWorld(kT0) {
    if (Status st = init(policy_yaml); !st) fail_msg("%s", st.error().context.c_str());
  }
};

constexpr const char* kRequired = R"(
defaults:
  mode: required
  factors: [totp, backup_code]
  grace_period: 2d
  lockout: {attempts: 3, window: 10m}
)";

struct Enrolled {
  std::string factor_id;
  std::string secret;
  std::vector<std::string> backup_codes;
};

Enrolled enroll(Fixture& f, const std::string& user) {
  Requester who;
  auto e = f.engine->factors.begin_totp("system", user, "phone", TotpParams{}, who);
  if (!e) fail_msg("begin_totp: %s", e.error().context.c_str());
  auto a = f.engine->factors.activate(
      "system", user, e->factor_id, reference_totp(e->secret_b32, f.clock.now_s()), AuditContext{});
  if (!a) fail_msg("activate: %s", a.error().context.c_str());
  f.clock.advance_s(30);  // the activation code's step is used up
  return Enrolled{e->factor_id, e->secret_b32, a->backup_codes};
}

std::string start_login(Fixture& f, const std::string& user, const std::string& rhost = "") {
  LoginRequest lr;
  lr.user = user;
  lr.origin.service = "sshd";
  lr.origin.remote_addr = rhost;
  auto r = f.engine->logins.login(lr);
  if (!r) fail_msg("login: %s", r.error().context.c_str());
  assert_int_equal(static_cast<int>(r->decision), static_cast<int>(LoginDecision::kMfaRequired));
  return r->challenge_id;
}

void test_enroll_activate_and_login(void**) {
  Fixture f(kRequired);
  Requester who;
  auto e = f.engine->factors.begin_totp("system", "bob", "phone", TotpParams{}, who);
  assert_true(e.has_value());
  assert_true(e->otpauth_uri.rfind("otpauth://totp/mfad:bob?", 0) == 0);
  // Pending factors do not count: a login asks to enrol.
  LoginRequest lr;
  lr.user = "bob";
  lr.origin.service = "sshd";
  auto r = f.engine->logins.login(lr);
  assert_true(r.has_value());
  assert_int_equal(static_cast<int>(r->decision), static_cast<int>(LoginDecision::kEnrollRequired));
  assert_true(r->can_defer);
  // A wrong first code does not activate.
  auto bad = f.engine->factors.activate("system", "bob", e->factor_id, "000000", AuditContext{});
  if (reference_totp(e->secret_b32, kT0) != "000000") assert_false(bad.has_value());
  auto a = f.engine->factors.activate("system", "bob", e->factor_id,
                                      reference_totp(e->secret_b32, kT0), AuditContext{});
  assert_true(a.has_value());
  assert_int_equal(a->backup_codes.size(), 10);
  f.clock.advance_s(30);
  const std::string ch = start_login(f, "bob");
  auto v = f.engine->challenges.verify("system", ch, reference_totp(e->secret_b32, f.clock.now_s()),
                                       AuditContext{});
  assert_true(v.has_value());
  assert_true(v->challenge.status == mfa::core::ChallengeStatus::kApproved);
  // A verified challenge cannot be verified again.
  auto again = f.engine->challenges.verify("system", ch, "123456", AuditContext{});
  assert_false(again.has_value());
  assert_int_equal(static_cast<int>(again.error().code), static_cast<int>(Errc::kConflict));
}

void test_replay_and_window(void**) {
  Fixture f(kRequired);
  Enrolled e = enroll(f, "bob");
  const std::int64_t now = f.clock.now_s();
  const std::string code = reference_totp(e.secret, now);
  auto v1 = f.engine->challenges.verify("system", start_login(f, "bob"), code, AuditContext{});
  assert_true(v1.has_value());
  // RFC 6238 5.2: the same code a second time is refused, as replayed.
  auto v2 = f.engine->challenges.verify("system", start_login(f, "bob"), code, AuditContext{});
  assert_false(v2.has_value());
  assert_int_equal(static_cast<int>(v2.error().code), static_cast<int>(Errc::kReplayed));
  // One step ahead is inside the window; two steps back is not.
  f.clock.advance_s(60);
  auto old =
      f.engine->challenges.verify("system", start_login(f, "bob"),
                                  reference_totp(e.secret, f.clock.now_s() - 60), AuditContext{});
  assert_false(old.has_value());
  auto ahead =
      f.engine->challenges.verify("system", start_login(f, "bob"),
                                  reference_totp(e.secret, f.clock.now_s() + 30), AuditContext{});
  assert_true(ahead.has_value());
  // An older step than the last accepted one is refused even inside the window.
  auto older = f.engine->challenges.verify(
      "system", start_login(f, "bob"), reference_totp(e.secret, f.clock.now_s()), AuditContext{});
  assert_false(older.has_value());
}

void test_backup_code_once(void**) {
  Fixture f(kRequired);
  Enrolled e = enroll(f, "bob");
  assert_int_equal(e.backup_codes.size(), 10);
  auto v = f.engine->challenges.verify("system", start_login(f, "bob"), e.backup_codes[3],
                                       AuditContext{});
  assert_true(v.has_value());
  assert_string_equal(v->factor.type.c_str(), "backup_code");
  auto again = f.engine->challenges.verify("system", start_login(f, "bob"), e.backup_codes[3],
                                           AuditContext{});
  assert_false(again.has_value());
  auto left = f.engine->factors.backup_codes_remaining("system", "bob");
  assert_true(left.has_value());
  assert_int_equal(*left, 9);
}

void test_lockout_persists_and_expires(void**) {
  Fixture f(kRequired);
  Enrolled e = enroll(f, "bob");
  std::string last_error;
  for (int i = 0; i < 3; ++i) {
    auto v = f.engine->challenges.verify("system", start_login(f, "bob", "192.0.2.1"), "99999999x",
                                         AuditContext{});
    assert_false(v.has_value());
    last_error = std::string(to_string(v.error().code));
  }
  assert_string_equal(last_error.c_str(), "locked_out");
  // Locked: even the right code is refused, and a new login says how long to wait.
  LoginRequest lr;
  lr.user = "bob";
  lr.origin.service = "sshd";
  auto r = f.engine->logins.login(lr);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kLockedOut));
  assert_true(r.error().retry_after_s > 0 && r.error().retry_after_s <= 600);
  f.clock.advance_s(601);
  auto v = f.engine->challenges.verify("system", start_login(f, "bob"),
                                       reference_totp(e.secret, f.clock.now_s()), AuditContext{});
  assert_true(v.has_value());
}

// Each attempt is reserved before its code is compared; the success gives its own
// reservation back: the user's failures are forgotten (NIST SP 800-63B 5.2.2), the address
// keeps the earlier failures but not the success, and the challenge counts no attempt for it.
void test_success_gives_its_attempt_back(void**) {
  Fixture f(kRequired);
  Enrolled e = enroll(f, "bob");
  const std::string ch = start_login(f, "bob", "192.0.2.7");
  assert_false(f.engine->challenges.verify("system", ch, "99999999x", AuditContext{}).has_value());
  auto v = f.engine->challenges.verify("system", ch, reference_totp(e.secret, f.clock.now_s()),
                                       AuditContext{});
  assert_true(v.has_value());
  assert_int_equal(v->challenge.attempts, 1);
  assert_int_equal(f.engine->lockout.status("system", "bob")->failures, 0);
  assert_int_equal(f.store->get_lockout(Lockout::rhost_key("system", "192.0.2.7"))->failures, 1);
}

void test_step_up_for_sensitive_changes(void**) {
  Fixture f(kRequired);
  Enrolled e = enroll(f, "bob");
  Requester self;  // not admin, no code
  auto add = f.engine->factors.begin_totp("system", "bob", "tablet", TotpParams{}, self);
  assert_false(add.has_value());
  assert_int_equal(static_cast<int>(add.error().code), static_cast<int>(Errc::kPermissionDenied));
  auto rm = f.engine->factors.remove("system", "bob", e.factor_id, self);
  assert_false(rm.has_value());
  // Regeneration refuses a backup code as the step-up ("another factor").
  Requester with_backup;
  with_backup.step_up_code = e.backup_codes[0];
  auto regen = f.engine->factors.regenerate_backup_codes("system", "bob", with_backup);
  assert_false(regen.has_value());
  const std::string code = reference_totp(e.secret, f.clock.now_s());
  Requester with_totp;
  with_totp.step_up_code = code;
  auto regen2 = f.engine->factors.regenerate_backup_codes("system", "bob", with_totp);
  assert_true(regen2.has_value());
  assert_int_equal(regen2->size(), 10);
  // Removal with a backup code works; afterwards the factor no longer verifies.
  Requester rm_who;
  rm_who.step_up_code = regen2->at(0);
  assert_true(f.engine->factors.remove("system", "bob", e.factor_id, rm_who).has_value());
  f.clock.advance_s(30);
  LoginRequest lr;
  lr.user = "bob";
  lr.origin.service = "sshd";
  auto r = f.engine->logins.login(lr);
  assert_true(r.has_value());
  assert_int_equal(static_cast<int>(r->decision), static_cast<int>(LoginDecision::kEnrollRequired));
}

void test_grace_period_is_stored_once(void**) {
  Fixture f(kRequired);
  LoginRequest lr;
  lr.user = "carol";
  lr.origin.service = "sshd";
  auto r1 = f.engine->logins.login(lr);
  assert_true(r1.has_value() && r1->can_defer);
  const std::int64_t deadline = *r1->grace_deadline_s;
  assert_int_equal(deadline, kT0 + 2 * 86400);
  f.clock.advance_s(86400);
  auto r2 = f.engine->logins.login(lr);
  assert_true(r2.has_value());
  assert_int_equal(*r2->grace_deadline_s, deadline);
  f.clock.advance_s(86401);
  auto r3 = f.engine->logins.login(lr);
  assert_true(r3.has_value());
  assert_false(r3->can_defer);
  assert_string_equal(r3->reason.c_str(), "enrollment_required");
}

void test_modes_and_remember(void**) {
  Fixture f(R"(
defaults:
  mode: optional
  factors: [totp, backup_code]
  remember: 1h
rules:
  - match: {service: cron}
    mode: "off"
)");
  LoginRequest lr;
  lr.user = "dave";
  lr.origin.service = "sshd";
  auto none = f.engine->logins.login(lr);
  assert_true(none.has_value());
  assert_string_equal(none->reason.c_str(), "optional_no_factor");
  Enrolled e = enroll(f, "dave");
  lr.origin.remote_addr = "198.51.100.7";
  auto r = f.engine->logins.login(lr);
  assert_true(r.has_value());
  assert_int_equal(static_cast<int>(r->decision), static_cast<int>(LoginDecision::kMfaRequired));
  assert_true(r->new_rhost);
  assert_true(f.engine->challenges
                  .verify("system", r->challenge_id, reference_totp(e.secret, f.clock.now_s()),
                          AuditContext{})
                  .has_value());
  auto again = f.engine->logins.login(lr);
  assert_true(again.has_value());
  assert_string_equal(again->reason.c_str(), "remembered");
  lr.origin.remote_addr = "198.51.100.8";  // another address is not remembered
  auto other = f.engine->logins.login(lr);
  assert_true(other.has_value());
  assert_int_equal(static_cast<int>(other->decision),
                   static_cast<int>(LoginDecision::kMfaRequired));
  lr.origin.service = "cron";
  auto off = f.engine->logins.login(lr);
  assert_true(off.has_value());
  assert_string_equal(off->reason.c_str(), "mode_off");
}

void test_step_up_new_rhost_overrides_strong_first_factor(void**) {
  Fixture f(R"(
defaults:
  mode: optional
  factors: [totp, backup_code]
  webauthn_skips_mfa: true
step_up:
  new_rhost: true
)");
  Enrolled e = enroll(f, "gina");
  LoginRequest lr;
  lr.user = "gina";
  lr.origin.service = "sshd";
  lr.first_factor = "webauthn";
  lr.origin.remote_addr = "203.0.113.5";
  auto first = f.engine->logins.login(lr);
  assert_true(first.has_value());
  assert_int_equal(static_cast<int>(first->decision),
                   static_cast<int>(LoginDecision::kMfaRequired));
  assert_true(f.engine->challenges
                  .verify("system", first->challenge_id, reference_totp(e.secret, f.clock.now_s()),
                          AuditContext{})
                  .has_value());
  // The address is known now: the passkey alone is enough again.
  auto second = f.engine->logins.login(lr);
  assert_true(second.has_value());
  assert_string_equal(second->reason.c_str(), "strong_first_factor");
}

void test_challenge_fails_after_max_attempts(void**) {
  Fixture f(R"(
defaults:
  mode: required
  lockout: {attempts: 100, window: 10m}
)");
  enroll(f, "erin");
  const std::string ch = start_login(f, "erin");
  for (int i = 0; i < 5; ++i) {
    auto v = f.engine->challenges.verify("system", ch, "1234567", AuditContext{});
    assert_false(v.has_value());
  }
  auto c = f.engine->challenges.get("system", ch);
  assert_true(c.has_value());
  assert_true(c->status == mfa::core::ChallengeStatus::kFailed);
  assert_int_equal(c->attempts, 5);
  // The timeline tells the story.
  assert_true(c->events.size() >= 6);
  assert_string_equal(c->events.front().event.c_str(), "created");
}

void test_challenge_expires(void**) {
  Fixture f(kRequired);
  Enrolled e = enroll(f, "bob");
  const std::string ch = start_login(f, "bob");
  f.clock.advance_s(kChallengeTtlS + 1);
  auto v = f.engine->challenges.verify("system", ch, reference_totp(e.secret, f.clock.now_s()),
                                       AuditContext{});
  assert_false(v.has_value());
  assert_int_equal(static_cast<int>(v.error().code), static_cast<int>(Errc::kExpired));
}

void test_admin_reset(void**) {
  Fixture f(kRequired);
  enroll(f, "bob");
  auto n = f.engine->factors.reset("system", "bob", AuditContext{"uid:0", "", ""});
  assert_true(n.has_value());
  assert_int_equal(*n, 1);
  auto left = f.engine->factors.backup_codes_remaining("system", "bob");
  assert_int_equal(*left, 0);
  AuditFilter af;
  af.event = audit_event::kFactorAdminReset;
  auto events = f.store->query_audit(af);
  assert_true(events.has_value());
  assert_int_equal(events->size(), 1);
}

}  // namespace

// The login's evaluation travels with its challenge (issue 11): a `tty:` rule that chose the
// factors and the remember window at login still holds when the code is checked, although
// the verify request carries no tty.
constexpr const char* kTtyRules = R"(
defaults:
  mode: required
  factors: [totp, backup_code]
  lockout: {attempts: 5, window: 10m}
rules:
  - name: serial console, authenticator app only
    match: {tty: 'ttyS*'}
    factors: [totp]
    remember: 1h
)";

std::string tty_login(Fixture& f, const std::string& user, const std::string& tty) {
  LoginRequest lr;
  lr.user = user;
  lr.origin.service = "login";
  lr.origin.remote_addr = "192.0.2.30";
  lr.origin.tty = tty;
  auto r = f.engine->logins.login(lr);
  if (!r) fail_msg("login: %s", r.error().context.c_str());
  assert_int_equal(static_cast<int>(r->decision), static_cast<int>(LoginDecision::kMfaRequired));
  assert_true(r->challenge_id.size() > 0);
  return r->challenge_id;
}

void test_tty_rule_factors_hold_at_verify(void**) {
  Fixture f(kTtyRules);
  Enrolled e = enroll(f, "bob");
  // Off the serial console the defaults allow backup codes...
  auto v = f.engine->challenges.verify("system", tty_login(f, "bob", "pts/0"), e.backup_codes[0],
                                       AuditContext{});
  assert_true(v.has_value());
  // ...on it the rule allows the authenticator app only: a backup code is refused.
  const std::string ch = tty_login(f, "bob", "ttyS0");
  v = f.engine->challenges.verify("system", ch, e.backup_codes[1], AuditContext{});
  assert_false(v.has_value());
  auto left = f.engine->factors.backup_codes_remaining("system", "bob");
  assert_true(left.has_value());
  assert_int_equal(*left, 9);  // the refused code is still unused
  auto c = f.engine->challenges.get("system", ch);
  assert_true(c.has_value());
  assert_string_equal(c->origin.tty.c_str(), "ttyS0");  // the login's tty, kept with its challenge
  v = f.engine->challenges.verify("system", ch, reference_totp(e.secret, f.clock.now_s()),
                                  AuditContext{});
  assert_true(v.has_value());
}

void test_tty_rule_remember_holds_at_verify(void**) {
  Fixture f(kTtyRules);
  Enrolled e = enroll(f, "bob");
  auto v = f.engine->challenges.verify("system", tty_login(f, "bob", "ttyS1"),
                                       reference_totp(e.secret, f.clock.now_s()), AuditContext{});
  assert_true(v.has_value());
  // The rule's remember window (1h) was granted by that success.
  LoginRequest lr;
  lr.user = "bob";
  lr.origin.service = "login";
  lr.origin.remote_addr = "192.0.2.30";
  lr.origin.tty = "ttyS1";
  auto again = f.engine->logins.login(lr);
  assert_true(again.has_value());
  assert_string_equal(again->reason.c_str(), "remembered");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_enroll_activate_and_login),
      cmocka_unit_test(test_replay_and_window),
      cmocka_unit_test(test_backup_code_once),
      cmocka_unit_test(test_lockout_persists_and_expires),
      cmocka_unit_test(test_success_gives_its_attempt_back),
      cmocka_unit_test(test_step_up_for_sensitive_changes),
      cmocka_unit_test(test_grace_period_is_stored_once),
      cmocka_unit_test(test_modes_and_remember),
      cmocka_unit_test(test_step_up_new_rhost_overrides_strong_first_factor),
      cmocka_unit_test(test_challenge_fails_after_max_attempts),
      cmocka_unit_test(test_challenge_expires),
      cmocka_unit_test(test_admin_reset),
      cmocka_unit_test(test_tty_rule_factors_hold_at_verify),
      cmocka_unit_test(test_tty_rule_remember_holds_at_verify),
  };
  const int rc = cmocka_run_group_tests_name("engine", tests, nullptr, nullptr);
  return rc;
}
