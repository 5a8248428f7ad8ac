#include "daemon/core/policy/cidr.h"

#include <arpa/inet.h>

#include <charconv>

namespace mfa::core {

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);  // inet_pton needs a terminated string
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  a.v6 = true;
  static constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  bool mapped = true;
  for (std::size_t i = 0; i < kMapped.size(); ++i) mapped = mapped && a.bytes[i] == kMapped[i];
  if (mapped) {
    IpAddress v4;
    for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = a.bytes[12 + i];
    return v4;
  }
  return a;
}

mfa::Result<Cidr> parse_cidr(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return mfa::fail(
        mfa::Errc::kInvalidArgument,
        "bad address or CIDR '" + std::string(text.substr(0, 64)) + "': " + std::string(why));
  };
  const std::size_t slash = text.find('/');
  const auto addr = parse_ip(text.substr(0, slash));
  if (!addr) return bad("not an IPv4 or IPv6 address");
  Cidr c;
  c.network = *addr;
  const bool text_v6 = text.substr(0, slash).find(':') != std::string_view::npos;
  const int max_prefix = text_v6 ? 128 : 32;
  c.prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    int n = -1;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || n < 0 || n > max_prefix ||
        (p.size() > 1 && p[0] == '0')) {
      return bad(text_v6 ? "prefix must be 0..128" : "prefix must be 0..32");
    }
    c.prefix = n;
  }
  // An IPv4-mapped network with a /96+ prefix was normalised to IPv4 above; shift its prefix.
  if (!addr->v6 && text_v6) {
    if (c.prefix < 96) return bad("IPv4-mapped prefix must be at least 96");
    c.prefix -= 96;
  }
  const std::size_t nbytes = addr->v6 ? 16 : 4;
  for (std::size_t i = 0; i < nbytes; ++i) {
    const int bit0 = static_cast<int>(i) * 8;
    std::uint8_t host_mask = 0xFF;
    if (bit0 + 8 <= c.prefix) {
      host_mask = 0;
    } else if (bit0 < c.prefix) {
      host_mask = static_cast<std::uint8_t>(0xFFU >> (c.prefix - bit0));
    }
    if ((c.network.bytes[i] & host_mask) != 0) return bad("host bits set below the prefix");
  }
  return c;
}

bool cidr_contains(const Cidr& cidr, const IpAddress& addr) {
  if (cidr.network.v6 != addr.v6) return false;
  int bits = cidr.prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    const std::uint8_t mask =
        bits >= 8 ? std::uint8_t{0xFF} : static_cast<std::uint8_t>(0xFFU << (8 - bits));
    if ((addr.bytes[i] & mask) != (cidr.network.bytes[i] & mask)) return false;
  }
  return true;
}

bool cidr_contains(const Cidr& cidr, std::string_view addr) {
  const auto a = parse_ip(addr);
  return a && cidr_contains(cidr, *a);
}

std::string to_string(const IpAddress& addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(addr.v6 ? AF_INET6 : AF_INET, addr.bytes.data(), buf, sizeof buf);
  return buf;
}

std::string to_string(const Cidr& cidr) {
  return to_string(cidr.network) + "/" + std::to_string(cidr.prefix);
}

}  // namespace mfa::core
