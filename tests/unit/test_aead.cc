// AES-256-GCM records (aead.h): round trip, every single-byte tamper, row swapping via AAD,
// key id and version binding, nonce freshness and origin, and a cross-check of the ciphertext
// against a second, independently driven OpenSSL decryption of the documented format.
#include <openssl/evp.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/crypto/aead.h"
#include "daemon/core/crypto/random.h"

// cmocka last: it defines a `fail` macro that would clash with mfa::fail.
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

namespace {

// Deterministic source: byte i of the stream is (seed + i) mod 256.
class CountingRandom final : public Random {
 public:
  Status fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) b = static_cast<std::uint8_t>(next_++);
    return {};
  }
  std::uint8_t next_ = 0x40;
};

class FailingRandom final : public Random {
 public:
  Status fill(std::span<std::uint8_t>) override { return (mfa::fail)(Errc::kCrypto, "no entropy"); }
};

SecretBuffer key_of(std::uint8_t v) {
  SecretBuffer k(32);
  std::memset(k.data(), v, k.size());
  return k;
}

std::vector<std::uint8_t> bytes(std::string_view s) {
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

bool is_crypto(const Result<SecretBuffer>& r) {
  return !r.has_value() && r.error().code == Errc::kCrypto;
}

void test_round_trip(void**) {
  OsRandom rng;
  Aead aead(key_of(7), 3, rng);
  const auto aad = factor_aad("system", "alice", "f_1");
  const auto pt = bytes("12345678901234567890");
  auto rec = aead.seal(pt, aad);
  assert_true(rec.has_value());
  assert_int_equal(rec->size(), Aead::kOverhead + pt.size());
  assert_int_equal((*rec)[0], 1);                                   // version
  assert_memory_equal(rec->data() + 1, "\x00\x00\x00\x03", 4);      // key id, big-endian
  assert_memory_not_equal(rec->data() + 17, pt.data(), pt.size());  // not plaintext
  auto back = aead.open(*rec, aad);
  assert_true(back.has_value());
  assert_int_equal(back->size(), pt.size());
  assert_memory_equal(back->data(), pt.data(), pt.size());
  assert_int_equal(aead.invocations(), 1);

  auto empty = aead.seal({}, aad);
  assert_int_equal(empty->size(), Aead::kOverhead);
  auto e2 = aead.open(*empty, aad);
  assert_true(e2.has_value());
  assert_int_equal(e2->size(), 0);
}

void test_tamper_any_byte(void**) {
  OsRandom rng;
  Aead aead(key_of(7), 3, rng);
  const auto aad = factor_aad("system", "alice", "f_1");
  auto rec = aead.seal(bytes("secret seed bytes"), aad);
  for (std::size_t i = 0; i < rec->size(); ++i) {
    for (unsigned flip : {0x01U, 0x80U}) {
      auto bad = *rec;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ flip);
      assert_true(is_crypto(aead.open(bad, aad)));
    }
  }
  // Truncation and extension.
  for (std::size_t n = 0; n < rec->size(); ++n) {
    assert_true(is_crypto(aead.open(std::span(rec->data(), n), aad)));
  }
  auto longer = *rec;
  longer.push_back(0);
  assert_true(is_crypto(aead.open(longer, aad)));
}

void test_wrong_aad_wrong_key(void**) {
  OsRandom rng;
  Aead aead(key_of(7), 3, rng);
  auto rec = aead.seal(bytes("seed"), factor_aad("system", "alice", "f_1"));
  // The same ciphertext pasted into another row: other user, other factor, other app.
  assert_true(is_crypto(aead.open(*rec, factor_aad("system", "bob", "f_1"))));
  assert_true(is_crypto(aead.open(*rec, factor_aad("system", "alice", "f_2"))));
  assert_true(is_crypto(aead.open(*rec, factor_aad("web", "alice", "f_1"))));
  assert_true(is_crypto(aead.open(*rec, "")));
  // Other key material, or the same key under another id.
  Aead other(key_of(8), 3, rng);
  assert_true(is_crypto(other.open(*rec, factor_aad("system", "alice", "f_1"))));
  Aead relabelled(key_of(7), 4, rng);
  assert_true(is_crypto(relabelled.open(*rec, factor_aad("system", "alice", "f_1"))));
  // A wrong-sized key never works.
  Aead short_key(SecretBuffer(16), 3, rng);
  assert_false(short_key.seal(bytes("x"), "").has_value());
  assert_true(is_crypto(short_key.open(*rec, factor_aad("system", "alice", "f_1"))));
}

