#include "daemon/core/encoding/base32.h"

#include <liboath/oath.h>

#include <cstddef>
#include <new>
#include <stdexcept>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/encoding/oath_library.h"

namespace mfa::core {
namespace {

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> data, bool pad) {
  if (data.empty()) return {};
  if (auto ready = oath_library_ready(); !ready) throw std::runtime_error(ready.error().context);
  char* raw = nullptr;
  std::size_t len = 0;
  const int rc =
      oath_base32_encode(reinterpret_cast<const char*>(data.data()), data.size(), &raw, &len);
  // Owned (and wiped: it is the text form of a secret) from here on, whatever rc says.
  const OathBufferPtr buf(raw, OathBufferFree{rc == OATH_OK ? len : 0});
  if (rc == OATH_MALLOC_ERROR) throw std::bad_alloc();
  if (rc != OATH_OK || buf == nullptr) {
    const std::string why = oath_library_error(rc, "base32 encode").context;
    if (rc == OATH_BASE32_OVERFLOW) throw std::length_error(why);
    throw std::runtime_error(why);
  }
  // liboath always pads to a multiple of 8 characters; the Key URI format wants it omitted.
  std::size_t n = len;
  if (!pad) {
    while (n > 0 && buf.get()[n - 1] == '=') --n;
  }
  return std::string(buf.get(), n);
}

mfa::Result<mfa::SecretBuffer> base32_decode(std::string_view text) {
  // Our rules are checked here, before liboath sees the text, because liboath's differ in both
  // directions: it accepts several padded groups in a row ("MY======MY======" decodes to "ff"),
  // which we refuse as data after padding, and it refuses a padding run of any length but the
  // canonical one ("MY=", "MZXW6YTB=="), which we have always accepted. So liboath gets the
  // normalised text: alphabet characters only, spaces and padding removed (it adds the padding
  // back itself); it still folds the case.
  std::size_t nchars = 0;
  bool seen_pad = false;
  for (char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      seen_pad = true;
      continue;
    }
    if (seen_pad) return mfa::fail(mfa::Errc::kInvalidArgument, "base32: data after padding");
    if (!in_alphabet(c)) return mfa::fail(mfa::Errc::kInvalidArgument, "base32: invalid character");
    ++nchars;
  }
  // RFC 4648 section 6: a final quantum has 2, 4, 5 or 7 characters (8, 16, 24, 32 bits).
  // liboath would refuse these too; checked here so that the error says why.
  const std::size_t rem = nchars % 8;
  if (rem == 1 || rem == 3 || rem == 6) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "base32: truncated input");
  }
  if (nchars == 0) return mfa::SecretBuffer{};  // "", spaces or padding only: no bytes
  MFA_TRY(oath_library_ready());

  // The base32 text of a secret is the secret: the normalised copy is a wiping buffer,
  // allocated once at its final size.
  mfa::SecretBuffer clean(nchars);
  std::size_t pos = 0;
  for (char c : text) {
    if (in_alphabet(c)) clean.data()[pos++] = static_cast<std::uint8_t>(c);
  }
  char* raw = nullptr;
  std::size_t len = 0;
  const int rc =
      oath_base32_decode(reinterpret_cast<const char*>(clean.data()), clean.size(), &raw, &len);
  const OathBufferPtr buf(raw, OathBufferFree{rc == OATH_OK ? len : 0});
  if (rc != OATH_OK) return mfa::fail(oath_library_error(rc, "base32 decode"));
  if (buf == nullptr || len != nchars * 5 / 8) {
    return mfa::fail(mfa::Errc::kInternal, "liboath base32 decode: unexpected output length");
  }
  return mfa::SecretBuffer(reinterpret_cast<const std::uint8_t*>(buf.get()), len);
}

std::string base32_grouped(std::string_view b32) {
  std::string out;
  out.reserve(b32.size() + b32.size() / 4);
  for (std::size_t i = 0; i < b32.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += b32[i];
  }
  return out;
}

}  // namespace mfa::core
