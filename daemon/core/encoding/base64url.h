// base64url without padding (RFC 4648 section 5), the encoding WebAuthn uses for challenges,
// credential ids and the binary fields of PublicKeyCredential JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mfa {

std::string base64url_encode(std::span<const std::uint8_t> data);
// Accepts unpadded input (and tolerates trailing '=' padding); nullopt on any other
// character or an impossible length.
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

}  // namespace mfa
