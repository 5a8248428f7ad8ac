// HOTP/TOTP. The code under test computes codes with liboath, so liboath (and oathtool, built
// on it) cannot be the oracle here: the oracles are the RFC 4226 Appendix D and RFC 6238
// Appendix B tables (SHA1/256/512), codes derived from them by the RFCs' own arithmetic (other
// periods, 7 digits), and an OpenSSL HMAC reference that is itself checked against the tables
// first (for keys longer than a hash block and counters beyond the tables). Also window edges,
// malformed codes and the refusals. The integration tests cross-check pyotp and oathtool.
#include <array>
#include <limits>
#include <string>

#include "daemon/core/crypto/random.h"
#include "daemon/core/otp/otp.h"
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

using mfa::SecretBuffer;
using namespace mfa::core;

namespace {

// The matched step of totp_match, which must not fail on these inputs.
std::optional<std::int64_t> matched_step(const mfa::SecretBuffer& key, std::string_view code,
                                         std::int64_t now_s, const TotpParams& p, int window = 1) {
  auto r = totp_match(key, code, now_s, p, window);
  if (!r) fail_msg("totp_match: %s", r.error().context.c_str());
  return *r;
}

// The value of a code that must have been computed.
std::string ok(mfa::Result<std::string> r) {
  assert_true(r.has_value());
  return std::move(r).value();
}

void assert_invalid(const mfa::Result<std::string>& r) {
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(mfa::Errc::kInvalidArgument));
}

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
    assert_string_equal(ok(hotp(seed20(), c, 6, OtpAlgorithm::kSha1)).c_str(), expected[c]);
  }
}

