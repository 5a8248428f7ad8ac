#include "daemon/core/otp/otp.h"

#include <liboath/oath.h>

#include <array>
#include <ctime>
#include <limits>
#include <utility>

#include "daemon/core/encoding/oath_library.h"

namespace mfa::core {
namespace {

// RFC 6238 Appendix B's T = 20000000000 is past 2038: time_t must be 64 bits for liboath's TOTP
// call to take the steps we give it.
static_assert(sizeof(time_t) >= 8, "64-bit time_t required (Y2038)");

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

mfa::Result<std::string> hotp(const mfa::SecretBuffer& key, std::uint64_t counter, int digits,
                              OtpAlgorithm alg) {
  MFA_TRY(oath_library_ready());
  if (digits < kMinOtpDigits || digits > kMaxOtpDigits) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "digits must be 6..8");
  }
  // An empty key is valid HMAC input, but a null pointer is not something to hand to C code.
  static const char kEmpty = 0;
  const char* k = key.empty() ? &kEmpty : reinterpret_cast<const char*>(key.data());
  std::array<char, kMaxOtpDigits + 1> out{};
  int rc = OATH_OK;
  if (alg == OtpAlgorithm::kSha1) {
    rc = oath_hotp_generate(k, key.size(), counter, static_cast<unsigned>(digits), false,
                            OATH_HOTP_DYNAMIC_TRUNCATION, out.data());
  } else {
    // RFC 4226 defines HOTP over HMAC-SHA1 only, and liboath exports the SHA256/512 variants
    // (RFC 6238 section 1.2) only through its TOTP call. With a time step of 1 s and T0 = 0,
    // that call's T = (now - T0) / X is `counter` itself, so this is HOTP(key, counter).
    if (counter > static_cast<std::uint64_t>(std::numeric_limits<time_t>::max())) {
      return mfa::fail(mfa::Errc::kInvalidArgument, "counter out of range for SHA256/SHA512");
    }
    const int flag = alg == OtpAlgorithm::kSha256 ? OATH_TOTP_HMAC_SHA256 : OATH_TOTP_HMAC_SHA512;
    rc = oath_totp_generate2(k, key.size(), static_cast<time_t>(counter), 1, 0,
                             static_cast<unsigned>(digits), flag, out.data());
  }
  if (rc != OATH_OK) {
    mfa::secure_wipe(out.data(), out.size());
    return mfa::fail(oath_library_error(rc, "HOTP"));
  }
  std::string code(out.data(), static_cast<std::size_t>(digits));
  mfa::secure_wipe(out.data(), out.size());
  return code;
}

std::int64_t totp_step(std::int64_t unix_s, int period) {
  if (period <= 0) return 0;
  std::int64_t q = unix_s / period;
  if (unix_s % period != 0 && unix_s < 0) --q;  // floor, not truncation toward zero
  return q;
}

mfa::Result<std::string> totp_at(const mfa::SecretBuffer& key, std::int64_t unix_s,
                                 const TotpParams& p) {
  if (p.period <= 0) return mfa::fail(mfa::Errc::kInvalidArgument, "period must be positive");
  const std::int64_t step = totp_step(unix_s, p.period);
  if (step < 0) return mfa::fail(mfa::Errc::kInvalidArgument, "time before the TOTP epoch");
  return hotp(key, static_cast<std::uint64_t>(step), p.digits, p.algorithm);
}

mfa::Result<std::optional<std::int64_t>> totp_match(const mfa::SecretBuffer& key,
                                                    std::string_view code, std::int64_t now_s,
                                                    const TotpParams& p, int window) {
  const std::optional<std::int64_t> none;
  if (p.digits < kMinOtpDigits || p.digits > kMaxOtpDigits || p.period <= 0) return none;
  if (code.size() != static_cast<std::size_t>(p.digits)) return none;
  for (char c : code) {
    if (c < '0' || c > '9') return none;
  }
  if (window < 0) window = 0;
  if (window > kMaxTotpWindow) window = kMaxTotpWindow;
  const std::int64_t now_step = totp_step(now_s, p.period);
  // liboath's oath_totp_validate* functions do not fit: they compare with strcmp and stop at
  // the first match, searching outwards from the current step, so their timing tells which
  // step matched and they report the nearest step, not the largest (security.md 5.4, RFC 6238
  // section 5.2). Here every candidate is computed and compared, and the result is folded in
  // without a data-dependent early exit.
  std::int64_t matched = 0;
  bool any = false;
  for (std::int64_t s = now_step - window; s <= now_step + window; ++s) {
    if (s < 0) continue;  // before the epoch: no valid counter (depends on time, not secret)
    auto candidate = hotp(key, static_cast<std::uint64_t>(s), p.digits, p.algorithm);
    // A library failure is not data-dependent (the inputs were validated above).
    if (!candidate) return mfa::fail(std::move(candidate).error());
    const bool eq = mfa::ct_equal(*candidate, code);
    mfa::secure_wipe(*candidate);
    const std::int64_t mask = -static_cast<std::int64_t>(eq);
    matched = (s & mask) | (matched & ~mask);  // steps ascend, so the last (largest) wins
    any = any | eq;
  }
  if (!any) return none;
  return std::optional<std::int64_t>(matched);
}

}  // namespace mfa::core
