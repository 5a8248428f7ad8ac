// Policy: the DESIGN.md section 4 example, evaluation order (apps, first matching rule),
// negations, CIDR rules, every class of bad file (line + key path in the error), the shipped
// conf/policy.yaml, explain output, and PolicyHolder reload semantics.
// Run from the repository root (tests/run_all.sh does): fixtures are read by relative path.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "daemon/core/policy/policy.h"
#include "daemon/core/policy/policy_explain.h"
#include "daemon/core/policy/policy_holder.h"

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

using namespace mfa::core;

namespace {

Policy load_fixture(const std::string& name) {
  auto p = load_policy_file("tests/fixtures/policy/" + name);
  if (!p) print_error("%s\n", p.error().context.c_str());
  assert_true(p.has_value());
  return std::move(*p);
}

LoginContext ctx(std::string service, std::string user, std::string rhost,
                 std::vector<std::string> groups = {}, std::string app = "system") {
  LoginContext c;
  c.app = std::move(app);
  c.origin.service = std::move(service);
  c.user = std::move(user);
  c.origin.remote_addr = std::move(rhost);
  c.groups = std::move(groups);
  return c;
}

void test_design_example_parses(void**) {
  const Policy p = load_fixture("design_example.yaml");
  assert_int_equal(static_cast<int>(p.defaults.mode), static_cast<int>(Mode::kOptional));
  assert_int_equal(p.defaults.factors.size(), 4);
  assert_string_equal(p.defaults.factors[3].c_str(), "backup_code");
  assert_int_equal(p.defaults.grace_period_s, 7 * 86400);
  assert_int_equal(p.defaults.remember_s, 0);
  assert_true(p.defaults.webauthn_skips_mfa);
  assert_int_equal(p.defaults.lockout.attempts, 5);
  assert_int_equal(p.defaults.lockout.window_s, 900);
  assert_int_equal(p.rules.size(), 2);
  assert_int_equal(p.rules[0].line, 9);
  assert_int_equal(p.rules[1].line, 11);
  assert_int_equal(static_cast<int>(*p.rules[1].mode), static_cast<int>(Mode::kOff));
  assert_string_equal(p.rules[1].match.groups[0].c_str(), "!wheel");
  assert_string_equal(p.rules[1].match.rhosts[0].c_str(), "10.0.0.0/8");
  assert_true(p.step_up_new_rhost);
  assert_int_equal(p.apps.size(), 1);
  const AppPolicy& app = p.apps.at("billing-web");
  assert_int_equal(static_cast<int>(*app.mode), static_cast<int>(Mode::kRequired));
  assert_int_equal(app.factors->size(), 4);
  assert_string_equal(app.email_auth_type.c_str(), "otp");
}

void test_first_match_wins(void**) {
  const Policy p = load_fixture("design_example.yaml");
  // sudo: rule 0, whatever else matches later.
  Evaluation e = evaluate(p, ctx("sudo", "alice", "10.1.2.3"));
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kRequired));
  assert_string_equal(e.matched.c_str(), "rules[0] (design_example.yaml:9)");
  assert_int_equal(e.trace.size(), 2);  // defaults + rule 0 (rule 1 never considered)
  assert_true(e.step_up_new_rhost);
  // sshd from 10/8, not in wheel: rule 1 (off).
  e = evaluate(p, ctx("sshd", "bob", "10.9.9.9", {"users"}));
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kOff));
  assert_string_equal(e.matched.c_str(), "rules[1] (design_example.yaml:11)");
  assert_non_null(strstr(e.trace[1].c_str(), "service 'sshd' does not match [sudo]"));
  // Unchanged settings are inherited from defaults.
  assert_int_equal(e.settings.grace_period_s, 7 * 86400);
  assert_int_equal(e.settings.lockout.attempts, 5);
  // Other services fall through to the defaults.
  e = evaluate(p, ctx("login", "bob", ""));
  assert_string_equal(e.matched.c_str(), "defaults");
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kOptional));
  assert_int_equal(e.trace.size(), 3);
}

