// `mfactl policy explain` (GET /v1/policy/explain) describes the login that happens (issue 11,
// "one place decides each question"): for every policy fixture — each mode, a disabled user, a
// strong first factor, a locked user or address, users with and without factors, sms/email
// factors without a sender, a remember window, tty rules, step-up — the explain route is asked
// first (it must write nothing), then LoginService::login decides, and the two must agree.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "daemon/core/encoding/base32.h"
#include "daemon/core/engine.h"
#include "daemon/core/services/lockout.h"
#include "daemon/core/store/store.h"
#include "daemon/src/api/router.h"
#include "daemon/src/routes/routes_engine.h"
#include "daemon/src/routes/services.h"
#include "tests/support/engine_world.h"
#include "tests/support/reference_otp.h"

// cmocka last: it defines a fail() macro that clashes with mfa::fail.
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
using nlohmann::json;

constexpr std::int64_t kT0 = 1'800'000'000;

struct World : mfa::testing::EngineWorld {
  daemon::Services services;
  daemon::Router router;

  explicit World(const std::string& policy_yaml) : EngineWorld(kT0) {
    if (Status st = init(policy_yaml); !st) fail_msg("%s", st.error().context.c_str());
    static_cast<mfa::core::EngineDeps&>(services) = engine->deps();
    services.engine = engine.get();
    daemon::register_policy_routes(router, services);
  }
};

// An active TOTP factor (and its backup codes); returns the secret.
std::string enroll_totp(World& w, const std::string& user) {
  Requester who;
  auto e = w.engine->factors.begin_totp("system", user, "phone", TotpParams{}, who);
  if (!e) fail_msg("begin_totp: %s", e.error().context.c_str());
  auto a = w.engine->factors.activate(
      "system", user, e->factor_id, reference_totp(e->secret_b32, w.clock.now_s()), AuditContext{});
  if (!a) fail_msg("activate: %s", a.error().context.c_str());
  w.clock.advance_s(30);  // the activation code's step is used up
  return e->secret_b32;
}

// An active sms or email factor written straight to the store: this world has no sender, so
// none could be enrolled through the API (a sender that went away after enrolment).
void add_delivery_factor(World& w, const std::string& user, const std::string& type,
                         const std::string& destination) {
  assert_true(w.store->ensure_app("system", w.clock.now_s()).has_value());
  UserRecord u;
  u.app = "system";
  u.user = user;
  u.created_at_s = w.clock.now_s();
  if (auto got = w.store->get_user("system", user); got && got->has_value()) u = **got;
  assert_true(w.store->upsert_user(u).has_value());
  FactorRecord f;
  f.id = "f_" + type + "_" + user;
  f.app = "system";
  f.user = user;
  f.type = *parse_factor_type(type);
  f.label = type;
  f.status = FactorStatus::kActive;
  f.params = json{{"destination", destination}}.dump();
  f.created_at_s = w.clock.now_s();
  f.last_used_at_s = w.clock.now_s();
  assert_true(w.store->insert_factor(f).has_value());
}

void disable(World& w, const std::string& user) {
  assert_true(w.store->ensure_app("system", w.clock.now_s()).has_value());
  auto got = w.store->get_user("system", user);
  assert_true(got.has_value());
  UserRecord u;
  if (got->has_value()) u = **got;
  u.app = "system";
  u.user = user;
  u.status = "disabled";
  u.created_at_s = w.clock.now_s();
  assert_true(w.store->upsert_user(u).has_value());
}

void lock_key(World& w, const std::string& key) {
  auto st = w.store->record_failure(key, w.clock.now_s(), 600, 1, 600);
  assert_true(st.has_value() && st->locked_until_s > w.clock.now_s());
}

struct Login {
  std::string user = "bob";
  std::string service = "sshd";
  std::string remote_addr;
  std::string first_factor = "pam";
  std::string tty;
};

json explain(World& w, const Login& l) {
  daemon::ApiRequest q;
  q.method = "GET";
  q.path = "/v1/policy/explain";
  q.query = {{"user", l.user},
             {"service", l.service},
             {"remote_addr", l.remote_addr},
             {"first_factor", l.first_factor},
             {"tty", l.tty}};
  q.caller.kind = daemon::Caller::Kind::kUnixPeer;
  q.caller.uid = 0;
  q.caller.user = "root";
  q.caller.admin = true;
  const daemon::ApiResponse r = w.router.dispatch(q);
  if (r.status != 200) fail_msg("explain: %d %s", r.status, r.body.c_str());
  return json::parse(r.body);
}

