// CIDR parsing and matching for policy rhost rules: IPv4, IPv6, IPv4-mapped, edges, errors.
#include <cstring>
#include <string>

#include "daemon/core/policy/cidr.h"

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

bool contains(const char* cidr, const char* addr) {
  auto c = parse_cidr(cidr);
  assert_true(c.has_value());
  return cidr_contains(*c, std::string_view(addr));
}

void test_ipv4(void**) {
  assert_true(contains("10.0.0.0/8", "10.0.0.1"));
  assert_true(contains("10.0.0.0/8", "10.255.255.255"));
  assert_false(contains("10.0.0.0/8", "11.0.0.0"));
  assert_false(contains("10.0.0.0/8", "9.255.255.255"));
  assert_true(contains("192.168.1.0/24", "192.168.1.77"));
  assert_false(contains("192.168.1.0/24", "192.168.2.1"));
  assert_true(contains("172.16.0.0/12", "172.31.255.1"));
  assert_false(contains("172.16.0.0/12", "172.32.0.1"));
  assert_true(contains("0.0.0.0/0", "8.8.8.8"));
  assert_true(contains("203.0.113.7", "203.0.113.7"));  // bare address = /32
  assert_false(contains("203.0.113.7", "203.0.113.8"));
  assert_true(contains("10.1.2.3/32", "10.1.2.3"));
  // IPv4-mapped IPv6 (sshd on a dual-stack socket) counts as IPv4.
  assert_true(contains("10.0.0.0/8", "::ffff:10.9.8.7"));
  // Families never cross; hostnames and junk never match.
  assert_false(contains("0.0.0.0/0", "::1"));
  assert_false(contains("10.0.0.0/8", "host.example.com"));
  assert_false(contains("10.0.0.0/8", ""));
  assert_false(contains("10.0.0.0/8", "10.0.0.1 "));
}

void test_ipv6(void**) {
  assert_true(contains("2001:db8::/32", "2001:db8:1::5"));
  assert_true(contains("2001:db8::/32", "2001:DB8:ffff:ffff:ffff:ffff:ffff:ffff"));
  assert_false(contains("2001:db8::/32", "2001:db9::1"));
  assert_true(contains("fe80::/10", "febf::1"));
  assert_false(contains("fe80::/10", "fec0::1"));
  assert_true(contains("::1", "::1"));
  assert_true(contains("::/0", "2001:db8::1"));
  assert_false(contains("::/0", "127.0.0.1"));
  assert_true(contains("2001:db8::/127", "2001:db8::1"));
  assert_false(contains("2001:db8::/128", "2001:db8::1"));
  assert_true(contains("::ffff:10.0.0.0/104", "10.1.1.1"));  // mapped network, shifted prefix
  assert_false(contains("fe80::/10", "fe80::1%eth0"));       // zone ids are not addresses
}

void test_invalid(void**) {
  for (const char* bad :
       {"", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0/8", "10.0.0.1/8", "2001:db8::/129",
        "2001:db8::1/32", "10.0.0.0/8/8", "010.0.0.0/8", "10.0.0.0/08", "300.0.0.0/8",
        "example.com", "10.0.0.0/ 8", "::ffff:10.0.0.0/64"}) {
    auto c = parse_cidr(bad);
    assert_false(c.has_value());
    assert_int_equal(static_cast<int>(c.error().code),
                     static_cast<int>(mfa::Errc::kInvalidArgument));
  }
  auto c = parse_cidr("10.0.0.1/8");
  assert_non_null(strstr(c.error().context.c_str(), "host bits"));
}

void test_to_string(void**) {
  assert_string_equal(to_string(*parse_cidr("10.0.0.0/8")).c_str(), "10.0.0.0/8");
  assert_string_equal(to_string(*parse_cidr("2001:DB8::/32")).c_str(), "2001:db8::/32");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ipv4),
      cmocka_unit_test(test_ipv6),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_to_string),
  };
  return cmocka_run_group_tests_name("cidr", tests, nullptr, nullptr);
}
