// Injectable randomness. Production uses OpenSSL's CSPRNG (RAND_bytes, SP 800-90A DRBG);
// tests may inject a deterministic source. All secrets, salts, nonces and ids come from here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "daemon/core/base/result.h"
#include "daemon/core/base/secret.h"

namespace mfa {

class Random {
 public:
  virtual ~Random() = default;
  // Fills out with random bytes; fails closed (kCrypto) if the generator is not seeded.
  [[nodiscard]] virtual Status fill(std::span<std::uint8_t> out) = 0;

  Result<SecretBuffer> secret(std::size_t n);
  // A uniformly random string of `digits` decimal digits (rejection sampling, no modulo bias).
  Result<std::string> digits(std::size_t digits);
  // An opaque identifier: prefix + 128 random bits in base32 (lowercase, no padding).
  Result<std::string> id(std::string_view prefix);
};

class OsRandom final : public Random {
 public:
  Status fill(std::span<std::uint8_t> out) override;
};

}  // namespace mfa
