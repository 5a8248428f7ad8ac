#include "daemon/core/otp/delivered_code.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "daemon/core/base/secret.h"

namespace mfa::core {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kMacBytes = 32;

bool mac(std::span<const std::uint8_t> salt, std::string_view challenge_id, std::string_view code,
         std::array<std::uint8_t, kMacBytes>& out) {
  std::string msg;
  msg.reserve(challenge_id.size() + 1 + code.size());
  msg.append(challenge_id).append(":").append(code);
  unsigned len = 0;
  const bool ok = HMAC(EVP_sha256(), salt.data(), static_cast<int>(salt.size()),
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out.data(),
                       &len) != nullptr &&
                  len == kMacBytes;
  secure_wipe(msg);
  return ok;
}

}  // namespace

Result<std::vector<std::uint8_t>> hash_delivered_code(Random& random, std::string_view challenge_id,
                                                      std::string_view code) {
  std::vector<std::uint8_t> out(kSaltBytes + kMacBytes);
  MFA_TRY(random.fill(std::span(out.data(), kSaltBytes)));
  std::array<std::uint8_t, kMacBytes> m{};
  if (!mac(std::span(out.data(), kSaltBytes), challenge_id, code, m)) {
    return fail(Errc::kCrypto, "HMAC-SHA256 failed");
  }
  std::copy(m.begin(), m.end(), out.begin() + kSaltBytes);
  return out;
}

bool delivered_code_matches(const std::vector<std::uint8_t>& stored, std::string_view challenge_id,
                            std::string_view typed) {
  if (stored.size() != kSaltBytes + kMacBytes) return false;
  std::string code;
  for (char c : typed) {
    if (c == ' ' || c == '-' || c == '\t' || c == '\r' || c == '\n') continue;
    code.push_back(c);
  }
  if (code.size() != kDeliveredCodeDigits) {
    secure_wipe(code);
    return false;
  }
  std::array<std::uint8_t, kMacBytes> m{};
  const bool ok = mac(std::span(stored.data(), kSaltBytes), challenge_id, code, m);
  secure_wipe(code);
  return ok && ct_equal(std::span<const std::uint8_t>(m),
                        std::span(stored.data() + kSaltBytes, kMacBytes));
}

}  // namespace mfa::core
