// liboath (OATH Toolkit) glue shared by otp.cc and base32.cc: the once-per-process library
// initialisation and the mapping of its return codes to mfa::Error.
#pragma once

#include <string_view>

#include "daemon/core/base/result.h"

namespace mfa::core {

// Calls oath_init() exactly once per process, however many threads ask at the same time, and
// returns its outcome on every call (kCrypto if it failed, kInternal if the run-time library is
// older than 2.6.0, which added the HMAC-SHA256/512 flags of oath_totp_generate2). Every liboath
// call in the core is preceded by this (liboath's manual: "Every user of this library needs to
// call this function before using other functions"). oath_done() is never called: the library
// stays usable until the process exits.
mfa::Status oath_library_ready();

// An Error for a failed liboath call: `what` names the operation; the context carries
// oath_strerror_name(rc), never an input (inputs are secrets or codes).
mfa::Error oath_library_error(int rc, std::string_view what);

}  // namespace mfa::core
