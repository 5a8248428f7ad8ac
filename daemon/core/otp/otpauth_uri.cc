#include "daemon/core/otp/otpauth_uri.h"

#include <charconv>
#include <optional>
#include <set>

#include "daemon/core/encoding/base32.h"

namespace mfa::core {
namespace {

constexpr std::string_view kScheme = "otpauth://";
constexpr std::size_t kMaxUriLen = 4096;

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX; '+' is kept literally (it is not a space outside form encoding).
std::optional<std::string> uri_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

mfa::Unexpected bad(std::string why) {
  return mfa::fail(mfa::Errc::kInvalidArgument, "otpauth URI: " + std::move(why));
}

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string uri_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15U]);
    }
  }
  return out;
}

mfa::Result<std::string> make_otpauth_uri(std::string_view issuer, std::string_view account,
                                          std::string_view secret_b32, const TotpParams& params) {
  if (account.empty()) return bad("account is empty");
  // Leading spaces are what the label syntax strips after "issuer:"; an account that starts
  // with one would not survive a round trip.
  if (account.front() == ' ') return bad("account may not start with a space");
  if (issuer.find(':') != std::string_view::npos || account.find(':') != std::string_view::npos) {
    return bad("issuer and account may not contain ':'");
  }
  MFA_TRY(validate_totp_params(params));
  // Canonical secret: uppercase, no spaces, no padding (the Key URI format says omit it).
  std::string secret;
  for (char c : secret_b32) {
    if (c == ' ' || c == '=') continue;
    secret.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  auto decoded = base32_decode(secret);
  if (!decoded || decoded->empty()) {
    secure_wipe(secret);
    return bad("secret is not valid base32");
  }
  std::string uri(kScheme);
  uri += "totp/";
  if (!issuer.empty()) uri += uri_encode(issuer) + ":";
  uri += uri_encode(account);
  uri += "?secret=" + secret;
  secure_wipe(secret);
  if (!issuer.empty()) uri += "&issuer=" + uri_encode(issuer);
  uri += "&algorithm=";
  uri += to_string(params.algorithm);
  uri += "&digits=" + std::to_string(params.digits);
  uri += "&period=" + std::to_string(params.period);
  return uri;
}

mfa::Result<OtpauthUri> parse_otpauth_uri(std::string_view uri) {
  if (uri.size() > kMaxUriLen) return bad("too long");
  if (uri.size() < kScheme.size()) return bad("not an otpauth URI");
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = uri[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return bad("not an otpauth URI");
  }
  std::string_view rest = uri.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("missing type");
  OtpauthUri out;
  out.type = std::string(rest.substr(0, slash));
  if (out.type != "totp") return bad("only totp is supported");
  rest.remove_prefix(slash + 1);
  const std::size_t q = rest.find('?');
  const std::string_view raw_label = rest.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : rest.substr(q + 1);
  if (query.find('#') != std::string_view::npos) return bad("fragment not allowed");

  auto label = uri_decode(raw_label);
  if (!label || label->empty()) return bad("bad label");
  const std::size_t colon = label->find(':');
  std::optional<std::string> label_issuer;
  if (colon != std::string::npos) {
    if (label->find(':', colon + 1) != std::string::npos) return bad("label has more than one ':'");
    label_issuer = label->substr(0, colon);
    std::string_view acct = std::string_view(*label).substr(colon + 1);
    while (!acct.empty() && acct.front() == ' ') acct.remove_prefix(1);  // "issuer: account"
    out.account = std::string(acct);
    out.issuer = *label_issuer;
  } else {
    if (label->front() == ' ') return bad("account may not start with a space");
    out.account = *label;
  }
  if (out.account.empty()) return bad("empty account");

  std::set<std::string, std::less<>> seen;
  bool have_secret = false;
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return bad("parameter without '='");
    const std::string_view key = pair.substr(0, eq);
    auto value = uri_decode(pair.substr(eq + 1));
    if (!value) return bad("bad percent-encoding");
    if (!seen.insert(std::string(key)).second) return bad("duplicate parameter");
    if (key == "secret") {
      auto sb = base32_decode(*value);
      if (!sb || sb->empty() || value->find('=') != std::string::npos) {
        secure_wipe(*value);
        return bad("secret is not valid unpadded base32");
      }
      out.secret_b32 = std::move(*value);
      have_secret = true;
    } else if (key == "issuer") {
      if (label_issuer && *label_issuer != *value) return bad("issuer differs from label prefix");
      if (value->find(':') != std::string::npos) return bad("issuer contains ':'");
      out.issuer = *value;
    } else if (key == "algorithm") {
      auto alg = parse_otp_algorithm(*value);
      if (!alg) return bad("bad algorithm");
      out.params.algorithm = *alg;
    } else if (key == "digits" || key == "period") {
      auto n = parse_int(*value);
      if (!n) return bad(std::string(key) + " is not a number");
      (key == "digits" ? out.params.digits : out.params.period) = *n;
    } else {
      return bad("unknown parameter '" + std::string(key.substr(0, 32)) + "'");
    }
    if (amp == query.size()) break;
  }
  if (!have_secret) return bad("missing secret");
  auto valid = validate_totp_params(out.params);
  if (!valid) return bad(valid.error().context);
  return out;
}

}  // namespace mfa::core
