// HOTP/TOTP: RFC 4226 Appendix D and RFC 6238 Appendix B vectors, cross-checked against
// liboath and the oathtool binary (independent implementations), window edges, malformed codes.
#include <liboath/oath.h>

#include <cstdio>
#include <string>

#include "daemon/core/base32.h"
#include "daemon/core/otp.h"
#include "daemon/core/random.h"

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

using mfa::SecretBuffer;
using namespace mfa::core;

namespace {

const SecretBuffer& seed20() {
  static const SecretBuffer k = SecretBuffer::from_string("12345678901234567890");
  return k;
}
const SecretBuffer& seed32() {
  static const SecretBuffer k = SecretBuffer::from_string("12345678901234567890123456789012");
  return k;
}
const SecretBuffer& seed64() {
  static const SecretBuffer k =
      SecretBuffer::from_string("1234567890123456789012345678901234567890123456789012345678901234");
  return k;
}

void test_rfc4226_hotp_table(void**) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t c = 0; c < 10; ++c) {
    assert_string_equal(hotp(seed20(), c, 6, OtpAlgorithm::kSha1).c_str(), expected[c]);
  }
}

struct Vector {
  std::int64_t t;
  const char* sha1;
  const char* sha256;
  const char* sha512;
};
constexpr Vector kRfc6238[] = {
    {59, "94287082", "46119246", "90693936"},
    {1111111109, "07081804", "68084774", "25091201"},
    {1111111111, "14050471", "67062674", "99943326"},
    {1234567890, "89005924", "91819424", "93441116"},
    {2000000000, "69279037", "90698825", "38618901"},
    {20000000000, "65353130", "77737706", "47863826"},  // Y2038: needs 64-bit time and step
};

void test_rfc6238_vectors(void**) {
  for (const Vector& v : kRfc6238) {
    TotpParams p{OtpAlgorithm::kSha1, 8, 30};
    assert_string_equal(totp_at(seed20(), v.t, p).c_str(), v.sha1);
    p.algorithm = OtpAlgorithm::kSha256;
    assert_string_equal(totp_at(seed32(), v.t, p).c_str(), v.sha256);
    p.algorithm = OtpAlgorithm::kSha512;
    assert_string_equal(totp_at(seed64(), v.t, p).c_str(), v.sha512);
    // 6-digit codes are the last 6 digits of the 8-digit ones.
    p = TotpParams{};
    assert_string_equal(totp_at(seed20(), v.t, p).c_str(), v.sha1 + 2);
  }
  assert_int_equal(totp_step(20000000000, 30), 0x27BC86AA);
  assert_int_equal(totp_step(59, 30), 1);
  assert_int_equal(totp_step(-1, 30), -1);  // floor, not truncation
}

void test_liboath_cross_check(void**) {
  assert_int_equal(oath_init(), OATH_OK);
  mfa::OsRandom rng;
  for (int i = 0; i < 50; ++i) {
    auto key = rng.secret(static_cast<std::size_t>(10 + i));
    assert_true(key.has_value());
    const auto* raw = reinterpret_cast<const char*>(key->data());
    for (int digits = 6; digits <= 8; ++digits) {
      const auto counter = static_cast<std::uint64_t>(i) * 7919U + 3U;
      char out[16] = {};
      assert_int_equal(oath_hotp_generate(raw, key->size(), counter, static_cast<unsigned>(digits),
                                          false, OATH_HOTP_DYNAMIC_TRUNCATION, out),
                       OATH_OK);
      assert_string_equal(hotp(*key, counter, digits, OtpAlgorithm::kSha1).c_str(), out);

      const std::int64_t now = 1700000000 + i * 977;
      const struct {
        OtpAlgorithm alg;
        int flag;
      } algs[] = {{OtpAlgorithm::kSha1, 0},
                  {OtpAlgorithm::kSha256, OATH_TOTP_HMAC_SHA256},
                  {OtpAlgorithm::kSha512, OATH_TOTP_HMAC_SHA512}};
      for (const auto& a : algs) {
        for (int period : {30, 60}) {
          assert_int_equal(oath_totp_generate2(raw, key->size(), static_cast<time_t>(now),
                                               static_cast<unsigned>(period), 0,
                                               static_cast<unsigned>(digits), a.flag, out),
                           OATH_OK);
          assert_string_equal(totp_at(*key, now, TotpParams{a.alg, digits, period}).c_str(), out);
        }
      }
    }
  }
  oath_done();
}

