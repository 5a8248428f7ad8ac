// Base32 (RFC 4648 section 6), the encoding of TOTP secrets in otpauth:// URIs and in what
// users type into authenticator apps by hand. The coding itself is liboath's
// (oath_base32_encode / oath_base32_decode); the input rules below are ours and are checked
// before liboath sees the text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "daemon/core/base/result.h"
#include "daemon/core/base/secret.h"

namespace mfa::core {

// Uppercase alphabet A-Z2-7. Padding ('=') only when asked: the Key URI format says "The
// padding specified in RFC 3548 section 2.2 is not required and should be omitted".
// Like any std::string-returning function it throws std::bad_alloc when memory runs out
// (liboath's OATH_MALLOC_ERROR), and std::length_error / std::runtime_error if liboath reports
// an overflow or cannot be initialised; it never returns a partial encoding.
std::string base32_encode(std::span<const std::uint8_t> data, bool pad = false);

// Case-insensitive; ignores spaces (secrets are often shown in groups of four); accepts
// optional trailing '=' padding (any number of them). Anything else, a '=' in the middle, or a
// final group whose length RFC 4648 cannot produce (1, 3 or 6 characters) is kInvalidArgument.
// The error text never quotes the input (it may be a secret).
mfa::Result<mfa::SecretBuffer> base32_decode(std::string_view text);

// A base32 key in groups of four ("JBSW Y3DP EHPK"), for typing by hand: base32_decode
// accepts the spaces back.
std::string base32_grouped(std::string_view b32);

}  // namespace mfa::core
