// parse_factor_params (daemon/core/otp/factor_params.cc) of a TOTP factor: FactorRecord.params as
// read back from the store. Property: accepted params are valid and survive
// factor_params_json -> parse_factor_params unchanged.
#include <cstdint>
#include <string_view>

#include "daemon/core/otp/factor_params.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mfa::core::FactorType;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = mfa::core::parse_factor_params(FactorType::kTotp, text);
  if (!p) return 0;
  FUZZ_CHECK(mfa::core::validate_totp_params(p->totp).has_value());
  auto q = mfa::core::parse_factor_params(FactorType::kTotp,
                                          mfa::core::factor_params_json(FactorType::kTotp, *p));
  FUZZ_CHECK(q.has_value());
  FUZZ_CHECK(q->totp.digits == p->totp.digits && q->totp.period == p->totp.period &&
             q->totp.algorithm == p->totp.algorithm);
  return 0;
}