struct Vector {
  std::int64_t t;
  std::uint64_t step;  // the table's T column
  const char* sha1;
  const char* sha256;
  const char* sha512;
};
constexpr Vector kRfc6238[] = {
    {59, 0x1, "94287082", "46119246", "90693936"},
    {1111111109, 0x23523EC, "07081804", "68084774", "25091201"},
    {1111111111, 0x23523ED, "14050471", "67062674", "99943326"},
    {1234567890, 0x273EF07, "89005924", "91819424", "93441116"},
    {2000000000, 0x3F940AA, "69279037", "90698825", "38618901"},
    {20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"},  // Y2038: 64-bit time and step
};

void test_rfc6238_vectors(void**) {
  for (const Vector& v : kRfc6238) {
    assert_int_equal(totp_step(v.t, 30), static_cast<std::int64_t>(v.step));
    TotpParams p{OtpAlgorithm::kSha1, 8, 30};
    assert_string_equal(ok(totp_at(seed20(), v.t, p)).c_str(), v.sha1);
    p.algorithm = OtpAlgorithm::kSha256;
    assert_string_equal(ok(totp_at(seed32(), v.t, p)).c_str(), v.sha256);
    p.algorithm = OtpAlgorithm::kSha512;
    assert_string_equal(ok(totp_at(seed64(), v.t, p)).c_str(), v.sha512);
    // 6-digit codes are the last 6 digits of the 8-digit ones (both are the same 31-bit
    // value modulo 10^digits, RFC 4226 section 5.3), and so are 7-digit codes.
    for (int digits : {6, 7}) {
      const std::size_t skip = static_cast<std::size_t>(8 - digits);
      p = TotpParams{OtpAlgorithm::kSha1, digits, 30};
      assert_string_equal(ok(totp_at(seed20(), v.t, p)).c_str(), v.sha1 + skip);
      p.algorithm = OtpAlgorithm::kSha256;
      assert_string_equal(ok(totp_at(seed32(), v.t, p)).c_str(), v.sha256 + skip);
      p.algorithm = OtpAlgorithm::kSha512;
      assert_string_equal(ok(totp_at(seed64(), v.t, p)).c_str(), v.sha512 + skip);
    }
    // hotp() at the table's T is the same code (the SHA256/512 HOTP path is separate code).
    assert_string_equal(ok(hotp(seed20(), v.step, 8, OtpAlgorithm::kSha1)).c_str(), v.sha1);
    assert_string_equal(ok(hotp(seed32(), v.step, 8, OtpAlgorithm::kSha256)).c_str(), v.sha256);
    assert_string_equal(ok(hotp(seed64(), v.step, 8, OtpAlgorithm::kSha512)).c_str(), v.sha512);
  }
  // The erratum (security.md 2.2): the 20-byte seed does not give the SHA256 column.
  assert_string_not_equal(
      ok(totp_at(seed20(), 59, TotpParams{OtpAlgorithm::kSha256, 8, 30})).c_str(), "46119246");
  assert_int_equal(totp_step(59, 30), 1);
  assert_int_equal(totp_step(-1, 30), -1);  // floor, not truncation
  assert_int_equal(totp_step(-30, 30), -1);
  assert_int_equal(totp_step(-31, 30), -2);
}

// The period is used: T = floor(t / X) for other X lands on counters whose codes the RFC
// tables give (RFC 4226 Appendix D for 6-digit SHA1, RFC 6238 Appendix B's T = 1 row).
void test_other_periods(void**) {
  const char* hotp6[] = {"755224", "287082", "359152", "969429", "338314",
                         "254676", "287922", "162583", "399871", "520489"};
  for (int period : {15, 45, 60, 120}) {
    for (std::int64_t counter = 0; counter < 10; ++counter) {
      for (std::int64_t t : {counter * period, counter * period + period - 1}) {
        assert_string_equal(
            ok(totp_at(seed20(), t, TotpParams{OtpAlgorithm::kSha1, 6, period})).c_str(),
            hotp6[counter]);
      }
    }
    // Step 1 of each algorithm: the t = 59 row of RFC 6238 Appendix B.
    const std::int64_t t = period + period / 2;
    assert_string_equal(
        ok(totp_at(seed20(), t, TotpParams{OtpAlgorithm::kSha1, 8, period})).c_str(), "94287082");
    assert_string_equal(
        ok(totp_at(seed32(), t, TotpParams{OtpAlgorithm::kSha256, 8, period})).c_str(), "46119246");
    assert_string_equal(
        ok(totp_at(seed64(), t, TotpParams{OtpAlgorithm::kSha512, 8, period})).c_str(), "90693936");
  }
}

using mfa::testing::reference_hotp;  // tests/support/reference_otp.h

void test_reference_cross_check(void**) {
  // The reference first earns its place on the RFC tables ...
  assert_string_equal(reference_hotp(seed20(), 9, 6, OtpAlgorithm::kSha1).c_str(), "520489");
  for (const Vector& v : kRfc6238) {
    assert_string_equal(reference_hotp(seed20(), v.step, 8, OtpAlgorithm::kSha1).c_str(), v.sha1);
    assert_string_equal(reference_hotp(seed32(), v.step, 8, OtpAlgorithm::kSha256).c_str(),
                        v.sha256);
    assert_string_equal(reference_hotp(seed64(), v.step, 8, OtpAlgorithm::kSha512).c_str(),
                        v.sha512);
  }
  // ... then checks what the tables do not reach: empty keys and keys longer than a hash
  // block (HMAC hashes those first: 64 bytes for SHA1/256, 128 for SHA512), counters with
  // every byte in use, all digit counts.
  mfa::OsRandom rng;
  const OtpAlgorithm algs[] = {OtpAlgorithm::kSha1, OtpAlgorithm::kSha256, OtpAlgorithm::kSha512};
  for (std::size_t n : {0, 1, 16, 20, 32, 63, 64, 65, 127, 128, 129, 200}) {
    auto key = rng.secret(n);
    assert_true(key.has_value());
    for (OtpAlgorithm alg : algs) {
      for (std::uint64_t counter :
           {std::uint64_t{0}, std::uint64_t{0x0102030405060708}, std::uint64_t{0x7FFFFFFFFFFFFFFF},
            static_cast<std::uint64_t>(n) * 1000003U}) {
        for (int digits = 6; digits <= 8; ++digits) {
          assert_string_equal(ok(hotp(*key, counter, digits, alg)).c_str(),
                              reference_hotp(*key, counter, digits, alg).c_str());
        }
      }
    }
    // SHA1 HOTP takes the whole 64-bit counter range (RFC 4226 section 5.2: C is 8 bytes).
    assert_string_equal(
        ok(hotp(*key, std::numeric_limits<std::uint64_t>::max(), 6, OtpAlgorithm::kSha1)).c_str(),
        reference_hotp(*key, std::numeric_limits<std::uint64_t>::max(), 6, OtpAlgorithm::kSha1)
            .c_str());
  }
}

void test_refusals(void**) {
  // liboath supports 6..8 digits and so do we (RFC 4226 section 5.3: at least 6).
  for (int digits : {-1, 0, 1, 5, 9, 10}) {
    assert_invalid(hotp(seed20(), 1, digits, OtpAlgorithm::kSha1));
    assert_invalid(hotp(seed32(), 1, digits, OtpAlgorithm::kSha256));
    assert_invalid(totp_at(seed20(), 59, TotpParams{OtpAlgorithm::kSha1, digits, 30}));
  }
  // SHA256/512 counters go to liboath as a signed time_t.
  const std::uint64_t too_big = std::uint64_t{1} << 63;
  assert_invalid(hotp(seed32(), too_big, 6, OtpAlgorithm::kSha256));
  assert_invalid(hotp(seed64(), too_big, 6, OtpAlgorithm::kSha512));
  assert_true(hotp(seed20(), too_big, 6, OtpAlgorithm::kSha1).has_value());
  // No step exists before T0, nor for a period of zero.
  assert_invalid(totp_at(seed20(), -1, TotpParams{}));
  assert_invalid(totp_at(seed20(), 59, TotpParams{OtpAlgorithm::kSha1, 6, 0}));
  assert_string_equal(ok(totp_at(seed20(), 0, TotpParams{})).c_str(), "755224");
}

void test_window_edges(void**) {
  const TotpParams p{};
  // t = 30..59 is step 1; the step-1 code is 287082.
  const std::string step1 = ok(hotp(seed20(), 1, 6, OtpAlgorithm::kSha1));
  assert_string_equal(step1.c_str(), "287082");
  // Accepted from step 0 (t=0..29) through step 2 (t=60..89) with window 1.
  for (std::int64_t t : {0, 29, 30, 31, 59, 60, 89}) {
    auto m = matched_step(seed20(), step1, t, p);
    assert_true(m.has_value());
    assert_int_equal(*m, 1);
  }
  // Step 3 (t=90) is two steps later: rejected; so is anything before the epoch-0 window.
  for (std::int64_t t : {90, 91, 119, 120}) {
    assert_false(matched_step(seed20(), step1, t, p).has_value());
  }
  // Two steps early / late in the middle of time.
  const std::int64_t now = 1234567890;
  const std::int64_t s = totp_step(now, 30);
  for (int d = -2; d <= 2; ++d) {
    const std::string code =
        ok(hotp(seed20(), static_cast<std::uint64_t>(s + d), 6, OtpAlgorithm::kSha1));
    auto m = matched_step(seed20(), code, now, p);
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
      ok(hotp(seed20(), static_cast<std::uint64_t>(s + 1), 6, OtpAlgorithm::kSha1));
  assert_false(matched_step(seed20(), next, now, p, 0).has_value());
  const std::string plus2 =
      ok(hotp(seed20(), static_cast<std::uint64_t>(s + 2), 6, OtpAlgorithm::kSha1));
  assert_int_equal(*matched_step(seed20(), plus2, now, p, 2), s + 2);
}

// RFC 6238 Appendix B's rows t = 1111111109 and 1111111111 are adjacent steps (0x23523EC,
// 0x23523ED): each row's code, typed at the other row's time, is one step of drift.
void test_window_on_rfc_rows(void**) {
  struct Alg {
    OtpAlgorithm alg;
    const SecretBuffer& key;
    const char* early;  // step 0x23523EC
    const char* late;   // step 0x23523ED
  };
  const Alg algs[] = {{OtpAlgorithm::kSha1, seed20(), "07081804", "14050471"},
                      {OtpAlgorithm::kSha256, seed32(), "68084774", "67062674"},
                      {OtpAlgorithm::kSha512, seed64(), "25091201", "99943326"}};
  for (const Alg& a : algs) {
    const TotpParams p{a.alg, 8, 30};
    auto m = totp_match(a.key, a.early, 1111111111, p);
    assert_true(m.has_value());
    assert_true(m->has_value());
    assert_int_equal(**m, 0x23523EC);
    assert_int_equal(*matched_step(a.key, a.late, 1111111109, p), 0x23523ED);
    assert_int_equal(*matched_step(a.key, a.late, 1111111111, p, 0), 0x23523ED);
    // No drift allowed: the neighbouring step's code is refused (a value, not an error).
    auto none = totp_match(a.key, a.early, 1111111111, p, 0);
    assert_true(none.has_value());
    assert_false(none->has_value());
    assert_false(matched_step(a.key, a.late, 1111111109, p, 0).has_value());
    // Two steps away with the default window of 1.
    assert_false(matched_step(a.key, a.early, 1111111111 + 30, p).has_value());
    // The right code under the wrong algorithm's key/hash does not match.
    const TotpParams wrong{
        a.alg == OtpAlgorithm::kSha1 ? OtpAlgorithm::kSha256 : OtpAlgorithm::kSha1, 8, 30};
    assert_false(matched_step(a.key, a.late, 1111111111, wrong).has_value());
  }
  // The first step after the epoch, with the window reaching before T0 (skipped, not an error).
  auto first = totp_match(seed20(), "755224", 0, TotpParams{});
  assert_true(first.has_value());
  assert_int_equal(**first, 0);
}

void test_largest_step_wins(void**) {
  // With the RFC 4226 seed, HOTP counters 910737 and 910738 share the 6-digit code 911617
  // (found by a search with Python's hmac module, confirmed with oathtool -c). When both are in
  // the window the later step must be returned: the replay guard stores it, so the code cannot
  // be accepted again for the other step (RFC 6238 section 5.2).
  const TotpParams p{};
  constexpr std::int64_t kFirst = 910737;
  assert_string_equal(ok(hotp(seed20(), kFirst, 6, OtpAlgorithm::kSha1)).c_str(), "911617");
  assert_string_equal(ok(hotp(seed20(), kFirst + 1, 6, OtpAlgorithm::kSha1)).c_str(), "911617");
  for (std::int64_t now_step : {kFirst, kFirst + 1}) {
    for (std::int64_t t : {now_step * 30, now_step * 30 + 29}) {
      auto m = matched_step(seed20(), "911617", t, p);
      assert_true(m.has_value());
      assert_int_equal(*m, kFirst + 1);
    }
  }
  // Windows that hold only one of the two steps return that one.
  assert_int_equal(*matched_step(seed20(), "911617", (kFirst - 1) * 30, p), kFirst);
  assert_int_equal(*matched_step(seed20(), "911617", kFirst * 30, p, 0), kFirst);
  assert_int_equal(*matched_step(seed20(), "911617", (kFirst + 2) * 30, p), kFirst + 1);
  assert_false(matched_step(seed20(), "911617", (kFirst + 3) * 30, p).has_value());

  // And the step returned is the code's own step at both edges of the window.
  const TotpParams p8{OtpAlgorithm::kSha1, 8, 30};
  const std::int64_t now = 2000000000;
  const std::int64_t s = totp_step(now, 30);
  for (int d = -1; d <= 1; ++d) {
    const std::string code =
        ok(hotp(seed20(), static_cast<std::uint64_t>(s + d), 8, OtpAlgorithm::kSha1));
    assert_int_equal(*matched_step(seed20(), code, now, p8), s + d);
  }
}

void test_malformed_codes_rejected(void**) {
  const TotpParams p{};
  const std::int64_t now = 1111111111;
  const std::string good = ok(totp_at(seed20(), now, p));
  assert_true(matched_step(seed20(), good, now, p).has_value());
  assert_false(matched_step(seed20(), good.substr(0, 5), now, p).has_value());
  assert_false(matched_step(seed20(), good + "0", now, p).has_value());
  assert_false(matched_step(seed20(), " " + good.substr(1), now, p).has_value());
  assert_false(matched_step(seed20(), "", now, p).has_value());
  std::string tampered = good;
  tampered[2] = 'a';
  assert_false(matched_step(seed20(), tampered, now, p).has_value());
  // The 8-digit code against 6-digit params, and vice versa.
  const std::string eight = ok(totp_at(seed20(), now, TotpParams{OtpAlgorithm::kSha1, 8, 30}));
  assert_false(matched_step(seed20(), eight, now, p).has_value());
  assert_false(
      matched_step(seed20(), good, now, TotpParams{OtpAlgorithm::kSha1, 8, 30}).has_value());
  // A different key does not match.
  const SecretBuffer other = SecretBuffer::from_string("12345678901234567891");
  assert_false(matched_step(other, good, now, p).has_value());
}

void test_params_validation(void**) {
  assert_true(validate_totp_params(TotpParams{}).has_value());
  assert_true(validate_totp_params(TotpParams{OtpAlgorithm::kSha512, 8, 120}).has_value());
  assert_true(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 6, 15}).has_value());
  assert_false(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 5, 30}).has_value());
  assert_false(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 9, 30}).has_value());
  assert_false(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 6, 121}).has_value());
  assert_false(validate_totp_params(TotpParams{OtpAlgorithm::kSha1, 6, 14}).has_value());

  assert_true(parse_otp_algorithm("sha512").has_value());
  assert_false(parse_otp_algorithm("SHA-1").has_value());
  assert_string_equal(std::string(to_string(OtpAlgorithm::kSha256)).c_str(), "SHA256");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc4226_hotp_table),
      cmocka_unit_test(test_rfc6238_vectors),
      cmocka_unit_test(test_other_periods),
      cmocka_unit_test(test_reference_cross_check),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_window_edges),
      cmocka_unit_test(test_window_on_rfc_rows),
      cmocka_unit_test(test_largest_step_wins),
      cmocka_unit_test(test_malformed_codes_rejected),
      cmocka_unit_test(test_params_validation),
  };
  return cmocka_run_group_tests_name("otp", tests, nullptr, nullptr);
}
