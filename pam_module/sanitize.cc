#include "pam_module/sanitize.h"

namespace mfa::pam {
namespace {

// Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates,
// max U+10FFFF), or 0 if invalid. Sets *cp to the code point.
size_t utf8_seq(const unsigned char* p, unsigned long* cp) {
  const unsigned char c = p[0];
  size_t n = 0;
  unsigned long v = 0;
  unsigned long min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, v = c & 0x1Fu, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, v = c & 0x0Fu, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, v = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    if ((p[k] & 0xC0u) != 0x80u) return 0;  // also stops at the NUL terminator
    v = (v << 6) | (p[k] & 0x3Fu);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

}  // namespace

void sanitize_text(const char* in, char* out, size_t cap) {
  if (cap == 0) return;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(in);
  size_t n = 0;
  while (*p != '\0') {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      if ((c < 0x20 && c != '\n') || c == 0x7F) continue;
      if (n + 1 >= cap) break;
      out[n++] = static_cast<char>(c);
      continue;
    }
    unsigned long cp = 0;
    const size_t len = utf8_seq(p, &cp);
    if (len == 0) {
      ++p;
      if (n + 1 >= cap) break;
      out[n++] = '?';
      continue;
    }
    if (cp >= 0x80 && cp <= 0x9F) {  // C1 controls: 0x9B is CSI on 8-bit terminals
      p += len;
      continue;
    }
    // Bidirectional marks, embeddings, overrides and isolates and the line/paragraph
    // separators: they make a line show other than what it holds (CVE-2021-42574). The same
    // set as daemon/core/base/display_text.h, which this libc-only tier cannot link.
    if (cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069)) {
      p += len;
      continue;
    }
    if (n + len >= cap) break;
    for (size_t k = 0; k < len; ++k) out[n++] = static_cast<char>(p[k]);
    p += len;
  }
  out[n] = '\0';
}

}  // namespace mfa::pam
