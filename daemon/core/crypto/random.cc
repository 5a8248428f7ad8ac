#include "daemon/core/crypto/random.h"

#include <openssl/rand.h>

#include <array>
#include <climits>

namespace mfa {

Status OsRandom::fill(std::span<std::uint8_t> out) {
  if (out.empty()) return {};
  if (out.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(Errc::kInvalidArgument, "random request too large");
  }
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return fail(Errc::kCrypto, "RAND_bytes failed");
  }
  return {};
}

Result<SecretBuffer> Random::secret(std::size_t n) {
  SecretBuffer buf(n);
  MFA_TRY(fill(std::span(buf.data(), buf.size())));
  return buf;
}

Result<std::string> Random::digits(std::size_t count) {
  std::string out;
  out.reserve(count);
  while (out.size() < count) {
    std::array<std::uint8_t, 16> bytes{};
    MFA_TRY(fill(bytes));
    for (std::uint8_t b : bytes) {
      if (b >= 250) continue;  // 250 = 25 * 10: reject to stay unbiased
      out.push_back(static_cast<char>('0' + b % 10));
      if (out.size() == count) break;
    }
  }
  return out;
}

Result<std::string> Random::id(std::string_view prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::array<std::uint8_t, 16> bytes{};
  MFA_TRY(fill(bytes));
  std::string out(prefix);
  unsigned acc = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(acc >> (bits - 5)) & 31U]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 31U]);
  return out;
}

}  // namespace mfa
