// base32_decode / base32_encode (daemon/core/encoding/base32.cc: our input rules in front of
// liboath's coder) against a reference written here bit by bit from RFC 4648 section 6 and the
// rules in base32.h, so that the oracle is not liboath: both must accept and refuse the same texts
// and produce the same bytes, and encode the same bytes to the same text. Plus the round trip
// decode(encode(bytes)) == bytes. The reference must first reproduce the RFC 4648 section 10
// vectors (checked once per process).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/encoding/base32.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::optional<std::vector<std::uint8_t>> reference_decode(std::string_view text) {
  std::vector<bool> bits;
  std::size_t chars = 0;
  bool pad = false;
  for (char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      pad = true;
      continue;
    }
    if (pad) return std::nullopt;  // data after padding
    const char upper = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    const std::size_t v = kAlphabet.find(upper);
    if (v == std::string_view::npos) return std::nullopt;
    for (int b = 4; b >= 0; --b) bits.push_back(((v >> b) & 1U) != 0);
    ++chars;
  }
  const std::size_t rem = chars % 8;
  if (rem == 1 || rem == 3 || rem == 6) return std::nullopt;  // no final quantum is that long
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 8 <= bits.size(); i += 8) {
    unsigned byte = 0;
    for (std::size_t j = 0; j < 8; ++j) byte = (byte << 1) | (bits[i + j] ? 1U : 0U);
    out.push_back(static_cast<std::uint8_t>(byte));
  }
  return out;  // leftover (< 5) bits are dropped, whatever their value
}

std::string reference_encode(std::span<const std::uint8_t> data, bool pad) {
  std::vector<bool> bits;
  for (std::uint8_t byte : data) {
    for (int b = 7; b >= 0; --b) bits.push_back(((byte >> b) & 1U) != 0);
  }
  while (bits.size() % 5 != 0) bits.push_back(false);
  std::string out;
  for (std::size_t i = 0; i < bits.size(); i += 5) {
    unsigned v = 0;
    for (std::size_t j = 0; j < 5; ++j) v = (v << 1) | (bits[i + j] ? 1U : 0U);
    out.push_back(kAlphabet[v]);
  }
  if (pad) {
    while (out.size() % 8 != 0) out.push_back('=');
  }
  return out;
}

// RFC 4648 section 10, padded and unpadded.
bool reference_matches_rfc4648() {
  const char* in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* padded[] = {
      "", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======"};
  for (int i = 0; i < 7; ++i) {
    const std::string_view plain(in[i]);
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(plain.data()),
                                              plain.size());
    const std::string_view enc(padded[i]);
    if (reference_encode(bytes, true) != enc) return false;
    if (reference_encode(bytes, false) != enc.substr(0, enc.find('='))) return false;
    const auto dec = reference_decode(enc);
    if (!dec ||
        std::string_view(reinterpret_cast<const char*>(dec->data()), dec->size()) != plain) {
      return false;
    }
  }
  return true;
}

bool same_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return mfa::ct_equal(a, b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool kReferencePinned = reference_matches_rfc4648();
  FUZZ_CHECK(kReferencePinned);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto dec = mfa::core::base32_decode(text);
  const auto ref = reference_decode(text);
  FUZZ_CHECK(dec.has_value() == ref.has_value());
  if (dec) {
    FUZZ_CHECK(same_bytes(dec->span(), *ref));
    const std::string again = mfa::core::base32_encode(dec->span(), size % 2 == 0);
    FUZZ_CHECK(again == reference_encode(dec->span(), size % 2 == 0));
  }
  const std::span<const std::uint8_t> raw(data, size);
  for (bool pad : {false, true}) {
    const std::string enc = mfa::core::base32_encode(raw, pad);
    FUZZ_CHECK(enc == reference_encode(raw, pad));
    auto back = mfa::core::base32_decode(enc);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(same_bytes(back->span(), raw));
  }
  return 0;
}
