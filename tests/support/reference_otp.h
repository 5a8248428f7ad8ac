// OTP codes from an implementation that is not the product's (which computes them with
// liboath): OpenSSL's HMAC and the RFC 4226 section 5.3 truncation written out. test_otp.cc
// checks it against the RFC 4226 and RFC 6238 tables before anything relies on it.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/base/secret.h"
#include "daemon/core/otp/otp.h"

namespace mfa::testing {

// HOTP of `key` at `counter`, `digits` long ("" if HMAC fails).
std::string reference_hotp(const SecretBuffer& key, std::uint64_t counter, int digits,
                           core::OtpAlgorithm alg);

// The default TOTP (RFC 6238: SHA1, 6 digits, 30 s) of the base32 secret at Unix time t
// ("" if the secret does not decode): what an authenticator app would show.
std::string reference_totp(const std::string& secret_b32, std::int64_t t);

}  // namespace mfa::testing
