// IP addresses and CIDR blocks for policy `rhost` matching. Address parsing only (inet_pton):
// no sockets, no name resolution — a hostname never matches a CIDR.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/base/result.h"

namespace mfa::core {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
};

// Dotted-quad IPv4 or RFC 4291 IPv6 text; IPv4-mapped IPv6 (::ffff:a.b.c.d, as sshd reports
// IPv4 peers on dual-stack sockets) is normalised to IPv4. Zone ids ("%eth0") and anything
// else yield std::nullopt.
std::optional<IpAddress> parse_ip(std::string_view text);

struct Cidr {
  IpAddress network;
  int prefix = 0;  // 0..32 or 0..128
};

// "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Host bits set below the
// prefix ("10.1.2.3/8") are rejected as a likely typo. Errors are kInvalidArgument.
mfa::Result<Cidr> parse_cidr(std::string_view text);

bool cidr_contains(const Cidr& cidr, const IpAddress& addr);
// False when `addr` is not an IP address.
bool cidr_contains(const Cidr& cidr, std::string_view addr);

// RFC 5952 text (lowercase, longest zero run compressed) or dotted quad.
std::string to_string(const IpAddress& addr);
std::string to_string(const Cidr& cidr);

}  // namespace mfa::core
