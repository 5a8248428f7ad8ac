// Base32: RFC 4648 section 10 test vectors (the oracle: the code under test is liboath's
// coder behind our input rules), case-insensitivity, spaces, padding, bad input, and the
// inputs on which liboath's own rules differ from ours.
#include <string>

#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base32.h"

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

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void test_rfc4648_vectors(void**) {
  const char* in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* padded[] = {
      "", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======"};
  const char* unpadded[] = {"", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI"};
  for (int i = 0; i < 7; ++i) {
    assert_string_equal(base32_encode(bytes(in[i]), true).c_str(), padded[i]);
    assert_string_equal(base32_encode(bytes(in[i])).c_str(), unpadded[i]);
    for (const char* enc : {padded[i], unpadded[i]}) {
      auto d = base32_decode(enc);
      assert_true(d.has_value());
      assert_true(d->view() == in[i]);
    }
  }
  // The Key URI fixture: base32 of ASCII "12345678901234567890".
  assert_string_equal(base32_encode(bytes("12345678901234567890")).c_str(),
                      "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

void test_lenient_forms(void**) {
  for (const char* enc : {"mzxw6ytboi", "MZXW 6YTB OI", "mzxw6YTBoi======", " MZXW6YTBOI "}) {
    auto d = base32_decode(enc);
    assert_true(d.has_value());
    assert_true(d->view() == "foobar");
  }
}

void test_rejects_bad_input(void**) {
  for (const char* bad : {"MZXW6YT1", "MZXW6YT8", "MZXW-6YTB", "MZ=XW6YTB", "M", "MZX", "MZXW6Y",
                          "MZXW6YTB\n", "MZXW6YTB!", "\xC3\xA9"}) {
    auto d = base32_decode(bad);
    assert_false(d.has_value());
    assert_int_equal(static_cast<int>(d.error().code),
                     static_cast<int>(mfa::Errc::kInvalidArgument));
  }
}

void test_rules_where_liboath_differs(void**) {
  // liboath decodes padded groups back to back ("MY======MY======" is "ff"); for us that is
  // data after padding.
  for (const char* bad : {"MY======MY======", "MZXW6YQ=MZXW6YQ=", "MY======M", "MY= MY"}) {
    auto d = base32_decode(bad);
    assert_false(d.has_value());
    assert_int_equal(static_cast<int>(d.error().code),
                     static_cast<int>(mfa::Errc::kInvalidArgument));
  }
  // liboath refuses a padding run of any but the canonical length; we accept any number of
  // trailing '=', spaces among them.
  const struct {
    const char* enc;
    const char* dec;
  } lenient[] = {{"MY=", "f"},
                 {"MY=========", "f"},
                 {"MZXW6YTB=", "fooba"},
                 {"MZXW6YTB==", "fooba"},
                 {"MZXW6YQ= ", "foob"},
                 {"MY== ====", "f"},
                 {"mzxq=", "fo"},
                 {"=", ""},
                 {"  ", ""}};
  for (const auto& c : lenient) {
    auto d = base32_decode(c.enc);
    assert_true(d.has_value());
    assert_true(d->view() == c.dec);
  }
  // Only ' ' is skipped, and an embedded NUL is not the end of the text.
  for (std::string_view bad : {std::string_view("MZXW6YTB\0", 9), std::string_view("MY\0", 3),
                               std::string_view("MZXW\t6YTB"), std::string_view("MZXW\r6YTB")}) {
    assert_false(base32_decode(bad).has_value());
  }
  // Non-canonical final bits are ignored, as before (RFC 4648 section 3.5 lets decoders
  // reject them; authenticator apps do not).
  auto mz = base32_decode("MZ");
  auto mr = base32_decode("MR");
  assert_true(mz.has_value() && mr.has_value());
  assert_true(mz->view() == "f");
  assert_true(mr->view() == "d");
}

void test_random_round_trips(void**) {
  mfa::OsRandom rng;
  for (std::size_t n = 0; n < 70; ++n) {
    auto s = rng.secret(n);
    assert_true(s.has_value());
    for (bool pad : {false, true}) {
      const std::string enc = base32_encode(s->span(), pad);
      // RFC 4648 section 6: ceil(8n / 5) characters, padded to a multiple of 8 if asked.
      assert_int_equal(enc.size(), pad ? (n + 4) / 5 * 8 : (n * 8 + 4) / 5);
      assert_true(enc.find_first_not_of(pad ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567="
                                            : "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") ==
                  std::string::npos);
      auto d = base32_decode(enc);
      assert_true(d.has_value());
      assert_true(mfa::ct_equal(*d, *s));
    }
  }
}

// The key shown for typing by hand: groups of four, and the grouped form decodes to the key.
void test_grouped_for_typing(void**) {
  assert_string_equal(base32_grouped("").c_str(), "");
  assert_string_equal(base32_grouped("JBSW").c_str(), "JBSW");
  assert_string_equal(base32_grouped("JBSWY3DPEHPK3PXP").c_str(), "JBSW Y3DP EHPK 3PXP");
  assert_string_equal(base32_grouped("JBSWY3DPE").c_str(), "JBSW Y3DP E");
  auto plain = base32_decode("JBSWY3DPEHPK3PXP");
  auto grouped = base32_decode(base32_grouped("JBSWY3DPEHPK3PXP"));
  assert_true(plain.has_value() && grouped.has_value());
  assert_true(mfa::ct_equal(*plain, *grouped));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc4648_vectors),    cmocka_unit_test(test_lenient_forms),
      cmocka_unit_test(test_rejects_bad_input),  cmocka_unit_test(test_rules_where_liboath_differs),
      cmocka_unit_test(test_random_round_trips), cmocka_unit_test(test_grouped_for_typing),
  };
  return cmocka_run_group_tests_name("base32", tests, nullptr, nullptr);
}
