// Backup codes: NIST SP 800-63B 5.1.2 look-up secrets. 10 codes of 8 digits (26.6 bits each:
// >= 20 bits, < 112 bits => salted slow hash, rate limited by the engine's lockout), from the
// CSPRNG, each stored as a per-code random salt + PBKDF2-HMAC-SHA256 hash. Shown once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

inline constexpr int kBackupCodeIterations = 20000;      // NIST 800-63B 5.1.1.2: >= 10,000
inline constexpr std::size_t kBackupCodeSaltBytes = 16;  // >= 32 bits required
inline constexpr std::size_t kBackupCodeHashBytes = 32;
inline constexpr std::size_t kMaxBackupCodes = 100;
inline constexpr std::size_t kMinBackupCodeDigits = 6;  // log2(10^6) ~ 20 bits (5.1.2.1)
inline constexpr std::size_t kMaxBackupCodeDigits = 16;

struct GeneratedBackupCodes {
  std::vector<std::string> codes;              // plaintext, shown to the user once
  std::vector<mfa::BackupCodeRecord> records;  // salt + hash only; id = 0 (the store assigns)
};

// count 1..kMaxBackupCodes, digits kMinBackupCodeDigits..kMaxBackupCodeDigits; the codes are
// distinct. Errors: kInvalidArgument (bad counts), kCrypto (RNG or KDF failure).
mfa::Result<GeneratedBackupCodes> generate_backup_codes(mfa::Random& rng, const std::string& app,
                                                        const std::string& user,
                                                        std::size_t count = 10,
                                                        std::size_t digits = 8);

// Strips spaces and '-' ("1234-5678", "1234 5678"); returns "" unless what is left is
// 1..kMaxBackupCodeDigits ASCII digits.
std::string normalize_backup_code(std::string_view typed);

// Hashes the normalised candidate once per stored salt and compares every digest in constant
// time without early exit; returns the id of the matching record (the first one if, absurdly,
// several match). Malformed input returns std::nullopt without hashing.
std::optional<std::int64_t> match_backup_code(std::string_view typed,
                                              const std::vector<mfa::BackupCodeRecord>& unused);

// "12345678" -> "1234-5678" for display; other lengths are grouped by four from the left.
std::string format_backup_code(std::string_view code);

// PBKDF2-HMAC-SHA256(code, salt, kBackupCodeIterations) -> kBackupCodeHashBytes; empty on
// failure. Exposed for tests and for a future re-hash migration.
std::vector<std::uint8_t> hash_backup_code(std::string_view code,
                                           const std::vector<std::uint8_t>& salt);

}  // namespace mfa::core
