// The PAM user is its account (issue 10 finding 3): resolve_login_name through an injected
// Directory that behaves like the name services that give one account several names — an
// alias passwd line (same uid, another name) and a case-insensitive directory (SSSD with
// case_sensitive = false answers "ALICE" with pw_name "alice") — under both
// pam.user_aliases settings; PamConversations keyed on the account (its factor, its uid for
// a non-admin caller); and that the daemon's UnixDirectory gives root's own name.

#include <cctype>
#include <string>

#include "daemon/core/encoding/base32.h"
#include "daemon/core/pam/pam_conversation.h"
#include "daemon/core/services/login_name.h"
#include "daemon/src/os/unix_directory.h"
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

using namespace mfa::core;
using mfa::Errc;
using mfa::Result;

using mfa::testing::reference_totp;  // the oracle: not liboath, which the product uses

namespace {

// alice (uid 1000), case-insensitive; "toor" is an alias line of root; "broken" makes the
// directory fail.
class CaseInsensitiveDirectory final : public Directory {
 public:
  Result<std::optional<Account>> resolve(const std::string& user) override {
    std::string lower;
    for (char ch : user) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "broken") return (mfa::fail)(Errc::kUnavailable, "directory down");
    if (lower == "alice") return std::optional(Account{"alice", 1000});
    if (user == "root" || user == "toor") return std::optional(Account{"root", 0});
    return std::optional<Account>();
  }
  std::vector<std::string> groups_of(const std::string&) override { return {}; }
};

void expect(const std::string& name, UserAliases aliases, LoginName::Kind kind, const char* account,
            uid_t uid) {
  CaseInsensitiveDirectory dir;
  auto r = resolve_login_name(dir, aliases, name);
  assert_true(r.has_value());
  assert_int_equal(static_cast<int>(r->kind), static_cast<int>(kind));
  assert_string_equal(r->account.name.c_str(), account);
  assert_int_equal(r->account.uid, uid);
}

void test_canonical_name_is_the_account(void**) {
  for (auto a : {UserAliases::kRefuse, UserAliases::kCanonical}) {
    expect("alice", a, LoginName::Kind::kAccount, "alice", 1000);
    expect("root", a, LoginName::Kind::kAccount, "root", 0);
  }
}

void test_other_case_is_another_name(void**) {
  // Refused by default; with canonical it is alice, never an account "ALICE" of its own.
  for (const char* n : {"ALICE", "Alice", "aLiCe"}) {
    expect(n, UserAliases::kRefuse, LoginName::Kind::kRefusedAlias, "alice", 1000);
    expect(n, UserAliases::kCanonical, LoginName::Kind::kAccount, "alice", 1000);
  }
}

void test_alias_line_is_another_name(void**) {
  expect("toor", UserAliases::kRefuse, LoginName::Kind::kRefusedAlias, "root", 0);
  expect("toor", UserAliases::kCanonical, LoginName::Kind::kAccount, "root", 0);
}

void test_unknown_and_unavailable(void**) {
  CaseInsensitiveDirectory dir;
  auto r = resolve_login_name(dir, UserAliases::kCanonical, "nobody-here");
  assert_true(r.has_value());
  assert_int_equal(static_cast<int>(r->kind), static_cast<int>(LoginName::Kind::kUnknown));
  r = resolve_login_name(dir, UserAliases::kCanonical, "Broken");
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kUnavailable));
}

void test_unix_directory(void**) {
  mfa::daemon::UnixDirectory dir;
  auto r = dir.resolve("root");
  assert_true(r.has_value() && r->has_value());
  assert_string_equal((*r)->name.c_str(), "root");
  assert_int_equal((*r)->uid, 0);
  r = dir.resolve("no-such-user-mfa-unit");
  assert_true(r.has_value());
  assert_false(r->has_value());
}

PamCaller unix_caller(uid_t uid, bool admin) {
  return PamCaller{uid, admin};
}

// alice has a TOTP factor; the policy is optional, so a name without factors would pass.
void test_conversation_is_the_accounts(void**) {
  for (const char* aliases : {"refuse", "canonical"}) {
    const bool canonical = std::string(aliases) == "canonical";
    CaseInsensitiveDirectory dir;
    mfa::testing::EngineWorld w(1'800'000'000);
    auto st = w.init(std::string("defaults: {mode: optional, factors: [totp]}\n"
                                 "pam: {user_aliases: ") +
                         aliases + "}\n",
                     nullptr, [&](EngineDeps& d) { d.directory = &dir; });
    if (!st) fail_msg("%s", st.error().context.c_str());
    auto e = w.engine->factors.begin_totp("system", "alice", "phone", TotpParams{}, Requester{});
    assert_true(e.has_value());
    assert_true(w.engine->factors
                    .activate("system", "alice", e->factor_id,
                              reference_totp(e->secret_b32, w.clock.now_s()), AuditContext{})
                    .has_value());
    w.clock.advance_s(30);
    PamConversations convs(*w.engine, [](std::string_view) { return std::string("[QR]"); });
    const PamStart login{"ALICE", {"sshd", "", "ssh"}, ""};
    for (auto caller : {unix_caller(0, true), unix_caller(1000, false)}) {
      auto r = convs.start(login, caller);
      assert_true(r.has_value());
      const PamStep& step = r->second;
      if (!canonical) {
        assert_true(step.done);
        assert_string_equal(step.result.c_str(), "deny");
        continue;
      }
      // alice's code prompt, and alice's code answers it.
      assert_false(step.done);
      auto a = convs.answer(r->first, reference_totp(e->secret_b32, w.clock.now_s()), caller);
      assert_true(a.has_value() && a->done);
      assert_string_equal(a->result.c_str(), "success");
      w.clock.advance_s(30);
    }
    // Another uid may not authenticate alice, by any of her names.
    for (const char* name : {"alice", "ALICE"}) {
      auto r = convs.start({name, {"sshd", "", "ssh"}, ""}, unix_caller(1001, false));
      assert_false(r.has_value());
      assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kPermissionDenied));
    }
    // Nothing is stored under the other spelling.
    auto u = w.store->get_user("system", "ALICE");
    assert_true(u.has_value() && !u->has_value());
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_canonical_name_is_the_account),
      cmocka_unit_test(test_other_case_is_another_name),
      cmocka_unit_test(test_alias_line_is_another_name),
      cmocka_unit_test(test_unknown_and_unavailable),
      cmocka_unit_test(test_conversation_is_the_accounts),
      cmocka_unit_test(test_unix_directory),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
