#include "tests/support/reference_otp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "daemon/core/encoding/base32.h"

namespace mfa::testing {

std::string reference_hotp(const SecretBuffer& key, std::uint64_t counter, int digits,
                           core::OtpAlgorithm alg) {
  std::array<unsigned char, 8> msg{};
  for (std::size_t i = 0; i < 8; ++i) {
    msg[i] = static_cast<unsigned char>(counter >> (56 - 8 * i));
  }
  const EVP_MD* md = alg == core::OtpAlgorithm::kSha256   ? EVP_sha256()
                     : alg == core::OtpAlgorithm::kSha512 ? EVP_sha512()
                                                          : EVP_sha1();
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  static const unsigned char kEmpty = 0;
  if (HMAC(md, key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()), msg.data(),
           msg.size(), mac.data(), &len) == nullptr) {
    return {};
  }
  const unsigned off = mac[len - 1] & 0x0FU;
  std::uint64_t bin = 0;
  for (unsigned i = 0; i < 4; ++i) bin = (bin << 8) | mac[off + i];
  bin &= 0x7FFFFFFFU;
  std::string out;
  for (int i = 0; i < digits; ++i) {
    out.insert(out.begin(), static_cast<char>('0' + bin % 10));
    bin /= 10;
  }
  return out;
}

std::string reference_totp(const std::string& secret_b32, std::int64_t t) {
  auto key = core::base32_decode(secret_b32);
  if (!key || t < 0) return {};
  return reference_hotp(*key, static_cast<std::uint64_t>(t / 30), 6, core::OtpAlgorithm::kSha1);
}

}  // namespace mfa::testing
