#include "daemon/core/otp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <climits>
#include <nlohmann/json.hpp>

namespace mfa::core {
namespace {

const EVP_MD* evp_md(OtpAlgorithm alg) {
  switch (alg) {
    case OtpAlgorithm::kSha256: return EVP_sha256();
    case OtpAlgorithm::kSha512: return EVP_sha512();
    case OtpAlgorithm::kSha1: break;
  }
  return EVP_sha1();
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(OtpAlgorithm alg) {
  switch (alg) {
    case OtpAlgorithm::kSha256: return "SHA256";
    case OtpAlgorithm::kSha512: return "SHA512";
    case OtpAlgorithm::kSha1: break;
  }
  return "SHA1";
}

mfa::Result<OtpAlgorithm> parse_otp_algorithm(std::string_view name) {
  for (OtpAlgorithm a : {OtpAlgorithm::kSha1, OtpAlgorithm::kSha256, OtpAlgorithm::kSha512}) {
    if (ascii_iequal(name, to_string(a))) return a;
  }
  return mfa::fail(mfa::Errc::kInvalidArgument, "algorithm must be SHA1, SHA256 or SHA512");
}

mfa::Status validate_totp_params(const TotpParams& p) {
  if (p.digits < kMinOtpDigits || p.digits > kMaxOtpDigits) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "digits must be 6..8");
  }
  if (p.period < kMinTotpPeriod || p.period > kMaxTotpPeriod) {
    // NIST 800-63B 5.1.4.1: a time-based nonce SHALL change at least every 2 minutes.
    return mfa::fail(mfa::Errc::kInvalidArgument, "period must be 15..120 seconds");
  }
  switch (p.algorithm) {
    case OtpAlgorithm::kSha1:
    case OtpAlgorithm::kSha256:
    case OtpAlgorithm::kSha512: return {};
  }
  return mfa::fail(mfa::Errc::kInvalidArgument, "unknown algorithm");
}

std::string hotp(const mfa::SecretBuffer& key, std::uint64_t counter, int digits,
                 OtpAlgorithm alg) {
  if (digits < 1 || digits > 10) return {};
  if (key.size() > static_cast<std::size_t>(INT_MAX)) return {};
  std::array<std::uint8_t, 8> msg{};
  for (int i = 7; i >= 0; --i) {
    msg[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter & 0xFFU);
    counter >>= 8;
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  // One-shot HMAC(): no context to leak; an empty key is valid HMAC input but OpenSSL wants a
  // non-null pointer.
  static const std::uint8_t kEmpty = 0;
  if (HMAC(evp_md(alg), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
           msg.data(), msg.size(), mac.data(), &mac_len) == nullptr ||
      mac_len < 20) {
    return {};
  }
  // RFC 4226 section 5.3 dynamic truncation: offset = low 4 bits of the last byte.
  const std::size_t off = mac[mac_len - 1] & 0x0FU;
  const std::uint32_t bin = (static_cast<std::uint32_t>(mac[off] & 0x7FU) << 24) |
                            (static_cast<std::uint32_t>(mac[off + 1]) << 16) |
                            (static_cast<std::uint32_t>(mac[off + 2]) << 8) |
                            static_cast<std::uint32_t>(mac[off + 3]);
  mfa::secure_wipe(mac.data(), mac.size());
  std::uint64_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::uint64_t value = bin % mod;
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out;
}

std::int64_t totp_step(std::int64_t unix_s, int period) {
  if (period <= 0) return 0;
  std::int64_t q = unix_s / period;
  if (unix_s % period != 0 && unix_s < 0) --q;  // floor, not truncation toward zero
  return q;
}

std::string totp_at(const mfa::SecretBuffer& key, std::int64_t unix_s, const TotpParams& p) {
  return hotp(key, static_cast<std::uint64_t>(totp_step(unix_s, p.period)), p.digits, p.algorithm);
}

std::optional<std::int64_t> totp_match(const mfa::SecretBuffer& key, std::string_view code,
                                       std::int64_t now_s, const TotpParams& p, int window) {
  if (p.digits < kMinOtpDigits || p.digits > kMaxOtpDigits || p.period <= 0) return std::nullopt;
  if (code.size() != static_cast<std::size_t>(p.digits)) return std::nullopt;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (window < 0) window = 0;
  if (window > kMaxTotpWindow) window = kMaxTotpWindow;
  const std::int64_t now_step = totp_step(now_s, p.period);
  // Every candidate is computed and compared; the result is folded in without a
  // data-dependent early exit, so timing does not reveal which step (if any) matched
  // (security.md 5.4).
  std::int64_t matched = 0;
  bool any = false;
  for (std::int64_t s = now_step - window; s <= now_step + window; ++s) {
    if (s < 0) continue;  // before the epoch: no valid counter (depends on time, not secret)
    std::string candidate = hotp(key, static_cast<std::uint64_t>(s), p.digits, p.algorithm);
    const bool eq = !candidate.empty() && mfa::ct_equal(candidate, code);
    mfa::secure_wipe(candidate);
    const std::int64_t mask = -static_cast<std::int64_t>(eq);
    matched = (s & mask) | (matched & ~mask);  // steps ascend, so the last (largest) wins
    any = any | eq;
  }
  if (!any) return std::nullopt;
  return matched;
}

std::string totp_params_to_json(const TotpParams& p) {
  nlohmann::json j = {{"algorithm", std::string(to_string(p.algorithm))},
                      {"digits", p.digits},
                      {"period", p.period}};
  return j.dump();
}

mfa::Result<TotpParams> totp_params_from_json(std::string_view json) {
  // parse(..., allow_exceptions = false): core code does not throw.
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "totp params: not a JSON object");
  }
  TotpParams p;
  if (auto it = j.find("algorithm"); it != j.end()) {
    if (!it->is_string()) return mfa::fail(mfa::Errc::kInvalidArgument, "algorithm: not a string");
    auto alg = parse_otp_algorithm(it->get_ref<const std::string&>());
    if (!alg) return mfa::fail(alg.error());
    p.algorithm = *alg;
  }
  for (auto [key, field] : {std::pair{"digits", &p.digits}, std::pair{"period", &p.period}}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    if (!it->is_number_integer()) {
      return mfa::fail(mfa::Errc::kInvalidArgument, std::string(key) + ": not an integer");
    }
    const auto v = it->get<std::int64_t>();
    if (v < 0 || v > 1000) {
      return mfa::fail(mfa::Errc::kInvalidArgument, std::string(key) + ": out of range");
    }
    *field = static_cast<int>(v);
  }
  MFA_TRY(validate_totp_params(p));
  return p;
}

}  // namespace mfa::core
