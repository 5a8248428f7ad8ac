#include "daemon/core/policy/remote_address.h"

#include <net/if.h>

#include <algorithm>

#include "daemon/core/policy/cidr.h"

namespace mfa::core {
namespace {

bool zone_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool valid_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::string_view last;
  for (std::size_t start = 0; start <= name.size();) {
    const std::size_t dot = std::min(name.find('.', start), name.size());
    const std::string_view label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), label_char)) {
      return false;
    }
    last = label;
    start = dot + 1;
  }
  return !std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<std::string> canonical_ip(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return fail(Errc::kInvalidArgument, std::string(what) + " must be an IPv4 or IPv6 address");
  };
  std::string_view addr = text;
  const std::size_t pct = text.find('%');
  if (pct != std::string_view::npos) {
    // RFC 4007 section 11: <address>%<zone_id>; a zone is an interface name or index.
    const std::string_view zone = text.substr(pct + 1);
    if (zone.empty() || zone.size() >= IF_NAMESIZE ||
        !std::all_of(zone.begin(), zone.end(), zone_char)) {
      return bad();
    }
    addr = text.substr(0, pct);
  }
  const auto ip = parse_ip(addr);  // inet_pton: strict dotted quad, no spaces
  if (!ip) return bad();
  if (pct != std::string_view::npos && !ip->v6) return bad();  // a zone on IPv4 (or mapped)
  return to_string(*ip);
}

Result<std::string> canonical_rhost(std::string_view text) {
  if (text.empty()) return std::string();
  if (auto ip = canonical_ip(text, "rhost")) return ip;
  std::string name(text);
  std::transform(name.begin(), name.end(), name.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (!valid_host_name(name)) {
    return fail(Errc::kInvalidArgument, "rhost must be an IP address or a host name");
  }
  return name;
}

}  // namespace mfa::core
