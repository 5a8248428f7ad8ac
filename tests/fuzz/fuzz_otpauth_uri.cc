// parse_otpauth_uri (daemon/core/otp/otpauth_uri.cc) on arbitrary text. Property: whatever the
// strict parser accepts, make_otpauth_uri can write back and the parser reads the same fields
// again (the URI we show in a QR code is the URI an authenticator app would import).
#include <cstdint>
#include <string_view>

#include "daemon/core/otp/otp.h"
#include "daemon/core/otp/otpauth_uri.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto u = mfa::core::parse_otpauth_uri(text);
  if (!u) return 0;
  FUZZ_CHECK(u->type == "totp");
  FUZZ_CHECK(mfa::core::validate_totp_params(u->params).has_value());
  FUZZ_CHECK(u->issuer.find(':') == std::string::npos);
  FUZZ_CHECK(u->account.find(':') == std::string::npos);
  auto again = mfa::core::make_otpauth_uri(u->issuer, u->account, u->secret_b32, u->params);
  FUZZ_CHECK(again.has_value());
  auto u2 = mfa::core::parse_otpauth_uri(*again);
  FUZZ_CHECK(u2.has_value());
  FUZZ_CHECK(u2->issuer == u->issuer);
  FUZZ_CHECK(u2->account == u->account);
  FUZZ_CHECK(u2->params.digits == u->params.digits);
  FUZZ_CHECK(u2->params.period == u->params.period);
  FUZZ_CHECK(u2->params.algorithm == u->params.algorithm);
  return 0;
}
