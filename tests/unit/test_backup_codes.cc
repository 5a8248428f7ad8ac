// Backup codes (NIST 800-63B 5.1.2): count, length, distinctness, salted PBKDF2 records
// without plaintext, matching, normalisation, formatting.
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>

#include "daemon/core/otp/backup_codes.h"

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

bool contains_bytes(const std::vector<std::uint8_t>& hay, const std::string& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

void test_generate(void**) {
  mfa::OsRandom rng;
  auto g = generate_backup_codes(rng, "system", "alice");
  assert_true(g.has_value());
  assert_int_equal(g->codes.size(), 10);
  assert_int_equal(g->records.size(), 10);
  std::set<std::string> codes(g->codes.begin(), g->codes.end());
  assert_int_equal(codes.size(), 10);
  std::set<std::vector<std::uint8_t>> salts;
  for (std::size_t i = 0; i < 10; ++i) {
    const std::string& c = g->codes[i];
    assert_int_equal(c.size(), 8);
    assert_true(std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; }));
    const mfa::BackupCodeRecord& r = g->records[i];
    assert_string_equal(r.app.c_str(), "system");
    assert_string_equal(r.user.c_str(), "alice");
    assert_int_equal(r.salt.size(), kBackupCodeSaltBytes);
    assert_int_equal(r.hash.size(), kBackupCodeHashBytes);
    assert_false(r.used_at_s.has_value());
    // No plaintext anywhere in the record.
    assert_false(contains_bytes(r.salt, c));
    assert_false(contains_bytes(r.hash, c));
    salts.insert(r.salt);
    // The hash is PBKDF2-HMAC-SHA256(code, salt, 20000), recomputed independently here.
    std::vector<std::uint8_t> expect(32);
    assert_int_equal(
        PKCS5_PBKDF2_HMAC(c.data(), static_cast<int>(c.size()), r.salt.data(),
                          static_cast<int>(r.salt.size()), 20000, EVP_sha256(), 32, expect.data()),
        1);
    assert_true(expect == r.hash);
  }
  assert_int_equal(salts.size(), 10);  // per-code salt
}

void test_match(void**) {
  mfa::OsRandom rng;
  auto g = generate_backup_codes(rng, "system", "bob", 5, 8);
  assert_true(g.has_value());
  for (std::size_t i = 0; i < g->records.size(); ++i)
    g->records[i].id = 100 + static_cast<std::int64_t>(i);
  for (std::size_t i = 0; i < g->codes.size(); ++i) {
    auto m = match_backup_code(g->codes[i], g->records);
    assert_true(m.has_value());
    assert_int_equal(*m, 100 + static_cast<std::int64_t>(i));
    // Typed with a dash or spaces, as displayed.
    auto m2 = match_backup_code(format_backup_code(g->codes[i]), g->records);
    assert_true(m2.has_value());
    assert_int_equal(*m2, *m);
    auto m3 =
        match_backup_code(" " + g->codes[i].substr(0, 4) + " " + g->codes[i].substr(4), g->records);
    assert_true(m3.has_value());
  }
  // A wrong code (each digit of a real code bumped) matches nothing.
  std::string wrong = g->codes[0];
  for (char& c : wrong) c = static_cast<char>('0' + (c - '0' + 1) % 10);
  if (std::find(g->codes.begin(), g->codes.end(), wrong) == g->codes.end()) {
    assert_false(match_backup_code(wrong, g->records).has_value());
  }
  assert_false(match_backup_code(g->codes[0].substr(0, 7), g->records).has_value());
  assert_false(match_backup_code(g->codes[0] + "0", g->records).has_value());
  assert_false(match_backup_code("", g->records).has_value());
  assert_false(match_backup_code("abcdefgh", g->records).has_value());
  // Matching against another user's records fails (different salts).
  auto other = generate_backup_codes(rng, "system", "carol", 3, 8);
  assert_false(match_backup_code(g->codes[0], other->records).has_value());
  assert_false(match_backup_code(g->codes[0], {}).has_value());
}

void test_normalize_and_format(void**) {
  assert_string_equal(normalize_backup_code("1234-5678").c_str(), "12345678");
  assert_string_equal(normalize_backup_code(" 1234 5678 ").c_str(), "12345678");
  assert_string_equal(normalize_backup_code("1234_5678").c_str(), "");
  assert_string_equal(normalize_backup_code("1234567a").c_str(), "");
  assert_string_equal(normalize_backup_code("---").c_str(), "");
  assert_string_equal(normalize_backup_code(std::string(40, '1')).c_str(), "");
  assert_string_equal(format_backup_code("12345678").c_str(), "1234-5678");
  assert_string_equal(format_backup_code("123456").c_str(), "1234-56");
}

// A generator that always returns the same bytes: duplicates must be refused, not stored.
class StuckRandom final : public mfa::Random {
 public:
  mfa::Status fill(std::span<std::uint8_t> out) override {
    std::fill(out.begin(), out.end(), std::uint8_t{7});
    return {};
  }
};

void test_bad_arguments_and_stuck_rng(void**) {
  mfa::OsRandom rng;
  assert_false(generate_backup_codes(rng, "a", "u", 0, 8).has_value());
  assert_false(generate_backup_codes(rng, "a", "u", 10, 5).has_value());
  assert_false(generate_backup_codes(rng, "a", "u", 101, 8).has_value());
  StuckRandom stuck;
  auto g = generate_backup_codes(stuck, "a", "u", 10, 8);
  assert_false(g.has_value());
  assert_int_equal(static_cast<int>(g.error().code), static_cast<int>(mfa::Errc::kCrypto));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_generate),
      cmocka_unit_test(test_match),
      cmocka_unit_test(test_normalize_and_format),
      cmocka_unit_test(test_bad_arguments_and_stuck_rng),
  };
  return cmocka_run_group_tests_name("backup_codes", tests, nullptr, nullptr);
}
