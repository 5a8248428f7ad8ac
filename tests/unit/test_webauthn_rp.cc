// WebAuthn RP core (daemon/core/webauthn_*): registration and assertion verification against a
// software authenticator that makes real ES256 and EdDSA signatures (tests/support). Each
// refusal the spec requires has its own test: tampered authenticator data, wrong origin, wrong
// rp id, wrong type, replayed (other) challenge, UP missing, UV missing when required, wrong
// signature, wrong key, sign-count regression; plus CBOR, base64url and COSE edge cases.
#include <string>
#include <vector>

#include "daemon/core/encoding/base64url.h"
#include "daemon/core/webauthn/webauthn_authdata.h"
#include "daemon/core/webauthn/webauthn_cbor.h"
#include "daemon/core/webauthn/webauthn_cose.h"
#include "daemon/core/webauthn/webauthn_rp.h"
#include "tests/support/soft_authenticator.h"

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

using namespace mfa;
using namespace mfa::testing;
using mfa::webauthn::AssertionInput;
using mfa::webauthn::RegistrationInput;

namespace {

WebAuthnConfig rp() {
  WebAuthnConfig c;
  c.rp_id = "example.com";
  c.origins = {"https://app.example.com"};
  return c;
}

const std::vector<std::uint8_t> kChallenge(32, 0x5A);

Ceremony ceremony() {
  Ceremony c;
  c.challenge = kChallenge;
  return c;
}

Result<webauthn::RegisteredCredential> register_with(const Attestation& a,
                                                     const std::vector<std::uint8_t>& challenge,
                                                     bool require_uv = false) {
  const auto cdj = bytes_of(a.client_data_json);
  RegistrationInput in;
  in.client_data_json = cdj;
  in.attestation_object = a.attestation_object;
  in.expected_challenge = challenge;
  in.requested_algs = {-7, -8, -257};
  in.require_uv = require_uv;
  return webauthn::verify_registration(rp(), in);
}

Result<webauthn::AssertionOutcome> assert_with(
    const Assertion& a, const std::vector<std::uint8_t>& key, std::int64_t stored_count,
    bool require_uv = false, const std::vector<std::uint8_t>& challenge = kChallenge) {
  const auto cdj = bytes_of(a.client_data_json);
  AssertionInput in;
  in.client_data_json = cdj;
  in.authenticator_data = a.auth_data;
  in.signature = a.signature;
  in.expected_challenge = challenge;
  in.stored_cose_key = key;
  in.stored_sign_count = stored_count;
  in.require_uv = require_uv;
  return webauthn::verify_assertion(rp(), in);
}

void expect_refused(bool ok, const char* what) {
  if (ok) {
    print_error("accepted but should be refused: %s\n", what);
    fail();
  }
}

void registers_and_asserts(std::int64_t alg, bool packed) {
  SoftCredential cred = SoftAuthenticator::new_credential(alg);
  Ceremony c = ceremony();
  c.packed_self = packed;
  auto reg = register_with(SoftAuthenticator::make_credential(cred, c), kChallenge);
  if (!reg) print_error("%s\n", reg.error().context.c_str());
  assert_true(reg.has_value());
  assert_int_equal(reg->alg, alg);
  assert_true(reg->credential_id == cred.id);
  assert_string_equal(reg->attestation_type.c_str(), packed ? "self" : "none");
  auto as = assert_with(SoftAuthenticator::get_assertion(cred, c), reg->cose_key, 0, true);
  if (!as) print_error("%s\n", as.error().context.c_str());
  assert_true(as.has_value());
  assert_int_equal(as->sign_count, 1);
  assert_false(as->sign_count_regression);
}

void test_es256_none(void**) {
  registers_and_asserts(-7, false);
}
void test_es256_packed_self(void**) {
  registers_and_asserts(-7, true);
}
void test_eddsa_none(void**) {
  registers_and_asserts(-8, false);
}
void test_eddsa_packed_self(void**) {
  registers_and_asserts(-8, true);
}

void test_registration_refusals(void**) {
  SoftCredential cred = SoftAuthenticator::new_credential(-7);
  {
    Ceremony c = ceremony();
    c.origin = "https://evil.example.net";
    expect_refused(
        register_with(SoftAuthenticator::make_credential(cred, c), kChallenge).has_value(),
        "wrong origin");
  }
  {
    Ceremony c = ceremony();
    c.rp_id = "evil.example.net";
    expect_refused(
        register_with(SoftAuthenticator::make_credential(cred, c), kChallenge).has_value(),
        "wrong rp id");
  }
  {
    Ceremony c = ceremony();
    c.type = "webauthn.get";
    expect_refused(
        register_with(SoftAuthenticator::make_credential(cred, c), kChallenge).has_value(),
        "wrong type");
  }
  {
    Ceremony c = ceremony();
    const std::vector<std::uint8_t> other(32, 0x11);
    expect_refused(register_with(SoftAuthenticator::make_credential(cred, c), other).has_value(),
                   "other challenge");
  }
  {
    Ceremony c = ceremony();
    c.flags = 0x04;  // UV without UP
    expect_refused(
        register_with(SoftAuthenticator::make_credential(cred, c), kChallenge).has_value(),
        "UP missing");
  }
  {
    Ceremony c = ceremony();
    c.flags = 0x01;  // UP only
    assert_true(register_with(SoftAuthenticator::make_credential(cred, c), kChallenge).has_value());
    expect_refused(
        register_with(SoftAuthenticator::make_credential(cred, c), kChallenge, true).has_value(),
        "UV missing when required");
  }
  {
    Ceremony c = ceremony();
    c.cross_origin = true;
    expect_refused(
        register_with(SoftAuthenticator::make_credential(cred, c), kChallenge).has_value(),
        "cross origin");
  }
  {
    // packed self attestation over tampered authenticator data: the attestation signature fails.
    Ceremony c = ceremony();
    c.packed_self = true;
    Attestation a = SoftAuthenticator::make_credential(cred, c);
    // authData is the last field; flip one byte of the AAGUID inside it.
    a.attestation_object[a.attestation_object.size() - a.auth_data.size() + 40] ^= 0x01;
    expect_refused(register_with(a, kChallenge).has_value(), "tampered authData (packed)");
  }
  {
    // BS without BE is inconsistent (WebAuthn 7.1 step 15/16).
    Ceremony c = ceremony();
    c.flags = 0x01 | 0x10;
    expect_refused(
        register_with(SoftAuthenticator::make_credential(cred, c), kChallenge).has_value(),
        "BS without BE");
  }
}

void test_assertion_refusals(void**) {
  SoftCredential cred = SoftAuthenticator::new_credential(-7);
  const Ceremony c = ceremony();
  auto reg = register_with(SoftAuthenticator::make_credential(cred, c), kChallenge);
  assert_true(reg.has_value());
  const auto key = reg->cose_key;
  {
    Assertion a = SoftAuthenticator::get_assertion(cred, c);
    a.auth_data[33] ^= 0x01;  // the counter: tampered authenticator data breaks the signature
    expect_refused(assert_with(a, key, 0).has_value(), "tampered authData");
  }
  {
    Assertion a = SoftAuthenticator::get_assertion(cred, c);
    a.auth_data[32] ^= 0x04;  // drop UV after signing
    expect_refused(assert_with(a, key, 0).has_value(), "flags changed after signing");
  }
  {
    Assertion a = SoftAuthenticator::get_assertion(cred, c);
    a.signature.back() ^= 0x01;
    expect_refused(assert_with(a, key, 0).has_value(), "wrong signature");
  }
  {
    SoftCredential other = SoftAuthenticator::new_credential(-7, 9);
    expect_refused(assert_with(SoftAuthenticator::get_assertion(other, c), key, 0).has_value(),
                   "signed by another key");
  }
  {
    Ceremony w = c;
    w.origin = "https://app.example.com.evil.net";
    expect_refused(assert_with(SoftAuthenticator::get_assertion(cred, w), key, 0).has_value(),
                   "wrong origin");
  }
  {
    Ceremony w = c;
    w.rp_id = "example.net";
    expect_refused(assert_with(SoftAuthenticator::get_assertion(cred, w), key, 0).has_value(),
                   "wrong rp id");
  }
  {
    Ceremony w = c;
    w.type = "webauthn.create";
    expect_refused(assert_with(SoftAuthenticator::get_assertion(cred, w), key, 0).has_value(),
                   "wrong type");
  }
  {
    const std::vector<std::uint8_t> other(32, 0x22);
    expect_refused(
        assert_with(SoftAuthenticator::get_assertion(cred, c), key, 0, false, other).has_value(),
        "replayed assertion for an earlier challenge");
  }
  {
    Ceremony w = c;
    w.flags = 0x04;
    expect_refused(assert_with(SoftAuthenticator::get_assertion(cred, w), key, 0).has_value(),
                   "UP missing");
  }
  {
    Ceremony w = c;
    w.flags = 0x01;
    assert_true(assert_with(SoftAuthenticator::get_assertion(cred, w), key, 0, false).has_value());
    expect_refused(assert_with(SoftAuthenticator::get_assertion(cred, w), key, 0, true).has_value(),
                   "UV missing when required (CVE-2021-31924 class)");
  }
}

void test_sign_count(void**) {
  SoftCredential cred = SoftAuthenticator::new_credential(-8);
  Ceremony c = ceremony();
  auto reg = register_with(SoftAuthenticator::make_credential(cred, c), kChallenge);
  assert_true(reg.has_value());
  cred.counter = 5;
  auto grew = assert_with(SoftAuthenticator::get_assertion(cred, c), reg->cose_key, 5);
  assert_true(grew.has_value());
  assert_int_equal(grew->sign_count, 6);
  assert_false(grew->sign_count_regression);
  c.counter_step = false;  // the same counter again: a possible clone
  auto same = assert_with(SoftAuthenticator::get_assertion(cred, c), reg->cose_key, 6);
  assert_true(same.has_value());
  assert_true(same->sign_count_regression);
  cred.counter = 2;
  auto lower = assert_with(SoftAuthenticator::get_assertion(cred, c), reg->cose_key, 6);
  assert_true(lower.has_value() && lower->sign_count_regression);
  cred.counter = 0;  // 0/0: an authenticator without a counter is fine
  auto zero = assert_with(SoftAuthenticator::get_assertion(cred, c), reg->cose_key, 0);
  assert_true(zero.has_value());
  assert_false(zero->sign_count_regression);
}

void test_unrequested_alg(void**) {
  SoftCredential cred = SoftAuthenticator::new_credential(-8);
  Attestation a = SoftAuthenticator::make_credential(cred, ceremony());
  const auto cdj = bytes_of(a.client_data_json);
  RegistrationInput in;
  in.client_data_json = cdj;
  in.attestation_object = a.attestation_object;
  in.expected_challenge = kChallenge;
  in.requested_algs = {-7};
  expect_refused(webauthn::verify_registration(rp(), in).has_value(), "alg not requested");
}

void test_cbor_bounds(void**) {
  using webauthn::cbor_decode;
  // 9 nested arrays: deeper than kMaxCborDepth.
  std::vector<std::uint8_t> deep(9, 0x81);
  deep.push_back(0x00);
  assert_false(cbor_decode(deep).has_value());
  // A byte string claiming 2^32 bytes, an array claiming more items than bytes.
  const std::vector<std::uint8_t> huge = {0x5A, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
  assert_false(cbor_decode(huge).has_value());
  const std::vector<std::uint8_t> lying = {0x9A, 0x00, 0x10, 0x00, 0x00, 0x00};
  assert_false(cbor_decode(lying).has_value());
  // Indefinite length, tag, float, duplicate key, trailing bytes.
  assert_false(cbor_decode(std::vector<std::uint8_t>{0x9F, 0xFF}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xC1, 0x00}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xF9, 0x00, 0x00}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xA2, 0x01, 0x00, 0x01, 0x00}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0x00, 0x00}).has_value());
  // Counts libcbor's cbor_load would allocate before reading (webauthn_cbor.cc): a 2^64-1
  // byte string, arrays and maps claiming 2^28 entries; refused before any allocation.
  assert_false(
      cbor_decode(std::vector<std::uint8_t>{0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
          .has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0x9A, 0x10, 0x00, 0x00, 0x00}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xBA, 0x10, 0x00, 0x00, 0x00}).has_value());
  // A map entry takes at least two bytes.
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xA1, 0x00}).has_value());
  // undefined, break, one-byte simple value, a reserved head, a container as a map key.
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xF7}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xFF}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xF8, 0x20}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0x1C}).has_value());
  assert_false(cbor_decode(std::vector<std::uint8_t>{0xA1, 0x80, 0x00}).has_value());
  // 8 nested arrays are within kMaxCborDepth; with `consumed` a trailing byte is left over.
  std::vector<std::uint8_t> deepest(8, 0x81);
  deepest.push_back(0x00);
  assert_true(cbor_decode(deepest).has_value());
  deepest.push_back(0x00);
  std::size_t used = 0;
  assert_true(cbor_decode(deepest, &used).has_value());
  assert_int_equal(used, deepest.size() - 1);
  auto ok = cbor_decode(std::vector<std::uint8_t>{0xA2, 0x01, 0x20, 0x61, 0x61, 0x42, 0x01, 0x02});
  assert_true(ok.has_value());
  assert_int_equal(*ok->find(1)->as_int(), -1);
  assert_int_equal(ok->find("a")->bytes.size(), 2);
}

