// Delivered codes (SMS, email) with a recording sender: phone validation and obfuscation,
// code hashing bound to the challenge, enrolment and activation, login challenges (single
// use, expiry after 10 minutes, resend cancels the previous code, wrong codes), a failed
// delivery marks the challenge, rate limits; plus the daemon's template rendering and the
// gateway body / email message built from the config.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/config/config.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/engine.h"
#include "daemon/core/otp/delivered_code.h"
#include "daemon/core/services/contact.h"
#include "daemon/core/services/sender.h"
#include "daemon/core/store/store.h"
#include "daemon/src/delivery/delivery_channels.h"
#include "daemon/src/delivery/message_template.h"
#include "tests/support/engine_world.h"

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

namespace {

using namespace mfa;
using namespace mfa::core;

constexpr std::int64_t kT0 = 1'800'000'000;

class RecordingSender final : public Sender {
 public:
  Status send(const OutgoingCode& msg) override {
    sent.push_back(msg);
    // (mfa::fail) in parentheses: cmocka defines a fail() macro.
    if (failing) return (mfa::fail)(Errc::kUnavailable, "the SMS gateway answered HTTP 500");
    return {};
  }
  std::vector<OutgoingCode> sent;
  bool failing = false;
};

constexpr const char* kPolicy = R"(
defaults:
  mode: required
  factors: [totp, sms, email, backup_code]
  lockout: {attempts: 50, window: 10m}
)";

// The shared engine over an in-memory store (tests/support/engine_world.h), sending through
// the recording sender.
struct Fixture : mfa::testing::EngineWorld {
  RecordingSender sender;

  explicit Fixture(const char* policy_yaml = kPolicy) : EngineWorld(kT0) {
    if (Status st = init(policy_yaml, &sender); !st) fail_msg("%s", st.error().context.c_str());
  }

  // Enrols and activates an sms factor for `user`; returns its id.
  std::string enroll_sms(const std::string& user, const std::string& phone) {
    Requester who;
    who.admin = true;
    auto e = engine->factors.begin_delivery("system", user,
                                            {mfa::core::FactorType::kSms, phone, ""}, "", who);
    if (!e) fail_msg("begin_delivery: %s", e.error().context.c_str());
    auto a = engine->factors.activate("system", user, e->factor.id, sender.sent.back().code,
                                      AuditContext{});
    if (!a) fail_msg("activate: %s", a.error().context.c_str());
    return e->factor.id;
  }

  std::string login(const std::string& user) {
    LoginRequest lr;
    lr.user = user;
    lr.origin.service = "sshd";
    auto r = engine->logins.login(lr);
    if (!r) fail_msg("login: %s", r.error().context.c_str());
    assert_int_equal(static_cast<int>(r->decision), static_cast<int>(LoginDecision::kMfaRequired));
    return r->challenge_id;
  }

  std::vector<std::string> events(const std::string& challenge_id) {
    auto c = store->get_challenge(challenge_id);
    assert_true(c.has_value() && c->has_value());
    std::vector<std::string> out;
    for (const auto& e : (*c)->events) out.push_back(e.event);
    return out;
  }
};

bool has(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v) {
    if (x == s) return true;
  }
  return false;
}

