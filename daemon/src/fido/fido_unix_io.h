// A libfido2 transport for authenticators attached through a Unix socket: fido2.device
// "unix:/path" (fido2_config.h). The peer speaks raw CTAPHID (CTAP 2.1 section 11.2.4): each
// SOCK_SEQPACKET message is one 64-byte HID report, without the report id byte that libfido2
// puts in front of output reports. Used to run the real libfido2 client code against a
// software authenticator (tests/tools/soft_ctap2.py) on hosts without /dev/uhid; could equally
// front a USB/IP or VM passthrough bridge.
#pragma once

#include <fido.h>

#include <string_view>

namespace mfa::daemon {

inline constexpr std::string_view kUnixDevicePrefix = "unix:";

// fido_dev_set_io_functions(3) table; its open() takes the whole "unix:/path".
const fido_dev_io_t& unix_fido_io();

}  // namespace mfa::daemon
