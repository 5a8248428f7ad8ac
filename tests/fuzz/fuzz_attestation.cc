// verify_attestation (daemon/core/webauthn/webauthn_attestation.cc) on an attestation object as a
// browser sends it (CBOR map: fmt, attStmt, authData), with the credential key taken from its
// own authData, as registration does. With no trust anchors configured, properties: nothing is
// ever `trusted`, the type is none, self or basic, and require_trusted refuses everything.
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "daemon/core/webauthn/webauthn_attestation.h"
#include "daemon/core/webauthn/webauthn_authdata.h"
#include "daemon/core/webauthn/webauthn_cbor.h"
#include "daemon/core/webauthn/webauthn_cose.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// The clientDataHash the seeds were signed over (tests/fuzz/make_webauthn_seeds.py).
std::array<std::uint8_t, 32> client_data_hash() {
  static const std::string kClientData = "mfad fuzz clientDataJSON";
  std::array<std::uint8_t, 32> h{};
  SHA256(reinterpret_cast<const unsigned char*>(kClientData.data()), kClientData.size(), h.data());
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto att = mfa::webauthn::cbor_decode(std::span<const std::uint8_t>(data, size));
  if (!att || att->type != mfa::webauthn::CborValue::Type::kMap) return 0;
  const auto* fmt = att->find("fmt");
  const auto* stmt = att->find("attStmt");
  const auto* raw = att->find("authData");
  using Type = mfa::webauthn::CborValue::Type;
  if (fmt == nullptr || fmt->type != Type::kText || stmt == nullptr || raw == nullptr ||
      raw->type != Type::kBytes) {
    return 0;
  }
  auto ad = mfa::webauthn::parse_authenticator_data(raw->bytes);
  if (!ad || !ad->has_credential) return 0;
  auto key = mfa::webauthn::cose_key_parse(ad->cose_key);
  if (!key) return 0;
  const auto hash = client_data_hash();
  auto r = mfa::webauthn::verify_attestation(fmt->text, *stmt, raw->bytes, hash, *key, ad->aaguid);
  if (r) {
    FUZZ_CHECK(!r->trusted);
    FUZZ_CHECK(r->type == "none" || r->type == "self" || r->type == "basic");
    FUZZ_CHECK(r->type != "none" || fmt->text == "none");
  }
  mfa::webauthn::AttestationTrust strict;
  strict.require_trusted = true;
  FUZZ_CHECK(!mfa::webauthn::verify_attestation(fmt->text, *stmt, raw->bytes, hash, *key,
                                                ad->aaguid, strict));
  return 0;
}
