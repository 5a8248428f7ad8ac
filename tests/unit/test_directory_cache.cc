// CachingDirectory: repeated questions about one account within the ttl reach NSS once; an
// expired entry, a clock stepped back, or ttl 0 asks again; the table stays bounded.
#include <map>
#include <string>
#include <vector>

#include "daemon/core/clock.h"
#include "daemon/core/limits.h"
#include "daemon/src/directory_cache.h"

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using namespace mfa;
using mfa::daemon::CachingDirectory;

namespace {

// Counts what reaches "NSS"; its answers can change underneath the cache.
struct CountingDirectory final : core::Directory {
  std::map<std::string, std::vector<std::string>> accounts;
  int exists_calls = 0;
  int groups_calls = 0;
  bool user_exists(const std::string& user) override {
    ++exists_calls;
    return accounts.count(user) != 0;
  }
  std::vector<std::string> groups_of(const std::string& user) override {
    ++groups_calls;
    auto it = accounts.find(user);
    return it == accounts.end() ? std::vector<std::string>{} : it->second;
  }
};

void test_reuses_within_ttl(void**) {
  CountingDirectory nss;
  nss.accounts["alice"] = {"staff", "wheel"};
  ManualClock clock(1'000'000);
  CachingDirectory dir(nss, clock, 2000);
  for (int i = 0; i < 3; ++i) {
    assert_true(dir.user_exists("alice"));
    assert_int_equal(dir.groups_of("alice").size(), 2);
  }
  assert_false(dir.user_exists("mallory"));  // negative answers are cached too
  assert_false(dir.user_exists("mallory"));
  assert_int_equal(nss.exists_calls, 2);
  assert_int_equal(nss.groups_calls, 1);

  // A group change underneath shows after the ttl, not before.
  nss.accounts["alice"] = {"staff"};
  clock.advance_ms(1999);
  assert_int_equal(dir.groups_of("alice").size(), 2);
  clock.advance_ms(1);
  assert_int_equal(dir.groups_of("alice").size(), 1);
  assert_int_equal(nss.groups_calls, 2);
}

void test_clock_stepping_back_expires(void**) {
  CountingDirectory nss;
  nss.accounts["alice"] = {"staff"};
  ManualClock clock(1'000'000);
  CachingDirectory dir(nss, clock, 60'000);
  dir.groups_of("alice");
  clock.advance_ms(-5000);
  dir.groups_of("alice");
  assert_int_equal(nss.groups_calls, 2);
}

void test_ttl_zero_is_off(void**) {
  CountingDirectory nss;
  nss.accounts["alice"] = {};
  ManualClock clock;
  CachingDirectory dir(nss, clock, 0);
  dir.user_exists("alice");
  dir.user_exists("alice");
  dir.groups_of("alice");
  dir.groups_of("alice");
  assert_int_equal(nss.exists_calls, 2);
  assert_int_equal(nss.groups_calls, 2);
}

void test_bounded(void**) {
  CountingDirectory nss;
  ManualClock clock(1'000'000);
  CachingDirectory dir(nss, clock, 60'000);
  const int n = static_cast<int>(limits::kMaxDirectoryCacheEntries);
  for (int i = 0; i < n; ++i) dir.user_exists("u" + std::to_string(i));
  assert_int_equal(nss.exists_calls, n);
  dir.user_exists("u0");  // still cached: the table is exactly full
  assert_int_equal(nss.exists_calls, n);
  dir.user_exists("one-more");  // full of fresh entries: the table starts over
  dir.user_exists("u0");
  assert_int_equal(nss.exists_calls, n + 2);
  dir.user_exists("one-more");
  assert_int_equal(nss.exists_calls, n + 2);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reuses_within_ttl),
      cmocka_unit_test(test_clock_stepping_back_expires),
      cmocka_unit_test(test_ttl_zero_is_off),
      cmocka_unit_test(test_bounded),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
