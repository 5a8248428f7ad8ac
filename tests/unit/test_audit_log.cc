// The journal fields of an audit event (MFA_EVENT, MFA_USER, MFA_APP, MFA_ACTOR): journald does
// not run on the test machine, so this checks the list that log.cc hands to
// sd_journal_sendv(), built by the same function AuditLog::emit uses.
#include <cstring>
#include <string>
#include <vector>

#include "daemon/core/store/store.h"
#include "daemon/src/audit_log.h"
#include "daemon/src/os/log.h"

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

using mfa::AuditEvent;
using mfa::daemon::audit_journal_fields;

namespace {

bool has(const std::vector<std::string>& v, const std::string& want) {
  for (const std::string& s : v) {
    if (s == want) return true;
  }
  return false;
}

void test_event_user_app_actor(void** /*state*/) {
  AuditEvent e;
  e.event = "user.mfa_succeeded";
  e.user = "alice";
  e.app = "shop";
  e.actor = "uid:0";
  e.remote_addr = "192.0.2.7";
  e.detail = R"({"factor":"totp"})";
  const auto f = audit_journal_fields(e);
  assert_int_equal(f.size(), 4);
  assert_true(has(f, "MFA_EVENT=user.mfa_succeeded"));
  assert_true(has(f, "MFA_USER=alice"));
  assert_true(has(f, "MFA_APP=shop"));
  assert_true(has(f, "MFA_ACTOR=uid:0"));
  for (const std::string& s : f) assert_null(strstr(s.c_str(), "totp"));  // detail: message only
}

void test_empty_values_left_out(void** /*state*/) {
  AuditEvent e;
  e.event = "policy.reloaded";
  e.actor = "signal:SIGHUP";
  const auto f = audit_journal_fields(e);
  assert_int_equal(f.size(), 2);
  assert_true(has(f, "MFA_EVENT=policy.reloaded"));
}

// A crafted user name cannot add a line or a field, nor grow without bound.
void test_controls_escaped_and_cut(void** /*state*/) {
  AuditEvent e;
  e.event = "user.mfa_failed";
  e.user = "eve\nMFA_USER=root\x1b[2J";
  e.app = std::string(1000, 'a');
  const auto f = audit_journal_fields(e);
  for (const std::string& s : f) {
    assert_null(strchr(s.c_str(), '\n'));
    assert_null(strchr(s.c_str(), '\x1b'));
  }
  assert_false(has(f, "MFA_USER=root"));
  assert_true(has(f, "MFA_APP=" + std::string(256, 'a')));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_event_user_app_actor),
      cmocka_unit_test(test_empty_values_left_out),
      cmocka_unit_test(test_controls_escaped_and_cut),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