void test_negated_group(void**) {
  const Policy p = load_fixture("design_example.yaml");
  // In wheel: the negation fails, so rule 1 does not apply.
  Evaluation e = evaluate(p, ctx("sshd", "root", "10.0.0.1", {"users", "wheel"}));
  assert_string_equal(e.matched.c_str(), "defaults");
  assert_non_null(strstr(e.trace[2].c_str(), "groups"));
  // No groups at all: not in wheel.
  e = evaluate(p, ctx("sshd", "carol", "10.0.0.1"));
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kOff));

  // List semantics: positives OR'ed, negations AND'ed.
  RuleMatch m;
  m.users = {"*", "!root"};
  assert_true(rule_matches(m, ctx("sshd", "alice", "")));
  assert_false(rule_matches(m, ctx("sshd", "root", "")));
  m.users = {"adm-*", "ops?"};
  assert_true(rule_matches(m, ctx("sshd", "adm-bob", "")));
  assert_true(rule_matches(m, ctx("sshd", "ops1", "")));
  assert_false(rule_matches(m, ctx("sshd", "ops12", "")));
  assert_false(rule_matches(m, ctx("sshd", "xadm-bob", "")));
  m.users.clear();
  m.groups = {"!wheel", "!adm"};
  assert_true(rule_matches(m, ctx("sshd", "u", "", {"users"})));
  assert_false(rule_matches(m, ctx("sshd", "u", "", {"users", "adm"})));
}

void test_cidr_rules(void**) {
  auto p = parse_policy(R"(
rules:
  - match: {rhost: [192.168.0.0/16, "2001:db8::/32"]}
    mode: off
  - match: {rhost: "!10.0.0.0/8"}
    mode: required
)",
                        "inline.yaml");
  assert_true(p.has_value());
  auto mode_for = [&](const char* rhost) {
    return static_cast<int>(evaluate(*p, ctx("sshd", "u", rhost)).settings.mode);
  };
  const int off = static_cast<int>(Mode::kOff), req = static_cast<int>(Mode::kRequired),
            opt = static_cast<int>(Mode::kOptional);
  assert_int_equal(mode_for("192.168.4.5"), off);
  assert_int_equal(mode_for("::ffff:192.168.4.5"), off);
  assert_int_equal(mode_for("2001:db8:0:1::9"), off);
  assert_int_equal(mode_for("2001:db9::1"), req);  // not in 10/8 either
  assert_int_equal(mode_for("10.2.3.4"), opt);
  assert_int_equal(mode_for("203.0.113.1"), req);
  assert_int_equal(mode_for(""), req);  // no rhost (console/sudo) is not inside 10/8
}

void test_apps(void**) {
  const Policy p = load_fixture("design_example.yaml");
  Evaluation e = evaluate(p, ctx("", "alice", "10.0.0.1", {}, "billing-web"));
  assert_string_equal(e.matched.c_str(), "apps.billing-web");
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kRequired));
  assert_int_equal(e.settings.factors.size(), 4);
  assert_string_equal(e.settings.factors[2].c_str(), "email");
  assert_int_equal(e.settings.lockout.attempts, 5);  // inherited
  // Rules without app: never apply to other apps (service sudo would match rule 0 otherwise).
  e = evaluate(p, ctx("sudo", "alice", "", {}, "billing-web"));
  assert_string_equal(e.matched.c_str(), "apps.billing-web");
  // Unknown app: defaults.
  e = evaluate(p, ctx("", "alice", "", {}, "other"));
  assert_string_equal(e.matched.c_str(), "defaults");

  auto q = parse_policy(R"(
rules:
  - name: billing-office
    match: {app: billing-web, rhost: 10.0.0.0/8}
    remember: 12h
apps:
  billing-web:
    mode: required
    lockout: {attempts: 3}
)",
                        "q.yaml");
  assert_true(q.has_value());
  e = evaluate(*q, ctx("", "alice", "10.1.1.1", {}, "billing-web"));
  assert_string_equal(e.matched.c_str(), "rules[0] \"billing-office\" (q.yaml:3)");
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kRequired));
  assert_int_equal(e.settings.remember_s, 12 * 3600);
  assert_int_equal(e.settings.lockout.attempts, 3);
  assert_int_equal(e.settings.lockout.window_s, 900);  // window inherited from defaults
  // The app rule does not apply to PAM logins.
  e = evaluate(*q, ctx("sshd", "alice", "10.1.1.1"));
  assert_string_equal(e.matched.c_str(), "defaults");
}

struct BadCase {
  const char* file;
  const char* expect;  // substring of the error, starting with "file:line: key.path: "
};