void test_authdata_bounds(void**) {
  SoftCredential cred = SoftAuthenticator::new_credential(-7);
  std::vector<std::uint8_t> a = SoftAuthenticator::auth_data(ceremony(), 0, &cred);
  assert_true(webauthn::parse_authenticator_data(a).has_value());
  auto trailing = a;
  trailing.push_back(0);
  assert_false(webauthn::parse_authenticator_data(trailing).has_value());
  auto cut = a;
  cut.resize(a.size() - 1);
  assert_false(webauthn::parse_authenticator_data(cut).has_value());
  auto long_id = a;  // credential id length field says 1024
  long_id[53] = 0x04;
  long_id[54] = 0x00;
  assert_false(webauthn::parse_authenticator_data(long_id).has_value());
  assert_false(webauthn::parse_authenticator_data(std::vector<std::uint8_t>(36, 0)).has_value());
}

void test_cose_refusals(void**) {
  SoftCredential cred = SoftAuthenticator::new_credential(-7);
  auto key = SoftAuthenticator::cose_key(cred);
  assert_true(webauthn::cose_key_parse(key).has_value());
  auto off_curve = key;
  off_curve[off_curve.size() - 1] ^= 0x01;  // y no longer on P-256
  assert_false(webauthn::cose_key_parse(off_curve).has_value());
  CborWriter w;  // alg -7 with an OKP key type
  w.map(4).integer(1).integer(1).integer(3).integer(-7).integer(-1).integer(6).integer(-2).bytes(
      std::vector<std::uint8_t>(32, 1));
  assert_false(webauthn::cose_key_parse(w.out).has_value());
}

void test_base64url(void**) {
  const std::vector<std::uint8_t> b = {0xFB, 0xFF, 0x00, 0x10};
  assert_string_equal(base64url_encode(b).c_str(), "-_8AEA");
  assert_true(*base64url_decode("-_8AEA") == b);
  assert_true(*base64url_decode("-_8AEA==") == b);
  assert_false(base64url_decode("-_8AEB").has_value());  // non-zero leftover bits
  assert_false(base64url_decode("a+b/").has_value());
  assert_false(base64url_decode("A").has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_es256_none),
      cmocka_unit_test(test_es256_packed_self),
      cmocka_unit_test(test_eddsa_none),
      cmocka_unit_test(test_eddsa_packed_self),
      cmocka_unit_test(test_registration_refusals),
      cmocka_unit_test(test_assertion_refusals),
      cmocka_unit_test(test_sign_count),
      cmocka_unit_test(test_unrequested_alg),
      cmocka_unit_test(test_cbor_bounds),
      cmocka_unit_test(test_authdata_bounds),
      cmocka_unit_test(test_cose_refusals),
      cmocka_unit_test(test_base64url),
  };
  return cmocka_run_group_tests_name("webauthn_rp", tests, nullptr, nullptr);
}