void test_factor_aad_unambiguous(void**) {
  assert_true(factor_aad("ab", "c", "f") != factor_aad("a", "bc", "f"));
  assert_true(factor_aad("a", "b", "cf") != factor_aad("a", "bc", "f"));
  assert_true(factor_aad("", "ab", "") != factor_aad("ab", "", ""));
  assert_true(factor_aad("a", "b", "c") == factor_aad("a", "b", "c"));
  const std::string a = factor_aad("a", "b", "c");
  assert_non_null(std::strstr(a.c_str() + 4, "factor-secret"));
}

void test_nonces_fresh_and_injected(void**) {
  OsRandom rng;
  Aead aead(key_of(1), 1, rng);
  std::set<std::vector<std::uint8_t>> nonces;
  std::set<std::vector<std::uint8_t>> cts;
  for (int i = 0; i < 200; ++i) {
    auto rec = aead.seal(bytes("same plaintext"), "aad");
    nonces.insert(std::vector<std::uint8_t>(rec->begin() + 5, rec->begin() + 17));
    cts.insert(*rec);
  }
  assert_int_equal(nonces.size(), 200);
  assert_int_equal(cts.size(), 200);

  // The nonce comes from the injected Random, byte for byte.
  CountingRandom counting;
  Aead det(key_of(1), 1, counting);
  auto rec = det.seal(bytes("x"), "aad");
  for (std::size_t i = 0; i < 12; ++i) assert_int_equal((*rec)[5 + i], 0x40 + i);
  // And an RNG failure fails the seal closed.
  FailingRandom failing;
  Aead nf(key_of(1), 1, failing);
  auto r = nf.seal(bytes("x"), "aad");
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kCrypto));
}

// Decrypts the record by hand with OpenSSL from the documented layout: AAD = header || aad.
void test_format_independent_decrypt(void**) {
  CountingRandom counting;
  Aead aead(key_of(9), 0x01020304, counting);
  const std::string aad = factor_aad("system", "alice", "f_1");
  const auto pt = bytes("JBSWY3DPEHPK3PXP-seed");
  auto rec = aead.seal(pt, aad);
  const std::uint8_t* r = rec->data();
  assert_memory_equal(r, "\x01\x01\x02\x03\x04", 5);
  const std::size_t ct_len = rec->size() - 33;

  SecretBuffer key = key_of(9);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::vector<std::uint8_t> out(ct_len + 16);
  int len = 0;
  int fin = 0;
  assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), r + 5), 1);
  assert_int_equal(EVP_DecryptUpdate(ctx, nullptr, &len, r, 5), 1);
  assert_int_equal(
      EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())),
      1);
  assert_int_equal(EVP_DecryptUpdate(ctx, out.data(), &len, r + 17, static_cast<int>(ct_len)), 1);
  std::vector<std::uint8_t> tag(r + 17 + ct_len, r + 17 + ct_len + 16);
  assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()), 1);
  assert_int_equal(EVP_DecryptFinal_ex(ctx, out.data() + len, &fin), 1);
  EVP_CIPHER_CTX_free(ctx);
  assert_int_equal(static_cast<std::size_t>(len + fin), pt.size());
  assert_memory_equal(out.data(), pt.data(), pt.size());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_tamper_any_byte),
      cmocka_unit_test(test_wrong_aad_wrong_key),
      cmocka_unit_test(test_factor_aad_unambiguous),
      cmocka_unit_test(test_nonces_fresh_and_injected),
      cmocka_unit_test(test_format_independent_decrypt),
  };
  return cmocka_run_group_tests_name("aead", tests, nullptr, nullptr);
}