void test_bad_files(void**) {
  const BadCase cases[] = {
      {"bad_unknown_key.yaml", "bad_unknown_key.yaml:6: rules[0].remeber: unknown key"},
      {"bad_mode.yaml",
       "bad_mode.yaml:5: rules[0].mode: expected off, optional or required, got 'requird'"},
      {"bad_duration.yaml",
       "bad_duration.yaml:3: defaults.grace_period: bad duration '7days': unknown unit 'days'"},
      {"bad_cidr.yaml",
       "bad_cidr.yaml:4: rules[0].match.rhost[1]: bad address or CIDR "
       "'10.0.0.0/33'"},
      {"bad_tag.yaml", "bad_tag.yaml:5: rules[1].match.group: '!wheel' is a YAML tag; quote"},
      {"bad_not_map.yaml", "bad_not_map.yaml:1: (top level): expected a mapping"},
      {"bad_factor.yaml", "bad_factor.yaml:2: defaults.factors: unknown factor 'yubikey'"},
      {"bad_lockout.yaml",
       "bad_lockout.yaml:3: defaults.lockout.attempts: expected a whole "
       "number 1..100"},
      {"bad_syntax.yaml", "bad_syntax.yaml:4: "},
  };
  for (const BadCase& c : cases) {
    const std::string path = std::string("tests/fixtures/policy/") + c.file;
    auto p = load_policy_file(path);
    assert_false(p.has_value());
    assert_int_equal(static_cast<int>(p.error().code), static_cast<int>(mfa::Errc::kPolicyInvalid));
    const std::string& msg = p.error().context;
    if (msg.find(c.expect) == std::string::npos) {
      print_error("expected '%s'\n     got '%s'\n", c.expect, msg.c_str());
      fail();
    }
  }
}

void expect_error(const std::string& yaml, const char* expect) {
  auto p = parse_policy(yaml, "p.yaml");
  assert_false(p.has_value());
  if (p.error().context.find(expect) == std::string::npos) {
    print_error("expected '%s'\n     got '%s'\n", expect, p.error().context.c_str());
    fail();
  }
}

void test_more_errors(void**) {
  expect_error("defaults:\n  mode: optional\n  mode: required\n",
               "p.yaml:3: defaults.mode: duplicate key");
  expect_error("frobnicate: 1\n", "p.yaml:1: frobnicate: unknown key");
  expect_error("defaults:\n  mode: false\n",
               "p.yaml:2: defaults.mode: expected off, optional or required, got 'false'");
  expect_error("defaults:\n  factors: totp\n", "p.yaml:2: defaults.factors: expected a list");
  expect_error("defaults:\n  factors: []\n", "defaults.factors: at least one factor");
  expect_error("defaults:\n  factors: [totp, totp]\n", "listed twice");
  expect_error("defaults:\n  lockout: {attempts: 0}\n", "defaults.lockout.attempts");
  expect_error("defaults:\n  lockout: {window: 0s}\n", "defaults.lockout.window");
  expect_error("defaults:\n  webauthn_skips_mfa: maybe\n", "expected true or false");
  expect_error("rules:\n  - match: {colour: red}\n",
               "p.yaml:2: rules[0].match.colour: unknown key");
  expect_error("rules:\n  - match: {user: [a, [b]]}\n",
               "rules[0].match.user[1]: expected a single value");
  expect_error("rules:\n  - match: {group: ''}\n", "rules[0].match.group: empty entry");
  expect_error("rules: {a: 1}\n", "p.yaml:1: rules: expected a list");
  expect_error("rules:\n  - 5\n", "p.yaml:2: rules[0]: expected a mapping");
  expect_error("apps:\n  'bad name':\n    mode: off\n", "apps.bad name: 'bad name': app names");
  expect_error("apps:\n  web:\n    email_auth_type: link\n",
               "apps.web.email_auth_type: expected otp");
  expect_error("step_up:\n  new_host: true\n", "step_up.new_host: unknown key");
  expect_error("pam:\n  user_aliases: map\n",
               "p.yaml:2: pam.user_aliases: expected refuse or canonical, got 'map'");
  expect_error("pam:\n  aliases: refuse\n", "pam.aliases: unknown key");
  expect_error("defaults: [1]\n", "defaults: expected a mapping");
  expect_error("\"just a string\"\n", "(top level): expected a mapping");
  // Oversize file: refused before parsing.
  std::string big = "defaults:\n  mode: optional\n#" + std::string(1024 * 1024, 'x') + "\n";
  expect_error(big, "the limit is 1048576");
  // Too many rules.
  std::string many = "rules:\n";
  for (int i = 0; i < 1001; ++i)
    many += "  - {match: {service: s" + std::to_string(i) + "}, mode: off}\n";
  expect_error(many, "rules: more than 1000 rules");
}

