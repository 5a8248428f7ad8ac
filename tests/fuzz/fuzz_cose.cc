// cose_key_parse and verify_signature (daemon/core/webauthn/webauthn_cose.cc): a credential public
// key as registered by whoever enrols a passkey. Properties: an accepted key has a supported
// algorithm and an OpenSSL key of the matching type (RSA at least kMinRsaBits); a signature
// check over it with input-chosen bytes never crashes, and an empty signature never verifies.
#include <openssl/evp.h>

#include <cstdint>
#include <span>

#include "daemon/core/webauthn/webauthn_cose.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  std::size_t used = 0;
  if (!mfa::webauthn::cbor_decode(in, &used)) return 0;
  auto key = mfa::webauthn::cose_key_parse(in.first(used));
  if (!key) return 0;
  FUZZ_CHECK(mfa::webauthn::is_supported_alg(key->alg));
  FUZZ_CHECK(key->pkey != nullptr);
  const int id = EVP_PKEY_get_base_id(key->pkey.get());
  if (key->alg == mfa::webauthn::kAlgEs256) FUZZ_CHECK(id == EVP_PKEY_EC);
  if (key->alg == mfa::webauthn::kAlgEdDsa) FUZZ_CHECK(id == EVP_PKEY_ED25519);
  if (key->alg == mfa::webauthn::kAlgRs256) {
    FUZZ_CHECK(id == EVP_PKEY_RSA);
    FUZZ_CHECK(EVP_PKEY_get_bits(key->pkey.get()) >= static_cast<int>(mfa::webauthn::kMinRsaBits));
  }
  // The bytes after the key: half message, half signature.
  const auto rest = in.subspan(used);
  const auto message = rest.first(rest.size() / 2);
  const auto signature = rest.subspan(rest.size() / 2);
  (void)mfa::webauthn::verify_signature(key->pkey.get(), key->alg, message, signature);
  FUZZ_CHECK(!mfa::webauthn::verify_signature(key->pkey.get(), key->alg, message, {}));
  return 0;
}