void test_phone_validation(void**) {
  // NANP 555-0100..0199 numbers are reserved for fiction and valid in libphonenumber's plan.
  assert_string_equal(normalize_phone("+1 (201) 555-0123")->c_str(), "+12015550123");
  assert_string_equal(normalize_phone("+44 7911 123456")->c_str(), "+447911123456");
  assert_string_equal(normalize_phone("+33 6.12.34.56.78")->c_str(), "+33612345678");
  // National numbers with their country (S1: "add phone" takes a phone and a country).
  assert_string_equal(normalize_phone("06 12 34 56 78", "FR")->c_str(), "+33612345678");
  assert_string_equal(normalize_phone("(201) 555-0123", "us")->c_str(), "+12015550123");
  assert_string_equal(normalize_phone("+33612345678", "US")->c_str(), "+33612345678");  // '+' wins
  assert_false(normalize_phone("2015550123").has_value());            // national, no country
  assert_false(normalize_phone("06 12 34 56 78", "US").has_value());  // not a US number
  assert_false(normalize_phone("0612345678", "XX").has_value());      // no such region
  assert_false(normalize_phone("0612345678", "F").has_value());
  assert_false(normalize_phone("+0551234567").has_value());        // no country code 0
  assert_false(normalize_phone("+1201").has_value());              // too short
  assert_false(normalize_phone("+1234567890123456").has_value());  // 16 digits
  assert_false(normalize_phone("+15551234567").has_value());       // area code 555 is not in use
  assert_false(normalize_phone("+1201555012x").has_value());       // letters: vanity or extension
  assert_false(normalize_phone("+1 201 555 0123 ext 4").has_value());
  assert_false(normalize_phone("+1201\r\n5550123").has_value());
  assert_false(normalize_phone("").has_value());
  assert_false(normalize_phone("+").has_value());
  assert_false(normalize_phone(std::string(41, '1')).has_value());
  // Valid numbers no text message reaches: a London landline, a UK freephone.
  auto landline = normalize_phone("+44 20 7946 0958");
  assert_false(landline.has_value());
  assert_string_equal(landline.error().context.c_str(),
                      "that is a landline: text messages cannot reach it");
  assert_false(normalize_phone("+44 800 123 4567").has_value());
  assert_string_equal(normalize_email("Alice@Example.COM")->c_str(), "Alice@example.com");
  assert_false(normalize_email("alice@localhost").has_value());
  assert_false(normalize_email("a@b.com>\r\nRCPT TO:<x@y.z").has_value());
  assert_false(normalize_email("a@@b.com").has_value());
  assert_false(normalize_email("@b.com").has_value());
}

void test_obfuscation(void**) {
  assert_string_equal(obfuscate_phone("+12015550123").c_str(), "+1 ••• ••• 0123");
  assert_string_equal(obfuscate_phone("+447911123456").c_str(), "+44 ••• ••• 3456");
  assert_string_equal(obfuscate_phone("+353851234567").c_str(), "+353 ••• ••• 4567");
  assert_string_equal(obfuscate_phone("+8613800138000").c_str(), "+86 ••• ••• 8000");
  assert_string_equal(obfuscate_phone("garbage").c_str(), "•••");
  assert_string_equal(obfuscate_phone_short("+12015550123").c_str(), "••• 0123");
  assert_string_equal(obfuscate_email("alice@example.com").c_str(), "a•••@example.com");
  assert_string_equal(obfuscate_destination(mfa::core::FactorType::kSms, "+12015550123").c_str(),
                      "+1 ••• ••• 0123");
}

void test_code_hash_bound_to_challenge(void**) {
  OsRandom rng;
  auto h = hash_delivered_code(rng, "ch_one", "123456");
  assert_true(h.has_value());
  assert_int_equal(h->size(), 48);
  assert_true(delivered_code_matches(*h, "ch_one", "123456"));
  assert_true(delivered_code_matches(*h, "ch_one", "123 456"));
  assert_false(delivered_code_matches(*h, "ch_one", "123457"));
  assert_false(delivered_code_matches(*h, "ch_two", "123456"));  // bound to its challenge
  assert_false(delivered_code_matches({}, "ch_one", "123456"));
  auto h2 = hash_delivered_code(rng, "ch_one", "123456");
  assert_true(*h != *h2);  // fresh salt per code
}

