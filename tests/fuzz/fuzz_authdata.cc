// parse_authenticator_data (daemon/core/webauthn/webauthn_authdata.cc): the authenticator's bytes,
// as relayed by a browser anyone controls. Properties: an accepted authData has the fixed header,
// attested credential data exactly when the AT flag says so, a credential id within bounds,
// and a COSE key that is one well-formed CBOR item.
#include <cstdint>
#include <span>

#include "daemon/core/webauthn/webauthn_authdata.h"
#include "daemon/core/webauthn/webauthn_cbor.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> raw(data, size);
  auto ad = mfa::webauthn::parse_authenticator_data(raw);
  if (!ad) return 0;
  FUZZ_CHECK(size >= 37);
  FUZZ_CHECK(ad->flags == data[32]);
  FUZZ_CHECK(ad->sign_count == ((std::uint32_t{data[33]} << 24) | (std::uint32_t{data[34]} << 16) |
                                (std::uint32_t{data[35]} << 8) | std::uint32_t{data[36]}));
  FUZZ_CHECK(ad->has_credential == ((ad->flags & mfa::webauthn::flag::kAt) != 0));
  if (ad->has_credential) {
    FUZZ_CHECK(!ad->credential_id.empty());
    FUZZ_CHECK(ad->credential_id.size() <= mfa::webauthn::kMaxCredentialIdLen);
    FUZZ_CHECK(mfa::webauthn::cbor_decode(ad->cose_key).has_value());
    FUZZ_CHECK(37 + 18 + ad->credential_id.size() + ad->cose_key.size() <= size);
  } else {
    FUZZ_CHECK(ad->credential_id.empty() && ad->cose_key.empty());
  }
  return 0;
}
