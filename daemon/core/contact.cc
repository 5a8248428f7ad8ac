#include "daemon/core/contact.h"

#include <algorithm>

#include "daemon/core/limits.h"

namespace mfa::core {
namespace {

constexpr std::string_view kDots = "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";  // "•••"

// Length of the country calling code at the start of `digits` (ITU-T E.164 assignments:
// zones 1 and 7 are one digit; the two-digit codes are listed; everything else is three).
std::size_t country_code_len(std::string_view digits) {
  if (digits.empty()) return 0;
  if (digits[0] == '1' || digits[0] == '7') return 1;
  static constexpr std::string_view kTwo[] = {
      "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
      "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
      "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"};
  const std::string_view two = digits.substr(0, 2);
  for (std::string_view c : kTwo) {
    if (c == two) return 2;
  }
  return std::min<std::size_t>(3, digits.size());
}

bool email_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;  // controls, space, DEL and non-ASCII
  return std::string_view("<>,;:\"\\()[]").find(c) == std::string_view::npos;
}

}  // namespace

Result<std::string> normalize_phone(std::string_view in) {
  if (in.size() > 32) return fail(Errc::kInvalidArgument, "phone number too long");
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && i == 0) {
      out.push_back(c);
    } else if (c >= '0' && c <= '9') {
      out.push_back(c);
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return fail(Errc::kInvalidArgument,
                  "phone numbers are E.164: '+', the country code and the number");
    }
  }
  const std::size_t digits = out.size() - (out.empty() ? 0 : 1);
  if (out.empty() || out[0] != '+' || digits < 8 || digits > 15 || out[1] == '0') {
    return fail(Errc::kInvalidArgument,
                "phone numbers are E.164: '+', the country code and the number (8-15 digits)");
  }
  return out;
}

Result<std::string> normalize_email(std::string_view in) {
  const std::size_t at = in.find('@');
  if (in.empty() || in.size() > limits::kMaxEmailLen || at == std::string_view::npos ||
      in.find('@', at + 1) != std::string_view::npos || at == 0 || at > 64 ||
      !std::all_of(in.begin(), in.end(), [](char c) { return c == '@' || email_char(c); })) {
    return fail(Errc::kInvalidArgument, "not a valid email address");
  }
  std::string_view domain = in.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return fail(Errc::kInvalidArgument, "not a valid email address");
  }
  // Domains are case-insensitive (RFC 5321 2.4); the local part is kept as typed.
  std::string out(in);
  std::transform(out.begin() + static_cast<std::ptrdiff_t>(at) + 1, out.end(),
                 out.begin() + static_cast<std::ptrdiff_t>(at) + 1,
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

std::string obfuscate_phone(std::string_view e164) {
  std::string_view digits = e164;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  if (digits.size() < 8) return std::string(kDots);
  const std::size_t cc = country_code_len(digits);
  std::string out = "+" + std::string(digits.substr(0, cc)) + " ";
  out += kDots;
  out += " ";
  out += kDots;
  out += " ";
  out += digits.substr(digits.size() - 4);
  return out;
}

std::string obfuscate_phone_short(std::string_view e164) {
  if (e164.size() < 8) return std::string(kDots);
  return std::string(kDots) + " " + std::string(e164.substr(e164.size() - 4));
}

std::string obfuscate_email(std::string_view email) {
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0) return std::string(kDots);
  return std::string(email.substr(0, 1)) + std::string(kDots) + std::string(email.substr(at));
}

std::string obfuscate_destination(std::string_view type, std::string_view destination) {
  if (type == "sms") return obfuscate_phone(destination);
  if (type == "email") return obfuscate_email(destination);
  return std::string(kDots);
}

}  // namespace mfa::core
