#include "daemon/core/services/contact.h"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>

#include "daemon/core/base/limits.h"

namespace mfa::core {
namespace {

constexpr std::string_view kDots = "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";  // "•••"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const PhoneNumberUtil& phone_util() {
  return *PhoneNumberUtil::GetInstance();  // thread-safe singleton, const methods only
}

bool phone_char(char c) {
  return (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

// "FR" for "fr"; empty when `country` is not a region libphonenumber knows.
std::string region_code(std::string_view country) {
  if (country.size() != 2) return {};
  std::string r;
  for (char c : country) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return {};
    r += c;
  }
  return phone_util().GetCountryCodeForRegion(r) != 0 ? r : std::string();
}

// Why no text message reaches a valid number of this type, or nullptr when one may.
const char* unreachable_by_sms(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::FIXED_LINE: return "a landline";
    case PhoneNumberUtil::TOLL_FREE: return "a toll-free number";
    case PhoneNumberUtil::PREMIUM_RATE: return "a premium-rate number";
    case PhoneNumberUtil::SHARED_COST: return "a shared-cost number";
    case PhoneNumberUtil::UAN: return "a company's universal access number";
    case PhoneNumberUtil::VOICEMAIL: return "a voicemail access number";
    default: return nullptr;  // mobile, fixed line or mobile (NANP), VoIP, personal, pager, unknown
  }
}

bool email_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;  // controls, space, DEL and non-ASCII
  return std::string_view("<>,;:\"\\()[]").find(c) == std::string_view::npos;
}

}  // namespace

Result<std::string> normalize_phone(std::string_view in, std::string_view country) {
  if (in.size() > limits::kMaxPhoneInputLen) {
    return fail(Errc::kInvalidArgument, "phone number too long");
  }
  const std::string_view body = !in.empty() && in.front() == '+' ? in.substr(1) : in;
  if (body.empty() || !std::all_of(body.begin(), body.end(), phone_char)) {
    return fail(Errc::kInvalidArgument,
                "a phone number is digits (with spaces, dashes, dots or parentheses), "
                "after '+' and the country code or with its country");
  }
  const std::string region = region_code(country);
  if (!country.empty() && region.empty()) {
    return fail(Errc::kInvalidArgument, "country must be an ISO 3166 code such as FR or US");
  }
  if (in.front() != '+' && region.empty()) {
    return fail(Errc::kInvalidArgument,
                "a national phone number needs its country (e.g. country FR), or write it "
                "with '+' and the country code");
  }
  PhoneNumber number;
  const auto parsed = phone_util().Parse(std::string(in), region.empty() ? "ZZ" : region, &number);
  if (parsed != PhoneNumberUtil::NO_PARSING_ERROR || !phone_util().IsValidNumber(number)) {
    return fail(Errc::kInvalidArgument, region.empty() ? std::string("not a valid phone number")
                                                       : "not a valid phone number in " + region);
  }
  if (const char* why = unreachable_by_sms(phone_util().GetNumberType(number))) {
    return fail(Errc::kInvalidArgument,
                std::string("that is ") + why + ": text messages cannot reach it");
  }
  std::string e164;
  phone_util().Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
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
  PhoneNumber number;
  if (e164.size() < 9 || e164.front() != '+' ||
      phone_util().Parse(std::string(e164), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::string(kDots);
  }
  std::string out = "+" + std::to_string(number.country_code()) + " ";
  out += kDots;
  out += " ";
  out += kDots;
  out += " ";
  out += e164.substr(e164.size() - 4);
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

std::string obfuscate_destination(FactorType type, std::string_view destination) {
  if (type == FactorType::kSms) return obfuscate_phone(destination);
  if (type == FactorType::kEmail) return obfuscate_email(destination);
  return std::string(kDots);
}

}  // namespace mfa::core
