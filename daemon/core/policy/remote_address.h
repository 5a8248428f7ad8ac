// The address a login comes from, in one spelling. It keys the per-address lockout, matches
// policy `rhost` rules and is shown in the audit trail, so a second spelling of one address
// would be a fresh lockout budget (`::ffff:10.1.1.1` vs `10.1.1.1`) and free text would reach
// the admin's terminal. Parsing only: no name is ever resolved.
#pragma once

#include <string>
#include <string_view>

#include "daemon/core/base/result.h"

namespace mfa::core {

// An IPv4 or IPv6 address in its canonical text: dotted quad for IPv4 and IPv4-mapped IPv6,
// RFC 5952 for IPv6. A zone ("fe80::1%eth0", as sshd reports link-local peers) is dropped:
// it names the receiving host's interface, not the peer. Refused (kInvalidArgument naming
// `what`): empty text, leading zeros ("010.001.001.001", read as octal by inet_aton), short
// or hex forms, zones on IPv4, spaces, prefixes, anything else.
Result<std::string> canonical_ip(std::string_view text, std::string_view what = "remote_addr");

// The PAM_RHOST an application set: an address (as canonical_ip), or a DNS host name (sshd
// with UseDNS yes, login(1) over telnet): RFC 1123 labels of letters, digits, '-' and '_'
// (seen in the wild), at most 63 bytes each and 253 in all, not all-numeric at the end (that
// is a malformed address, not a name), lowercased, without the root's trailing dot. Empty
// stays empty (a local login). Anything else is kInvalidArgument naming "rhost".
Result<std::string> canonical_rhost(std::string_view text);

}  // namespace mfa::core
