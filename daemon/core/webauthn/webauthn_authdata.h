// authenticatorData (WebAuthn section 6.1): rpIdHash (32) | flags (1) | signCount (4, big
// endian) | attestedCredentialData (when AT) | extensions (CBOR map, when ED). Parsed strictly:
// lengths checked, no trailing bytes, AT/ED flags must agree with what follows.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "daemon/core/base/result.h"

namespace mfa::webauthn {

inline constexpr std::size_t kMaxCredentialIdLen = 1023;  // WebAuthn 7.1 step 23 (L3)

namespace flag {
inline constexpr std::uint8_t kUp = 0x01;  // user present
inline constexpr std::uint8_t kUv = 0x04;  // user verified
inline constexpr std::uint8_t kBe = 0x08;  // backup eligible
inline constexpr std::uint8_t kBs = 0x10;  // backed up
inline constexpr std::uint8_t kAt = 0x40;  // attested credential data included
inline constexpr std::uint8_t kEd = 0x80;  // extension data included
}  // namespace flag

struct AuthenticatorData {
  std::array<std::uint8_t, 32> rp_id_hash{};
  std::uint8_t flags = 0;
  std::uint32_t sign_count = 0;
  // Attested credential data (registration only).
  bool has_credential = false;
  std::array<std::uint8_t, 16> aaguid{};
  std::vector<std::uint8_t> credential_id;
  std::vector<std::uint8_t> cose_key;  // the COSE_Key, still CBOR-encoded

  bool up() const { return (flags & flag::kUp) != 0; }
  bool uv() const { return (flags & flag::kUv) != 0; }
  bool be() const { return (flags & flag::kBe) != 0; }
  bool bs() const { return (flags & flag::kBs) != 0; }
};

Result<AuthenticatorData> parse_authenticator_data(std::span<const std::uint8_t> raw);

}  // namespace mfa::webauthn
