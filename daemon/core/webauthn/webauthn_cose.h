// COSE public keys (RFC 9053 / RFC 8152 section 13) as WebAuthn authenticators return them,
// and signature verification with OpenSSL for the three algorithms mfad accepts:
// ES256 (-7, ECDSA P-256 + SHA-256, DER signature), EdDSA (-8, Ed25519) and RS256 (-257,
// RSASSA-PKCS1-v1_5 + SHA-256, modulus >= 2048 bits). Why not libfido2: verify_signature().
#pragma once

#include <cstdint>
#include <span>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/base/result.h"
#include "daemon/core/webauthn/webauthn_cbor.h"

namespace mfa::webauthn {

inline constexpr std::int64_t kAlgEs256 = -7;
inline constexpr std::int64_t kAlgEdDsa = -8;
inline constexpr std::int64_t kAlgRs256 = -257;
inline constexpr std::size_t kMinRsaBits = 2048;

bool is_supported_alg(std::int64_t alg);

struct CosePublicKey {
  std::int64_t alg = 0;
  EvpPkeyPtr pkey;
};

// Parses a COSE_Key map; the key type, curve and coordinate sizes must match `alg` (3).
Result<CosePublicKey> cose_key_from_cbor(const CborValue& map);
Result<CosePublicKey> cose_key_parse(std::span<const std::uint8_t> cbor);

// kBadCode when the signature does not verify; kInvalidArgument when alg and key disagree.
Status verify_signature(EVP_PKEY* key, std::int64_t alg, std::span<const std::uint8_t> message,
                        std::span<const std::uint8_t> signature);

}  // namespace mfa::webauthn
