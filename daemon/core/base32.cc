#include "daemon/core/base32.h"

#include <cstddef>

namespace mfa::core {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// -1 for characters outside the alphabet.
int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> data, bool pad) {
  std::string out;
  out.reserve((data.size() + 4) / 5 * 8);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : data) {
    acc = ((acc << 8) | b) & 0xFFFFU;  // at most 12 live bits; keep the top ones out of the way
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(acc >> (bits - 5)) & 31U]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 31U]);
  if (pad) {
    while (out.size() % 8 != 0) out.push_back('=');
  }
  return out;
}

mfa::Result<mfa::SecretBuffer> base32_decode(std::string_view text) {
  // Count alphabet characters first so that the output is allocated once (no reallocation
  // leaving copies of secret bytes behind in freed memory).
  std::size_t nchars = 0;
  bool seen_pad = false;
  for (char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      seen_pad = true;
      continue;
    }
    if (seen_pad) return mfa::fail(mfa::Errc::kInvalidArgument, "base32: data after padding");
    if (decode_char(c) < 0) {
      return mfa::fail(mfa::Errc::kInvalidArgument, "base32: invalid character");
    }
    ++nchars;
  }
  // RFC 4648 section 6: a final quantum has 2, 4, 5 or 7 characters (8, 16, 24, 32 bits).
  const std::size_t rem = nchars % 8;
  if (rem == 1 || rem == 3 || rem == 6) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "base32: truncated input");
  }
  mfa::SecretBuffer out(nchars * 5 / 8);
  std::size_t pos = 0;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = decode_char(c);
    if (v < 0) continue;
    acc = ((acc << 5) | static_cast<std::uint32_t>(v)) & 0x3FFFU;
    bits += 5;
    if (bits >= 8) {
      out.data()[pos++] = static_cast<std::uint8_t>(acc >> (bits - 8));
      bits -= 8;
    }
  }
  acc = 0;
  return out;
}

}  // namespace mfa::core
