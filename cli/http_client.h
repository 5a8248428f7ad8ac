// mfactl's HTTP/1.1 client over the daemon's Unix socket (Boost.Beast). One request per
// connection, bounded by MFACTL_TIMEOUT seconds (default 30) from connect to the last byte; the
// daemon identifies mfactl's user by SO_PEERCRED.
#pragma once

#include <string>

#include "daemon/core/base/result.h"

namespace mfa::cli {

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

// kUnavailable when the socket cannot be reached; the HTTP status is in the result otherwise.
Result<HttpResult> request(const std::string& socket, const std::string& method,
                           const std::string& target, const std::string& json_body);

}  // namespace mfa::cli
