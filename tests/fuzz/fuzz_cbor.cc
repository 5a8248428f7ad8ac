// cbor_decode (daemon/core/webauthn/webauthn_cbor.cc) on arbitrary bytes: attestation objects, COSE
// keys and extensions arrive from the browser or the security key. Properties: a decoded item
// respects the nesting and item bounds; decoding with `consumed` agrees with decoding exactly
// that prefix; without `consumed`, trailing bytes are refused.
#include <cstdint>
#include <span>

#include "daemon/core/webauthn/webauthn_cbor.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using mfa::webauthn::CborValue;

// Nesting depth (a scalar is 1) and number of items, counting map keys and values.
void measure(const CborValue& v, std::size_t depth, std::size_t& max_depth, std::size_t& items) {
  ++items;
  if (depth > max_depth) max_depth = depth;
  for (const auto& i : v.items) measure(i, depth + 1, max_depth, items);
  for (const auto& [k, val] : v.map) {
    measure(k, depth + 1, max_depth, items);
    measure(val, depth + 1, max_depth, items);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  std::size_t used = 0;
  auto first = mfa::webauthn::cbor_decode(in, &used);
  auto whole = mfa::webauthn::cbor_decode(in);
  if (!first) {
    FUZZ_CHECK(!whole.has_value());  // no valid first item: the whole input is not one either
    return 0;
  }
  FUZZ_CHECK(used >= 1 && used <= size);
  FUZZ_CHECK(whole.has_value() == (used == size));
  FUZZ_CHECK(mfa::webauthn::cbor_decode(in.first(used)).has_value());
  std::size_t depth = 0;
  std::size_t items = 0;
  measure(*first, 1, depth, items);
  FUZZ_CHECK(depth <= mfa::webauthn::kMaxCborDepth + 1);
  FUZZ_CHECK(items <= mfa::webauthn::kMaxCborItems);
  // Duplicate keys are refused: no two keys of one map are equal integers or equal texts.
  for (const auto& [k, v] : first->map) {
    std::size_t same = 0;
    for (const auto& [k2, v2] : first->map) {
      if (k.type == k2.type && k.uint == k2.uint && k.text == k2.text && k.bytes == k2.bytes) {
        ++same;
      }
    }
    FUZZ_CHECK(same == 1);
  }
  return 0;
}
