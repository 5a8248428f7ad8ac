#include "daemon/core/base/display_text.h"

#include <cstdint>
#include <optional>

namespace mfa::core {
namespace {

struct Decoded {
  char32_t cp = 0;
  std::size_t len = 0;
};

// One UTF-8 sequence at `s[i]` (RFC 3629 section 4's table), or nullopt for an ill-formed one.
std::optional<Decoded> decode_at(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return Decoded{b0, 1};
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1FU, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0FU, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07U, min = 0x10000;
  } else {
    return std::nullopt;  // continuation byte, C0/C1 overlong lead, or past U+10FFFF
  }
  if (i + len > s.size()) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0U) != 0x80U) return std::nullopt;
    cp = (cp << 6) | (b & 0x3FU);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return Decoded{cp, len};
}

// "\\x" + 2 or "\\u" + 4 lowercase hex digits (C and JSON escapes).
void append_escape(std::string& out, char kind, unsigned value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '\\';
  out += kind;
  for (int shift = kind == 'x' ? 4 : 12; shift >= 0; shift -= 4)
    out += kHex[(value >> shift) & 0xFU];
}

}  // namespace

bool is_terminal_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

Status check_display_text(std::string_view text, std::string_view what) {
  for (std::size_t i = 0; i < text.size();) {
    const auto d = decode_at(text, i);
    if (!d) return fail(Errc::kInvalidArgument, std::string(what) + " is not valid UTF-8");
    if (is_terminal_control(d->cp)) {
      return fail(
          Errc::kInvalidArgument,
          std::string(what) + " must not contain control characters or bidirectional overrides");
    }
    i += d->len;
  }
  return {};
}

std::string escape_terminal_controls(std::string_view text, EscapeStyle style) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto d = decode_at(text, i);
    if (!d) {  // a stray byte: only kText input can hold one (serialised JSON is UTF-8)
      append_escape(out, style == EscapeStyle::kJson ? 'u' : 'x',
                    static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    const bool json_whitespace =
        style == EscapeStyle::kJson && (d->cp == '\n' || d->cp == '\r' || d->cp == '\t');
    if (is_terminal_control(d->cp) && !json_whitespace) {  // JSON escapes those inside strings
      const bool short_form = style == EscapeStyle::kText && d->cp < 0x80;
      append_escape(out, short_form ? 'x' : 'u', static_cast<unsigned>(d->cp));
    } else if (d->cp == '\\' && style == EscapeStyle::kText) {
      out += "\\\\";
    } else {
      out.append(text.substr(i, d->len));
    }
    i += d->len;
  }
  return out;
}

}  // namespace mfa::core