void test_enroll_and_login_with_sms(void**) {
  Fixture f;
  Requester who;
  auto e = f.engine->factors.begin_delivery(
      "system", "bob", {mfa::core::FactorType::kSms, "+1 201 555 0123", ""}, "", who);
  assert_true(e.has_value());
  assert_int_equal(f.sender.sent.size(), 1);
  const OutgoingCode& m = f.sender.sent.back();
  assert_string_equal(m.destination.c_str(), "+12015550123");
  assert_true(m.channel == mfa::core::FactorType::kSms);
  assert_int_equal(m.code.size(), 6);
  assert_int_equal(m.minutes, 10);
  assert_string_equal(e->receipt.hint.c_str(), "+1 ••• ••• 0123");
  // Stored hashed: the challenge row never holds the code.
  auto c = f.store->get_challenge(e->challenge_id);
  assert_int_equal((*c)->code_hash.size(), 48);
  // A wrong code does not activate; the right one does (and brings backup codes).
  std::string wrong = m.code == "000000" ? "111111" : "000000";
  auto bad = f.engine->factors.activate("system", "bob", e->factor.id, wrong, AuditContext{});
  assert_false(bad.has_value());
  assert_int_equal(static_cast<int>(bad.error().code), static_cast<int>(Errc::kBadCode));
  auto a = f.engine->factors.activate("system", "bob", e->factor.id, m.code, AuditContext{});
  assert_true(a.has_value());
  assert_int_equal(a->backup_codes.size(), 10);
  auto u = f.store->get_user("system", "bob");
  assert_string_equal((*u)->phone.c_str(), "+12015550123");

  const std::string ch = f.login("bob");
  auto sent = f.engine->challenges.send_code("system", ch, e->factor.id, AuditContext{});
  assert_true(sent.has_value());
  const std::string code = f.sender.sent.back().code;
  auto v = f.engine->challenges.verify("system", ch, code, AuditContext{});
  assert_true(v.has_value());
  assert_string_equal(v->factor.type.c_str(), "sms");
  assert_string_equal(v->factor.factor_id.c_str(), e->factor.id.c_str());
  // Single use: the challenge is approved; the code is useless on a new one.
  assert_false(f.engine->challenges.verify("system", ch, code, AuditContext{}).has_value());
  const std::string ch2 = f.login("bob");
  assert_false(f.engine->challenges.verify("system", ch2, code, AuditContext{}).has_value());
}

void test_expiry_and_resend(void**) {
  Fixture f;
  const std::string fid = f.enroll_sms("carol", "+12015550111");
  std::string ch = f.login("carol");
  assert_true(f.engine->challenges.send_code("system", ch, fid, AuditContext{}).has_value());
  const std::string first = f.sender.sent.back().code;
  auto again = f.engine->challenges.resend("system", ch, AuditContext{});
  assert_true(again.has_value());
  const std::string second = f.sender.sent.back().code;
  if (first != second) {  // 1 in 10^6 they collide
    auto old = f.engine->challenges.verify("system", ch, first, AuditContext{});
    assert_false(old.has_value());  // resend cancelled the first code
  }
  assert_true(has(f.events(ch), "code_sent"));
  // 10 minutes later the code is dead with its challenge.
  f.clock.advance_s(kDeliveredCodeTtlS);
  auto late = f.engine->challenges.verify("system", ch, second, AuditContext{});
  assert_false(late.has_value());
  assert_int_equal(static_cast<int>(late.error().code), static_cast<int>(Errc::kExpired));
  // Just inside the lifetime it works.
  ch = f.login("carol");
  assert_true(f.engine->challenges.send_code("system", ch, fid, AuditContext{}).has_value());
  f.clock.advance_s(kDeliveredCodeTtlS - 1);
  assert_true(f.engine->challenges.verify("system", ch, f.sender.sent.back().code, AuditContext{})
                  .has_value());
}

void test_failed_delivery_marks_challenge(void**) {
  Fixture f;
  const std::string fid = f.enroll_sms("dave", "+12015550112");
  const std::string ch = f.login("dave");
  f.sender.failing = true;
  auto sent = f.engine->challenges.send_code("system", ch, fid, AuditContext{});
  assert_false(sent.has_value());
  assert_int_equal(static_cast<int>(sent.error().code), static_cast<int>(Errc::kUnavailable));
  assert_string_equal(sent.error().context.c_str(),
                      "Could not send the code: the SMS gateway answered HTTP 500");
  auto c = f.store->get_challenge(ch);
  assert_true((*c)->code_hash.empty());  // no valid code exists
  assert_true((*c)->data.find("\"delivery\":\"failed\"") != std::string::npos);
  assert_true(has(f.events(ch), "delivery_failed"));
  // The code that was handed to the failing sender does not work.
  auto v = f.engine->challenges.verify("system", ch, f.sender.sent.back().code, AuditContext{});
  assert_false(v.has_value());
  AuditFilter af;
  af.event = audit_event::kDeliveryFailed;
  auto audit = f.store->query_audit(af);
  assert_int_equal(audit->size(), 1);
  assert_true((*audit)[0].detail.find("HTTP 500") != std::string::npos);
  // A failed enrolment send leaves no pending factor behind.
  Requester who;
  who.admin = true;
  auto e = f.engine->factors.begin_delivery(
      "system", "erin", {mfa::core::FactorType::kEmail, "erin@example.com", ""}, "", who);
  assert_false(e.has_value());
  assert_true(f.engine->factors.list("system", "erin")->empty());
}

