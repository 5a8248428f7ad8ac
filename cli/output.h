// mfactl output and exit codes: human text by default, the daemon's JSON with --json.
// Exit codes: 0 ok, 1 error from the daemon, 2 usage, 3 daemon unreachable.
#pragma once

#include <string>

#include "cli/http_client.h"
#include "daemon/core/result.h"

namespace mfa::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDaemonError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// Prints "mfactl: <message>" to stderr and returns kExitUsage.
int usage_error(const std::string& message);
// Transport failure: prints it and returns kExitUnreachable.
int unreachable(const Error& e);
// Non-2xx from the daemon: prints "mfactl: <status> <code>: <message>" (or the JSON body with
// --json) and returns kExitDaemonError.
int daemon_error(const HttpResult& r, bool json);
// Prints the body as it came (pretty-printed JSON when it parses).
void print_json(const std::string& body);

}  // namespace mfa::cli