// Policy and API share one app-name rule (validate_app_name): the API refuses Shop.Web, so a
// policy entry spelt that way could never apply and is an error, in apps: and in match: app.
void test_app_names_follow_the_api_rule(void**) {
  expect_error("apps:\n  Shop.Web:\n    mode: required\n",
               "p.yaml:2: apps.Shop.Web: 'Shop.Web': app names are 1-64 characters of a-z, 0-9");
  expect_error("apps:\n  shop.web:\n    mode: required\n", "apps.shop.web: 'shop.web'");
  expect_error("apps:\n  Shop:\n    mode: required\n", "apps.Shop: 'Shop'");
  expect_error("apps:\n  " + std::string(65, 'a') + ":\n    mode: off\n", "app names are 1-64");
  expect_error("rules:\n  - match: {app: Shop.Web}\n    mode: off\n",
               "p.yaml:2: rules[0].match.app: 'Shop.Web': app names");
  expect_error("rules:\n  - match: {apps: [shop, '!Shop.*']}\n    mode: off\n",
               "rules[0].match.apps[1]: '!Shop.*': app names");
  // What the API accepts, globs and negation included, still parses.
  auto p = parse_policy(
      "apps:\n  shop-web_2:\n    mode: required\n  " + std::string(64, 'a') +
          ":\n    mode: off\nrules:\n  - match: {app: ['shop-*', '!sh?p', system]}\n    mode: "
          "off\n",
      "ok.yaml");
  assert_true(p.has_value());
  assert_int_equal(p->apps.size(), 2);
  assert_true(p->apps.count("shop-web_2") == 1);
}

void test_yaml_gotchas(void**) {
  // off/on are YAML 1.1 booleans, but yaml-cpp keeps the scalar text: both forms work.
  for (const char* y :
       {"defaults:\n  mode: off\n", "defaults:\n  mode: 'off'\n", "defaults:\n  mode: \"off\"\n"}) {
    auto p = parse_policy(y, "g.yaml");
    assert_true(p.has_value());
    assert_int_equal(static_cast<int>(p->defaults.mode), static_cast<int>(Mode::kOff));
  }
  // Quoted negation in flow and block style; "0" duration without unit.
  auto p = parse_policy(
      "rules:\n  - match: {group: '!wheel'}\n    remember: 0\n  - match:\n      group:\n        - "
      "\"!adm\"\n",
      "g.yaml");
  assert_true(p.has_value());
  assert_string_equal(p->rules[0].match.groups[0].c_str(), "!wheel");
  assert_string_equal(p->rules[1].match.groups[0].c_str(), "!adm");
  assert_int_equal(*p->rules[0].remember_s, 0);
  // Empty file and comments-only file: the built-in defaults (aliases of accounts refused).
  for (const char* y : {"", "# nothing yet\n"}) {
    auto e = parse_policy(y, "e.yaml");
    assert_true(e.has_value());
    assert_int_equal(static_cast<int>(e->defaults.mode), static_cast<int>(Mode::kOptional));
    assert_true(e->rules.empty());
    assert_true(e->pam_user_aliases == UserAliases::kRefuse);
  }
  for (const char* v : {"refuse", "canonical"}) {
    auto e = parse_policy(std::string("pam: {user_aliases: ") + v + "}\n", "a.yaml");
    assert_true(e.has_value());
    assert_string_equal(std::string(to_string(e->pam_user_aliases)).c_str(), v);
    assert_string_equal(policy_to_json(*e)["pam"]["user_aliases"].get<std::string>().c_str(), v);
  }
}

void test_shipped_reference_policy(void**) {
  auto p = load_policy_file("conf/policy.yaml");
  if (!p) print_error("%s\n", p.error().context.c_str());
  assert_true(p.has_value());
  assert_true(p->rules.size() >= 3);
  assert_true(p->pam_user_aliases == UserAliases::kRefuse);
  Evaluation e = evaluate(*p, ctx("sudo", "alice", ""));
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kRequired));
  e = evaluate(*p, ctx("sshd", "bob", "10.4.4.4", {"users"}));
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kOff));
  e = evaluate(*p, ctx("sshd", "root", "10.4.4.4", {"sudo"}));
  assert_int_equal(static_cast<int>(e.settings.mode), static_cast<int>(Mode::kRequired));
  assert_int_equal(e.settings.factors.size(), 3);
}

