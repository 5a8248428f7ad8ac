// Delivered one-time codes (SMS, email): 6 digits from the CSPRNG, stored only as
// HMAC-SHA256(salt, challenge_id || ":" || code) with a fresh 16-byte salt per code, so a
// code is bound to its challenge and a leaked database row cannot be replayed elsewhere. The
// 10^6 space is small; what protects it is the attempt limit per challenge, the lockout and
// the 10-minute lifetime (NIST SP 800-63B 5.1.3.2: out-of-band secrets are short-lived).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/crypto/random.h"

namespace mfa::core {

inline constexpr std::size_t kDeliveredCodeDigits = 6;
inline constexpr std::int64_t kDeliveredCodeTtlS = 600;  // 10 minutes

// salt (16 bytes) || HMAC-SHA256 (32 bytes).
Result<std::vector<std::uint8_t>> hash_delivered_code(Random& random, std::string_view challenge_id,
                                                      std::string_view code);
// Constant-time check of a typed code (spaces and dashes ignored) against a stored hash.
bool delivered_code_matches(const std::vector<std::uint8_t>& stored, std::string_view challenge_id,
                            std::string_view typed);

}  // namespace mfa::core