void test_rate_limit_per_destination(void**) {
  Fixture f;
  const std::string fid = f.enroll_sms("frank", "+12015550113");  // 1 send
  const std::string ch = f.login("frank");
  assert_true(f.engine->challenges.send_code("system", ch, fid, AuditContext{}).has_value());
  for (int i = 0; i < 3; ++i) {
    assert_true(f.engine->challenges.resend("system", ch, AuditContext{}).has_value());
  }
  // Five sends to this destination in the window: the sixth is refused.
  auto r = f.engine->challenges.resend("system", ch, AuditContext{});
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kRateLimited));
  assert_true(r.error().retry_after_s > 0);
  assert_int_equal(f.sender.sent.size(), 5);
}

void test_policy_gates_email(void**) {
  Fixture f(R"(
defaults:
  mode: required
  factors: [totp, sms, backup_code]
)");
  Requester who;
  auto e = f.engine->factors.begin_delivery(
      "system", "gus", {mfa::core::FactorType::kEmail, "gus@example.com", ""}, "", who);
  assert_false(e.has_value());
  assert_int_equal(static_cast<int>(e.error().code), static_cast<int>(Errc::kFactorNotAllowed));
  assert_string_equal(e.error().context.c_str(), "the policy does not allow email codes here");
  assert_true(f.sender.sent.empty());
}

void test_templates_and_bodies(void**) {
  assert_string_equal(
      mfa::daemon::render_template("{app}: {code} ({minutes} min) {unknown}",
                                   {{"app", "shop"}, {"code", "123456"}, {"minutes", "10"}})
          .c_str(),
      "shop: 123456 (10 min) {unknown}");
  OutgoingCode m;
  m.channel = mfa::core::FactorType::kSms;
  m.app = "shop";
  m.destination = "+15551234567";
  m.code = "654321";
  m.minutes = 10;
  m.challenge_id = "ch_x";
  SmsGatewayConfig sms;
  sms.body = {{"To", "{phone}"}, {"Body", "Your {app} code: {code}"}};
  assert_string_equal(mfa::daemon::build_sms_body(sms, m).c_str(),
                      "To=%2B15551234567&Body=Your+shop+code%3A+654321");
  sms.format = "json";
  assert_string_equal(mfa::daemon::build_sms_body(sms, m).c_str(),
                      "{\"Body\":\"Your shop code: 654321\",\"To\":\"+15551234567\"}");
  SmtpConfig smtp;
  smtp.from = "mfad <mfa@example.com>";
  smtp.apps = {{"shop", MessageTemplate{"Shop login", "Code {code} for {app}\n"}}};
  m.channel = mfa::core::FactorType::kEmail;
  m.destination = "bob@example.com";
  const std::string mail = mfa::daemon::build_email(smtp, m, kT0);
  assert_true(mail.find("Subject: Shop login\r\n") != std::string::npos);
  assert_true(mail.find("To: <bob@example.com>\r\n") != std::string::npos);
  assert_true(mail.find("\r\n\r\nCode 654321 for shop\r\n") != std::string::npos);
}