std::string run_oathtool(const std::string& args) {
  const std::string cmd = "oathtool " + args + " 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  assert_non_null(f);
  char buf[64] = {};
  std::string out;
  if (fgets(buf, sizeof buf, f) != nullptr) out = buf;
  assert_int_equal(pclose(f), 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

void test_oathtool_cross_check(void**) {
  mfa::OsRandom rng;
  auto key = rng.secret(20);
  assert_true(key.has_value());
  const std::string b32 = base32_encode(key->span());
  const std::int64_t now = 1893456000 + 17;  // 2030-01-01 + 17s
  const char* names[] = {"sha1", "sha256", "sha512"};
  const OtpAlgorithm algs[] = {OtpAlgorithm::kSha1, OtpAlgorithm::kSha256, OtpAlgorithm::kSha512};
  for (int i = 0; i < 3; ++i) {
    const std::string got = run_oathtool(std::string("--totp=") + names[i] + " -d 8 -s 60 -b " +
                                         b32 + " --now @" + std::to_string(now));
    assert_string_equal(got.c_str(), totp_at(*key, now, TotpParams{algs[i], 8, 60}).c_str());
  }
  const std::string six = run_oathtool("--totp -b " + b32 + " --now @" + std::to_string(now));
  assert_string_equal(six.c_str(), totp_at(*key, now, TotpParams{}).c_str());
  // And HOTP at an explicit counter.
  const std::string h = run_oathtool("-c 123456 -b " + b32);
  assert_string_equal(h.c_str(), hotp(*key, 123456, 6, OtpAlgorithm::kSha1).c_str());
}

void test_window_edges(void**) {
  const TotpParams p{};
  // t = 30..59 is step 1; the step-1 code is 287082.
  const std::string step1 = hotp(seed20(), 1, 6, OtpAlgorithm::kSha1);
  assert_string_equal(step1.c_str(), "287082");
  // Accepted from step 0 (t=0..29) through step 2 (t=60..89) with window 1.
  for (std::int64_t t : {0, 29, 30, 31, 59, 60, 89}) {
    auto m = totp_match(seed20(), step1, t, p);
    assert_true(m.has_value());
    assert_int_equal(*m, 1);
  }
  // Step 3 (t=90) is two steps later: rejected; so is anything before the epoch-0 window.
  for (std::int64_t t : {90, 91, 119, 120}) {
    assert_false(totp_match(seed20(), step1, t, p).has_value());
  }
  // Two steps early / late in the middle of time.
  const std::int64_t now = 1234567890;
  const std::int64_t s = totp_step(now, 30);
  for (int d = -2; d <= 2; ++d) {
    const std::string code =
        hotp(seed20(), static_cast<std::uint64_t>(s + d), 6, OtpAlgorithm::kSha1);
    auto m = totp_match(seed20(), code, now, p);
    if (d == -2 || d == 2) {
      // Guard against an accidental collision with a neighbouring step.
      if (m.has_value()) assert_int_not_equal(*m, s + d);
    } else {
      assert_true(m.has_value());
      assert_int_equal(*m, s + d);
    }
  }
  // window = 0 accepts only the current step; window = 2 accepts +-2.
  const std::string next =
      hotp(seed20(), static_cast<std::uint64_t>(s + 1), 6, OtpAlgorithm::kSha1);
  assert_false(totp_match(seed20(), next, now, p, 0).has_value());
  const std::string plus2 =
      hotp(seed20(), static_cast<std::uint64_t>(s + 2), 6, OtpAlgorithm::kSha1);
  assert_int_equal(*totp_match(seed20(), plus2, now, p, 2), s + 2);
}

void test_largest_step_wins(void**) {
  // Brute-force a key/time where two window steps share a code is slow; instead check that
  // the returned step is the code's own step at both edges of the window.
  const TotpParams p{OtpAlgorithm::kSha1, 8, 30};
  const std::int64_t now = 2000000000;
  const std::int64_t s = totp_step(now, 30);
  for (int d = -1; d <= 1; ++d) {
    const std::string code =
        hotp(seed20(), static_cast<std::uint64_t>(s + d), 8, OtpAlgorithm::kSha1);
    assert_int_equal(*totp_match(seed20(), code, now, p), s + d);
  }
}

void test_malformed_codes_rejected(void**) {
  const TotpParams p{};
  const std::int64_t now = 1111111111;
  const std::string good = totp_at(seed20(), now, p);
  assert_true(totp_match(seed20(), good, now, p).has_value());
  assert_false(totp_match(seed20(), good.substr(0, 5), now, p).has_value());
  assert_false(totp_match(seed20(), good + "0", now, p).has_value());
  assert_false(totp_match(seed20(), " " + good.substr(1), now, p).has_value());
  assert_false(totp_match(seed20(), "", now, p).has_value());
  std::string tampered = good;
  tampered[2] = 'a';
  assert_false(totp_match(seed20(), tampered, now, p).has_value());
  // The 8-digit code against 6-digit params, and vice versa.
  const std::string eight = totp_at(seed20(), now, TotpParams{OtpAlgorithm::kSha1, 8, 30});
  assert_false(totp_match(seed20(), eight, now, p).has_value());
  assert_false(totp_match(seed20(), good, now, TotpParams{OtpAlgorithm::kSha1, 8, 30}).has_value());
  // A different key does not match.
  const SecretBuffer other = SecretBuffer::from_string("12345678901234567891");
  assert_false(totp_match(other, good, now, p).has_value());
}

void test_params_validation_and_json(void**) {
  assert_true(validate_totp_params(TotpParams{}).has_value());
  assert_true(validate_totp_params(TotpParams{OtpAlgorithm::kSha512, 8, 120}).has_value());
  assert_true(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 6, 15}).has_value());
  assert_false(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 5, 30}).has_value());
  assert_false(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 9, 30}).has_value());
  assert_false(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 6, 121}).has_value());
  assert_false(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 6, 14}).has_value());

  assert_string_equal(totp_params_to_json(TotpParams{}).c_str(),
                      R"({"algorithm":"SHA1","digits":6,"period":30})");
  auto p = totp_params_from_json(R"({"algorithm":"SHA256","digits":8,"period":60})");
  assert_true(p.has_value());
  assert_int_equal(static_cast<int>(p->algorithm), static_cast<int>(OtpAlgorithm::kSha256));
  assert_int_equal(p->digits, 8);
  assert_int_equal(p->period, 60);
  auto rt = totp_params_from_json(totp_params_to_json(*p));
  assert_true(rt.has_value());
  assert_int_equal(rt->period, 60);
  auto d = totp_params_from_json("{}");
  assert_true(d.has_value());
  assert_int_equal(d->digits, 6);
  for (const char* bad : {"", "[]", "{", R"({"algorithm":"MD5"})", R"({"digits":"6"})",
                          R"({"digits":9})", R"({"period":600})", R"({"period":1e9})"}) {
    auto r = totp_params_from_json(bad);
    assert_false(r.has_value());
    assert_int_equal(static_cast<int>(r.error().code),
                     static_cast<int>(mfa::Errc::kInvalidArgument));
  }
  assert_true(parse_otp_algorithm("sha512").has_value());
  assert_false(parse_otp_algorithm("SHA-1").has_value());
  assert_string_equal(std::string(to_string(OtpAlgorithm::kSha256)).c_str(), "SHA256");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc4226_hotp_table),
      cmocka_unit_test(test_rfc6238_vectors),
      cmocka_unit_test(test_liboath_cross_check),
      cmocka_unit_test(test_oathtool_cross_check),
      cmocka_unit_test(test_window_edges),
      cmocka_unit_test(test_largest_step_wins),
      cmocka_unit_test(test_malformed_codes_rejected),
      cmocka_unit_test(test_params_validation_and_json),
  };
  return cmocka_run_group_tests_name("otp", tests, nullptr, nullptr);
}
