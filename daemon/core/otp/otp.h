// HOTP (RFC 4226) and TOTP (RFC 6238): codes computed by liboath (oath_hotp_generate,
// oath_totp_generate2), window matching of our own. Pure functions: the replay guard (accept a
// step only once, RFC 6238 section 5.2) lives in the engine, which stores the matched step
// through Store::commit_verification.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/base/result.h"
#include "daemon/core/base/secret.h"

namespace mfa::core {

enum class OtpAlgorithm { kSha1, kSha256, kSha512 };

std::string_view to_string(OtpAlgorithm alg);  // "SHA1" / "SHA256" / "SHA512"
// Accepts the names above, case-insensitively.
mfa::Result<OtpAlgorithm> parse_otp_algorithm(std::string_view name);

struct TotpParams {
  OtpAlgorithm algorithm = OtpAlgorithm::kSha1;
  int digits = 6;
  int period = 30;
};

inline constexpr int kMinOtpDigits = 6;  // RFC 4226 section 5.3, NIST 800-63B 5.1.4.1
inline constexpr int kMaxOtpDigits = 8;
inline constexpr int kMinTotpPeriod = 15;
inline constexpr int kMaxTotpPeriod = 120;  // NIST 800-63B 5.1.4.1: nonce changes every <= 2 min
inline constexpr int kMaxTotpWindow = 10;   // steps either side; RFC 6238 5.2 recommends 1

// digits 6..8, period 15..120. kInvalidArgument otherwise.
mfa::Status validate_totp_params(const TotpParams& params);

// RFC 4226 section 5.3 (HMAC over the 8-byte big-endian counter, dynamic truncation, modulo
// 10^digits, zero-padded), computed by liboath. HMAC-SHA256/512 as in RFC 6238 section 1.2.
// kInvalidArgument for digits outside 6..8 (all liboath supports, and all we allow) and for a
// SHA256/SHA512 counter above INT64_MAX (liboath takes it as a signed time_t); liboath's own
// failures map through oath_library_error.
mfa::Result<std::string> hotp(const mfa::SecretBuffer& key, std::uint64_t counter, int digits,
                              OtpAlgorithm alg);

// RFC 6238 section 4.2: T = floor((t - T0) / X) with T0 = 0, in 64 bits (Y2038-safe; also
// floors correctly for negative t). period <= 0 yields 0. This, not liboath's own division, is
// the step that the replay guard stores, so codes are always generated for an explicit step.
std::int64_t totp_step(std::int64_t unix_s, int period);

// hotp() at totp_step(unix_s, period). kInvalidArgument for a period <= 0 or a time before
// T0 (no step exists there).
mfa::Result<std::string> totp_at(const mfa::SecretBuffer& key, std::int64_t unix_s,
                                 const TotpParams& params);

// Checks steps now-window..now+window (RFC 6238 section 5.2: at most one step of drift by
// default), comparing EVERY candidate in constant time with no early exit, and returns the
// matched step (the largest one if several) or std::nullopt. Codes of the wrong length or
// with non-digits never match; window is clamped to 0..kMaxTotpWindow; steps before T0 are
// skipped. An error only if liboath fails to compute a candidate.
mfa::Result<std::optional<std::int64_t>> totp_match(const mfa::SecretBuffer& key,
                                                    std::string_view code, std::int64_t now_s,
                                                    const TotpParams& params, int window = 1);

}  // namespace mfa::core