void test_config_delivery_section(void**) {
  const std::string base = "dev_mode: true\n";  // errors below count this line
  auto c = parse_daemon_config(base + R"(delivery:
  retries: 2
  smtp:
    url: smtps://mail.example.com:465
    ca_file: certs/mail-ca.pem
    username: mfad
    password_file: smtp.pw
    from: "MFA <mfa@example.com>"
    apps:
      shop: {subject: "Shop"}
  sms:
    url: https://sms.example.com/send
    headers: {Authorization: "Bearer x"}
    body: {To: "{phone}", Body: "{code}"}
)",
                               "mfad.yaml", "/etc/mfad");
  if (!c) fail_msg("%s", c.error().context.c_str());
  assert_true(c->delivery.smtp.enabled && c->delivery.sms.enabled);
  assert_int_equal(c->delivery.retries, 2);
  assert_string_equal(c->delivery.smtp.password_file.c_str(), "/etc/mfad/smtp.pw");
  assert_string_equal(c->delivery.smtp.ca_file.c_str(), "/etc/mfad/certs/mail-ca.pem");
  assert_string_equal(c->delivery.smtp.apps[0].second.subject.c_str(), "Shop");
  // The app template keeps the default body.
  assert_string_equal(c->delivery.smtp.apps[0].second.body.c_str(), MessageTemplate{}.body.c_str());
  assert_int_equal(c->delivery.sms.body.size(), 2);
  auto local = parse_daemon_config(
      base +
          "delivery:\n  smtp:\n    url: smtp://127.0.0.1:25\n    starttls: \"off\"\n"
          "    username: mfad\n    from: a@b.c\n",
      "mfad.yaml", "/etc/mfad");
  if (!local) fail_msg("%s", local.error().context.c_str());  // the server is on this host
  assert_true(local->delivery.smtp.ca_file.empty());
  struct Bad {
    const char* yaml;
    const char* error;
  };
  const Bad bad[] = {
      {"delivery:\n  smtp:\n    url: http://x.example.com\n    from: a@b.c\n",
       "mfad.yaml:4: delivery.smtp.url: expected a smtp:// or smtps:// URL without credentials"},
      {"delivery:\n  smtp:\n    url: smtp://u:p@x.example.com\n    from: a@b.c\n",
       "mfad.yaml:4: delivery.smtp.url: expected a smtp:// or smtps:// URL without credentials"},
      {"delivery:\n  smtp:\n    url: smtp://x.example.com\n    from: a@b.c\n    starttls: no\n",
       "mfad.yaml:6: delivery.smtp.starttls: expected required, optional or off"},
      // AUTH where a stripped STARTTLS would send the password in cleartext.
      {"delivery:\n  smtp:\n    url: smtp://x.example.com\n    from: a@b.c\n"
       "    starttls: optional\n    username: mfad\n",
       "mfad.yaml:7: delivery.smtp.username: AUTH needs smtps:// or starttls: required"},
      {"delivery:\n  sms:\n    url: https://x.example.com\n    headers: {\"X\": \"a\\r\\nB: c\"}\n"
       "    body: {to: x}\n",
       "mfad.yaml:5: delivery.sms.headers.X: no line breaks or colons allowed"},
      {"delivery:\n  sms:\n    url: https://x.example.com\n    method: GET\n    body: {to: x}\n",
       "mfad.yaml:5: delivery.sms.method: expected POST or PUT"},
      {"delivery:\n  retries: 9\n", "mfad.yaml:3: delivery.retries: expected an integer 0-5"},
      {"delivery:\n  smpt: {}\n", "mfad.yaml:3: delivery.smpt: unknown key"},
  };
  for (const Bad& b : bad) {
    auto r = parse_daemon_config(base + b.yaml, "mfad.yaml", "/etc/mfad");
    if (r) fail_msg("accepted: %s", b.yaml);
    if (r.error().context != b.error) {
      fail_msg("got '%s', want '%s'", r.error().context.c_str(), b.error);
    }
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_phone_validation),
      cmocka_unit_test(test_obfuscation),
      cmocka_unit_test(test_code_hash_bound_to_challenge),
      cmocka_unit_test(test_enroll_and_login_with_sms),
      cmocka_unit_test(test_expiry_and_resend),
      cmocka_unit_test(test_failed_delivery_marks_challenge),
      cmocka_unit_test(test_rate_limit_per_destination),
      cmocka_unit_test(test_policy_gates_email),
      cmocka_unit_test(test_templates_and_bodies),
      cmocka_unit_test(test_config_delivery_section),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
