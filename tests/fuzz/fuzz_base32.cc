// base32_decode (daemon/core/base32.cc) on arbitrary text, plus two round-trip properties:
// decode(encode(bytes)) == bytes for the raw input, and a decodable text re-encodes to a
// text that decodes to the same bytes.
#include <cstdint>
#include <span>
#include <string_view>

#include "daemon/core/base32.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto dec = mfa::core::base32_decode(text)) {
    FUZZ_CHECK(dec->size() <= size * 5 / 8);
    const std::string again = mfa::core::base32_encode(dec->span(), size % 2 == 0);
    auto dec2 = mfa::core::base32_decode(again);
    FUZZ_CHECK(dec2.has_value());
    FUZZ_CHECK(mfa::ct_equal(dec->span(), dec2->span()));
  }
  const std::span<const std::uint8_t> raw(data, size);
  for (bool pad : {false, true}) {
    const std::string enc = mfa::core::base32_encode(raw, pad);
    FUZZ_CHECK(!pad || enc.size() % 8 == 0);
    auto dec = mfa::core::base32_decode(enc);
    FUZZ_CHECK(dec.has_value());
    FUZZ_CHECK(dec->size() == size);
    FUZZ_CHECK(mfa::ct_equal(dec->span(), raw));
  }
  return 0;
}
