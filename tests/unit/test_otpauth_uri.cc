// otpauth:// Key URI: the FreeOTP example, round trips, encoding, strictness.
#include <cstring>
#include <string>

#include "daemon/core/otp/otpauth_uri.h"

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

constexpr const char* kSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";  // "12345678901234567890"

void test_freeotp_example(void**) {
  auto u = parse_otpauth_uri(
      "otpauth://totp/"
      "Example:eve@redhat.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example");
  assert_true(u.has_value());
  assert_string_equal(u->type.c_str(), "totp");
  assert_string_equal(u->issuer.c_str(), "Example");
  assert_string_equal(u->account.c_str(), "eve@redhat.com");
  assert_string_equal(u->secret_b32.c_str(), kSecret);
  assert_int_equal(u->params.digits, 6);
  assert_int_equal(u->params.period, 30);
  assert_int_equal(static_cast<int>(u->params.algorithm), static_cast<int>(OtpAlgorithm::kSha1));
}

void test_make_exact(void**) {
  auto uri = make_otpauth_uri("Example", "eve@redhat.com", kSecret, TotpParams{});
  assert_true(uri.has_value());
  assert_string_equal(
      uri->c_str(),
      "otpauth://totp/Example:eve%40redhat.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
      "&issuer=Example&algorithm=SHA1&digits=6&period=30");
  // Spaces and reserved characters are percent-encoded in label and issuer; the secret is
  // canonicalised (uppercase, no padding or spaces).
  auto u2 = make_otpauth_uri("ACME Co & Sons", "alice smith",
                             "gezd gnbv gy3t qojq====", TotpParams{OtpAlgorithm::kSha256, 8, 60});
  assert_true(u2.has_value());
  assert_string_equal(u2->c_str(),
                      "otpauth://totp/ACME%20Co%20%26%20Sons:alice%20smith?secret=GEZDGNBVGY3TQOJQ"
                      "&issuer=ACME%20Co%20%26%20Sons&algorithm=SHA256&digits=8&period=60");
  // No issuer: label is the account only.
  auto u3 = make_otpauth_uri("", "bob", kSecret, TotpParams{});
  assert_true(u3.has_value());
  assert_string_equal(u3->c_str(),
                      "otpauth://totp/bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                      "&algorithm=SHA1&digits=6&period=30");
}

void test_round_trip(void**) {
  const char* issuers[] = {"mfad", "Host ünïcode", "a/b?c=d&e", ""};
  const char* accounts[] = {"alice", "bob@example.com", "x y+z%", "root"};
  const TotpParams params[] = {{OtpAlgorithm::kSha1, 6, 30},
                               {OtpAlgorithm::kSha512, 8, 120},
                               {OtpAlgorithm::kSha256, 7, 15},
                               {}};
  for (int i = 0; i < 4; ++i) {
    auto uri = make_otpauth_uri(issuers[i], accounts[i], kSecret, params[i]);
    assert_true(uri.has_value());
    auto u = parse_otpauth_uri(*uri);
    assert_true(u.has_value());
    assert_string_equal(u->issuer.c_str(), issuers[i]);
    assert_string_equal(u->account.c_str(), accounts[i]);
    assert_string_equal(u->secret_b32.c_str(), kSecret);
    assert_int_equal(u->params.digits, params[i].digits);
    assert_int_equal(u->params.period, params[i].period);
    assert_int_equal(static_cast<int>(u->params.algorithm), static_cast<int>(params[i].algorithm));
  }
}

void test_make_rejects(void**) {
  assert_false(make_otpauth_uri("Ex:ample", "eve", kSecret, TotpParams{}).has_value());
  assert_false(make_otpauth_uri("Example", "eve:1", kSecret, TotpParams{}).has_value());
  assert_false(make_otpauth_uri("Example", "", kSecret, TotpParams{}).has_value());
  assert_false(make_otpauth_uri("Example", "eve", "not base32!", TotpParams{}).has_value());
  assert_false(make_otpauth_uri("Example", "eve", "", TotpParams{}).has_value());
  assert_false(make_otpauth_uri("Example", "eve", kSecret, TotpParams{OtpAlgorithm::kSha1, 6, 300})
                   .has_value());
  // The error never quotes the secret.
  auto r = make_otpauth_uri("Example", "eve", "SECRETSECRET1", TotpParams{});
  assert_false(r.has_value());
  assert_null(strstr(r.error().context.c_str(), "SECRETSECRET1"));
}

void test_parse_strict(void**) {
  const char* bad[] = {
      "http://totp/a?secret=GEZDGNBV",
      "otpauth://hotp/a?secret=GEZDGNBV&counter=1",
      "otpauth://totp/a",                                  // no secret
      "otpauth://totp/a?secret=GEZDGNB1",                  // bad base32
      "otpauth://totp/a?secret=GEZDGNBV&secret=GEZDGNBV",  // duplicate
      "otpauth://totp/A:a?secret=GEZDGNBV&issuer=B",       // issuer mismatch
      "otpauth://totp/A:b:c?secret=GEZDGNBV",              // two colons
      "otpauth://totp/A%3Ab%3Ac?secret=GEZDGNBV",          // encoded colons too
      "otpauth://totp/a?secret=GEZDGNBV&digits=9",
      "otpauth://totp/a?secret=GEZDGNBV&digits=six",
      "otpauth://totp/a?secret=GEZDGNBV&period=600",
      "otpauth://totp/a?secret=GEZDGNBV&algorithm=MD5",
      "otpauth://totp/a?secret=GEZDGNBV&image=x",  // unknown parameter
      "otpauth://totp/a%2?secret=GEZDGNBV",        // bad percent escape
      "otpauth://totp/?secret=GEZDGNBV",           // empty label
      "otpauth://totp/A:?secret=GEZDGNBV",         // empty account
      "otpauth://totp/a?secret",                   // no '='
      "otpauth://totp/a?secret=GEZDGNBVGY======",  // padded
  };
  for (const char* uri : bad) {
    auto u = parse_otpauth_uri(uri);
    if (u.has_value()) print_error("unexpectedly accepted: %s\n", uri);
    assert_false(u.has_value());
  }
  // Encoded colon in the label and a space after it are fine.
  auto ok = parse_otpauth_uri("otpauth://totp/ACME%3A%20alice?secret=GEZDGNBV&issuer=ACME");
  assert_true(ok.has_value());
  assert_string_equal(ok->issuer.c_str(), "ACME");
  assert_string_equal(ok->account.c_str(), "alice");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_freeotp_example), cmocka_unit_test(test_make_exact),
      cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_make_rejects),
      cmocka_unit_test(test_parse_strict),
  };
  return cmocka_run_group_tests_name("otpauth_uri", tests, nullptr, nullptr);
}
