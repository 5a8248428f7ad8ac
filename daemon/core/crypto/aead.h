// Encryption at rest for factor secrets (TOTP seeds): AES-256-GCM, NIST SP 800-38D.
//
// Record format (all integers big-endian):
//   version(1) = 0x01 || key_id(4) || nonce(12) || ciphertext || tag(16)
// The 5-byte header (version, key id) is authenticated as the first part of the GCM AAD, so a
// record cannot be relabelled to another key or format. The caller's AAD (factor_aad) binds
// the record to its row: a ciphertext copied into another user's row fails to open.
//
// Nonces: 96-bit, drawn from the injected Random for every seal (SP 800-38D 5.2.1.1 and
// 8.2.2, RBG-based construction). With random IVs the total number of seals under one key
// must not exceed 2^32 (SP 800-38D 8.3); seal() counts invocations and refuses past the limit.
// The counter is per process — a persistent usage counter and key rotation (new key id, old
// keys kept for open() only, re-encryption on next use) are future work; at mfad's write rate
// (one seal per enrolment) the limit is far away.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/crypto/random.h"

namespace mfa {

class Aead {
 public:
  static constexpr std::uint8_t kVersion = 1;
  static constexpr std::size_t kKeySize = 32;
  static constexpr std::size_t kNonceSize = 12;
  static constexpr std::size_t kTagSize = 16;
  static constexpr std::size_t kHeaderSize = 1 + 4;
  static constexpr std::size_t kOverhead = kHeaderSize + kNonceSize + kTagSize;
  // SP 800-38D 8.3: at most 2^32 invocations with random 96-bit IVs per key.
  static constexpr std::uint64_t kMaxInvocations = std::uint64_t{1} << 32;

  // `key` must be kKeySize bytes (from load_or_create_key_file); a wrong size makes every
  // seal/open fail with kCrypto rather than crash. `rng` must outlive this object.
  Aead(SecretBuffer key, std::uint32_t key_id, Random& rng);

  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  // Encrypts and authenticates; returns the record described above.
  Result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> plaintext,
                                         std::string_view aad);
  // Verifies and decrypts. kCrypto on a short/malformed record, an unknown version, another
  // key id, any modified byte or a different AAD — never says which (no oracle).
  Result<SecretBuffer> open(std::span<const std::uint8_t> record, std::string_view aad) const;

  std::uint32_t key_id() const noexcept { return key_id_; }
  std::uint64_t invocations() const noexcept { return invocations_.load(); }

 private:
  SecretBuffer key_;
  std::uint32_t key_id_;
  Random& rng_;
  std::atomic<std::uint64_t> invocations_{0};
};

// The AAD for a factor secret: record type "factor-secret", app, user and factor id, each
// length-prefixed (4-byte big-endian length) so that no two different tuples encode alike
// ("ab"+"c" vs "a"+"bc"). The key id and format version are bound by seal/open themselves.
std::string factor_aad(std::string_view app, std::string_view user, std::string_view factor_id);

}  // namespace mfa