// What the explain outcome sentence says the login does, in LoginDecision's words.
std::string outcome_class(const json& j) {
  const std::string o = j.value("outcome", "");
  if (o.find("locked out") != std::string::npos) return "locked";
  if (o.find("asked for a second factor") != std::string::npos) return "mfa_required";
  if (o.find("grace period") != std::string::npos) return "enroll_required";
  if (o.find("denied") != std::string::npos) return "deny";
  if (o.find("PAM_IGNORE") != std::string::npos) return "allow";
  return "unclassified: " + o;
}

// What a login writes: its challenges, the grace deadline, audit events, lockout counters.
struct Snapshot {
  std::size_t challenges = 0;
  std::optional<std::int64_t> grace_deadline_s;
  std::size_t audit_events = 0;
  std::int64_t user_failures = 0;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(World& w, const std::string& user) {
  Snapshot s;
  ChallengeFilter cf;
  cf.app = "system";
  auto ch = w.store->list_challenges(cf);
  assert_true(ch.has_value());
  s.challenges = ch->size();
  auto u = w.store->get_user("system", user);
  assert_true(u.has_value());
  if (u->has_value()) s.grace_deadline_s = (*u)->grace_deadline_s;
  AuditFilter af;
  af.limit = 1000;
  auto a = w.store->query_audit(af);
  assert_true(a.has_value());
  s.audit_events = a->size();
  auto l = w.store->get_lockout(Lockout::user_key("system", user));
  assert_true(l.has_value());
  s.user_failures = l->failures;
  return s;
}

struct Case {
  const char* name;
  const char* policy;
  Login login;
  std::function<void(World&)> setup;
  const char* expect;  // the login's decision, or "locked": a guard that the fixture is right
};

constexpr const char* kOff = "defaults: {mode: \"off\", factors: [totp, backup_code]}\n";
constexpr const char* kOptional = "defaults: {mode: optional, factors: [totp, backup_code]}\n";
constexpr const char* kOptionalAll =
    "defaults: {mode: optional, factors: [totp, sms, email, backup_code]}\n";
constexpr const char* kRequiredAll =
    "defaults: {mode: required, factors: [totp, sms, email, backup_code], grace_period: 0s}\n";
constexpr const char* kRequiredGrace =
    "defaults: {mode: required, factors: [totp, backup_code], grace_period: 7d}\n";
constexpr const char* kRequiredNoGrace =
    "defaults: {mode: required, factors: [totp, backup_code], grace_period: 0s}\n";
constexpr const char* kRequiredNoEnroll =
    "defaults: {mode: required, factors: [totp, backup_code], grace_period: 0s, "
    "enroll_at_login: false}\n";
constexpr const char* kWebauthnSkips =
    "defaults: {mode: required, factors: [webauthn, totp, backup_code], "
    "webauthn_skips_mfa: true}\n";
constexpr const char* kStepUp =
    "defaults: {mode: optional, factors: [webauthn, totp, backup_code], "
    "webauthn_skips_mfa: true}\n"
    "step_up: {new_rhost: true}\n";
constexpr const char* kRemember =
    "defaults: {mode: required, factors: [totp, backup_code], remember: 1h}\n";
constexpr const char* kTtyOff =
    "defaults: {mode: required, factors: [totp, backup_code], grace_period: 0s}\n"
    "rules:\n"
    "  - name: serial console\n"
    "    match: {tty: 'ttyS*'}\n"
    "    mode: \"off\"\n";

const Case kCases[] = {
    {"mode off", kOff, {}, [](World& w) { enroll_totp(w, "bob"); }, "allow"},
    {"optional, no factor", kOptional, {}, {}, "allow"},
    {"optional, totp", kOptional, {}, [](World& w) { enroll_totp(w, "bob"); }, "mfa_required"},
    {"required, no factor, inside grace", kRequiredGrace, {}, {}, "enroll_required"},
    {"required, no factor, grace over", kRequiredNoGrace, {}, {}, "enroll_required"},
    {"required, no factor, no enrolment at login", kRequiredNoEnroll, {}, {}, "enroll_required"},
    {"required, totp",
     kRequiredNoGrace,
     {},
     [](World& w) { enroll_totp(w, "bob"); },
     "mfa_required"},
    {"disabled user",
     kOptional,
     {},
     [](World& w) {
       enroll_totp(w, "bob");
       disable(w, "bob");
     },
     "deny"},
    {"disabled user, mode off", kOff, {}, [](World& w) { disable(w, "bob"); }, "deny"},
    {"strong first factor",
     kWebauthnSkips,
     {"bob", "sshd", "", "webauthn", ""},
     [](World& w) { enroll_totp(w, "bob"); },
     "allow"},
    {"strong first factor from a new address under step_up",
     kStepUp,
     {"bob", "sshd", "192.0.2.44", "webauthn", ""},
     [](World& w) { enroll_totp(w, "bob"); },
     "mfa_required"},
    {"locked user",
     kRequiredNoGrace,
     {},
     [](World& w) {
       enroll_totp(w, "bob");
       lock_key(w, Lockout::user_key("system", "bob"));
     },
     "locked"},
    {"locked address",
     kRequiredNoGrace,
     {"bob", "sshd", "192.0.2.9", "pam", ""},
     [](World& w) {
       enroll_totp(w, "bob");
       lock_key(w, Lockout::rhost_key("system", "192.0.2.9"));
     },
     "locked"},
    {"sms without a sender, optional",
     kOptionalAll,
     {},
     [](World& w) { add_delivery_factor(w, "bob", "sms", "+15555550123"); },
     "allow"},
    {"email without a sender, required",
     kRequiredAll,
     {},
     [](World& w) { add_delivery_factor(w, "bob", "email", "bob@example.com"); },
     "enroll_required"},
    {"sms without a sender next to totp",
     kRequiredAll,
     {},
     [](World& w) {
       enroll_totp(w, "bob");
       add_delivery_factor(w, "bob", "sms", "+15555550123");
     },
     "mfa_required"},
    {"inside a remember window",
     kRemember,
     {"bob", "sshd", "192.0.2.5", "pam", ""},
     [](World& w) {
       const std::string secret = enroll_totp(w, "bob");
       LoginRequest lr;
       lr.user = "bob";
       lr.origin.service = "sshd";
       lr.origin.remote_addr = "192.0.2.5";
       auto r = w.engine->logins.login(lr);
       assert_true(r.has_value() && r->decision == LoginDecision::kMfaRequired);
       auto v = w.engine->challenges.verify(
           "system", r->challenge_id, reference_totp(secret, w.clock.now_s()), AuditContext{});
       if (!v) fail_msg("verify: %s", v.error().context.c_str());
     },
     "allow"},
    {"tty rule turns MFA off", kTtyOff, {"bob", "login", "", "pam", "ttyS0"}, {}, "allow"},
    {"tty rule does not match",
     kTtyOff,
     {"bob", "login", "", "pam", "tty1"},
     {},
     "enroll_required"},
};

void test_explain_is_the_login(void**) {
  int mismatches = 0;
  for (const Case& c : kCases) {
    World w(c.policy);
    if (c.setup) c.setup(w);
    const Snapshot before = snapshot(w, c.login.user);
    const json ex = explain(w, c.login);
    // A dry run: no challenge, no grace deadline, no audit event, no attempt.
    const Snapshot after = snapshot(w, c.login.user);
    assert_true(before == after);

    LoginRequest lr;
    lr.user = c.login.user;
    lr.origin.service = c.login.service;
    lr.origin.remote_addr = c.login.remote_addr;
    lr.first_factor = c.login.first_factor;
    lr.origin.tty = c.login.tty;
    auto r = w.engine->logins.login(lr);
    std::string decided;
    if (!r) {
      assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kLockedOut));
      decided = "locked";
    } else {
      decided = std::string(to_string(r->decision));
    }
    assert_string_equal(decided.c_str(), c.expect);  // the fixture does what its name says

    const std::string explained = outcome_class(ex);
    const bool locked = ex.value("locked", false);
    // The login's own words: decision and reason (a lockout is deny / locked_out).
    const std::string want_decision = r ? decided : "deny";
    const std::string want_reason = r ? r->reason : "locked_out";
    std::size_t want_offered = 0;
    if (r && r->decision == LoginDecision::kMfaRequired) {
      want_offered = r->factors.size() + (r->backup_codes_remaining > 0 ? 1 : 0);
    }
    if (explained != decided || locked != (decided == "locked") ||
        ex.value("decision", "") != want_decision || ex.value("reason", "") != want_reason ||
        ex["factors_offered"].size() != want_offered ||
        ex.value("would_enroll", false) != (r && r->enroll_at_login)) {
      ++mismatches;
      print_message("MISMATCH %s: login %s/%s, explain %s (locked %d): %s\n", c.name,
                    decided.c_str(), want_reason.c_str(), explained.c_str(), locked ? 1 : 0,
                    ex.dump().c_str());
    }
  }
  assert_int_equal(mismatches, 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_explain_is_the_login),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
