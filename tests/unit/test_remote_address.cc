// One spelling per address (core/remote_address.h): the address lockout and the audit trail
// key on it, so every other spelling is normalised or refused.
#include <string>

#include "daemon/core/policy/remote_address.h"

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

void expect_ip(const char* in, const char* canonical) {
  auto r = canonical_ip(in);
  if (!r) fail_msg("%s refused: %s", in, r.error().context.c_str());
  assert_string_equal(r->c_str(), canonical);
}

void expect_rhost(const char* in, const char* canonical) {
  auto r = canonical_rhost(in);
  if (!r) fail_msg("%s refused: %s", in, r.error().context.c_str());
  assert_string_equal(r->c_str(), canonical);
}

void test_one_spelling_per_address(void**) {
  expect_ip("10.1.1.1", "10.1.1.1");
  expect_ip("::ffff:10.1.1.1", "10.1.1.1");
  expect_ip("::FFFF:0a01:0101", "10.1.1.1");
  expect_ip("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
  expect_ip("2001:db8:0000:0:1:0:0:1", "2001:db8::1:0:0:1");  // RFC 5952 4.2.3: first run
  expect_ip("fe80::1%eth0", "fe80::1");
  expect_ip("fe80::1%3", "fe80::1");
  expect_ip("::1", "::1");
  expect_ip("0.0.0.0", "0.0.0.0");
}

void test_other_spellings_are_refused(void**) {
  for (const char* bad : {"",
                          "010.001.001.001",
                          "10.1.1.01",
                          "10.1.1",
                          "10.1",
                          "167837953",
                          "0x0a.1.1.1",
                          "256.1.1.1",
                          "10.1.1.1 ",
                          " 10.1.1.1",
                          "10.1.1.1\n",
                          "10.1.1.1%eth0",
                          "::ffff:10.1.1.1%eth0",
                          "fe80::1%",
                          "fe80::1%eth0\x07",
                          "fe80::1%aaaaaaaaaaaaaaaa",
                          "fe80::1%e/0",
                          "10.1.1.1/32",
                          "[::1]",
                          "::1:",
                          "localhost",
                          "\x1b]0;x\x07"}) {
    auto r = canonical_ip(bad);
    if (r) fail_msg("'%s' accepted as %s", bad, r->c_str());
    assert_string_equal(r.error().context.c_str(), "remote_addr must be an IPv4 or IPv6 address");
  }
}

void test_rhost_is_an_address_or_a_host_name(void**) {
  expect_rhost("", "");
  expect_rhost("::ffff:192.0.2.7", "192.0.2.7");
  expect_rhost("HOST-1.Example.COM.", "host-1.example.com");
  expect_rhost("build_07.corp", "build_07.corp");
  expect_rhost("localhost", "localhost");
  const std::string label63(63, 'a');
  expect_rhost((label63 + ".b").c_str(), (label63 + ".b").c_str());
  for (const char* bad :
       {"a..b", ".a", "-a.b", "a-.b", "a b", "a\x1b[2J", "a\xC2\x9B", "10.1.1", "1.2.3.4.5",
        "192.0.2.7 ", "host:22", "a/b", "h@x", ".", "..", "fe80::1%"}) {
    auto r = canonical_rhost(bad);
    if (r) fail_msg("'%s' accepted as %s", bad, r->c_str());
    assert_string_equal(r.error().context.c_str(), "rhost must be an IP address or a host name");
  }
  assert_false(canonical_rhost(std::string(64, 'a') + ".b").has_value());
  std::string long_name;
  while (long_name.size() < 254) long_name += "abcdefgh.";
  assert_false(canonical_rhost(long_name + "x").has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_spelling_per_address),
      cmocka_unit_test(test_other_spellings_are_refused),
      cmocka_unit_test(test_rhost_is_an_address_or_a_host_name),
  };
  return cmocka_run_group_tests_name("remote_address", tests, nullptr, nullptr);
}
