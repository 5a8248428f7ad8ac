// totp_params_from_json (daemon/core/otp.cc): FactorRecord.params as read back from the store.
// Property: accepted params are valid and survive totp_params_to_json -> from_json unchanged.
#include <cstdint>
#include <string_view>

#include "daemon/core/otp.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = mfa::core::totp_params_from_json(text);
  if (!p) return 0;
  FUZZ_CHECK(mfa::core::validate_totp_params(*p).has_value());
  auto q = mfa::core::totp_params_from_json(mfa::core::totp_params_to_json(*p));
  FUZZ_CHECK(q.has_value());
  FUZZ_CHECK(q->digits == p->digits && q->period == p->period && q->algorithm == p->algorithm);
  return 0;
}