void test_explain(void**) {
  const Policy p = load_fixture("design_example.yaml");
  const std::string text = explain_text(p, ctx("sudo", "alice", "10.1.2.3", {"wheel"}));
  assert_non_null(strstr(text.c_str(), "service sudo, user alice"));
  assert_non_null(strstr(text.c_str(), "rules[0] (design_example.yaml:9): matched"));
  assert_non_null(strstr(text.c_str(), "mode required"));
  assert_non_null(strstr(text.c_str(), "grace period (7d"));
  const auto j = policy_to_json(p);
  assert_int_equal(j["rules"].size(), 2);
  assert_string_equal(j["defaults"]["grace_period"].get<std::string>().c_str(), "7d");
  const auto ej = evaluation_to_json(evaluate(p, ctx("sshd", "bob", "10.0.0.9")),
                                     ctx("sshd", "bob", "10.0.0.9"));
  assert_string_equal(ej["settings"]["mode"].get<std::string>().c_str(), "off");
  assert_true(ej["flow"].size() >= 1);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

void test_holder_reload_keeps_old_on_error(void**) {
  char dir[] = "/tmp/mfa-policy-XXXXXX";
  assert_non_null(mkdtemp(dir));
  const std::string path = std::string(dir) + "/policy.yaml";
  write_file(path, "defaults:\n  mode: required\n");
  PolicyHolder h(path);
  assert_string_equal(h.path().c_str(), path.c_str());
  assert_true(h.load().has_value());
  auto first = h.current();
  assert_int_equal(static_cast<int>(first->defaults.mode), static_cast<int>(Mode::kRequired));

  write_file(path,
             "defaults:\n  mode: off\nrules:\n  - match: {service: sudo}\n    mode: required\n");
  auto r = h.reload();
  assert_true(r.has_value());
  assert_non_null(strstr(r->c_str(), "1 rule, 0 apps, default mode off"));
  assert_int_equal(static_cast<int>(h.current()->defaults.mode), static_cast<int>(Mode::kOff));
  // The snapshot taken before the reload is still valid and unchanged.
  assert_int_equal(static_cast<int>(first->defaults.mode), static_cast<int>(Mode::kRequired));

  write_file(path, "defaults:\n  mode: requird\n");
  auto bad = h.reload();
  assert_false(bad.has_value());
  assert_non_null(strstr(bad.error().context.c_str(), "policy.yaml:2: defaults.mode"));
  assert_int_equal(static_cast<int>(h.current()->defaults.mode), static_cast<int>(Mode::kOff));
  assert_int_equal(h.current()->rules.size(), 1);

  // Readers racing a reloader always see a whole policy.
  std::thread reader([&] {
    for (int i = 0; i < 2000; ++i) {
      auto cur = h.current();
      assert_true(cur->defaults.mode == Mode::kOff || cur->defaults.mode == Mode::kRequired);
    }
  });
  for (int i = 0; i < 50; ++i) {
    write_file(path, i % 2 ? "defaults: {mode: off}\n" : "defaults: {mode: required}\n");
    assert_true(h.reload().has_value());
  }
  reader.join();

  unlink(path.c_str());
  auto gone = h.reload();
  assert_false(gone.has_value());
  assert_non_null(h.current().get());
  PolicyHolder missing(path);
  assert_false(missing.load().has_value());
  assert_int_equal(static_cast<int>(missing.current()->defaults.mode),
                   static_cast<int>(Mode::kOptional));
  rmdir(dir);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_design_example_parses),
      cmocka_unit_test(test_first_match_wins),
      cmocka_unit_test(test_negated_group),
      cmocka_unit_test(test_cidr_rules),
      cmocka_unit_test(test_apps),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_more_errors),
      cmocka_unit_test(test_app_names_follow_the_api_rule),
      cmocka_unit_test(test_yaml_gotchas),
      cmocka_unit_test(test_shipped_reference_policy),
      cmocka_unit_test(test_explain),
      cmocka_unit_test(test_holder_reload_keeps_old_on_error),
  };
  return cmocka_run_group_tests_name("policy", tests, nullptr, nullptr);
}
