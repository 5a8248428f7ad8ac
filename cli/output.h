// mfactl output and exit codes: human text by default, the daemon's JSON with --json.
// Exit codes: 0 ok, 1 error from the daemon, 2 usage, 3 daemon unreachable.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "cli/http_client.h"
#include "daemon/core/base/result.h"

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
// Everything mfactl prints that came from the daemon goes through one of these: a control in
// a label or an address (planted before the daemon refused them, or by a bug) must reach the
// admin's terminal as visible text, never as an escape sequence it acts on
// (core/display_text.h). The daemon's own log escapes the same way.
std::string shown(std::string_view text);
// The string field `key` of `j`, escaped ("" when absent or not a string; `def` when absent).
std::string shown(const nlohmann::json& j, const char* key, const char* def = "");
// The body pretty-printed (JSON) or escaped (anything else); in JSON, controls inside strings
// become \uNNNN escapes, so the output is the same JSON and safe on a terminal.
void print_json(const std::string& body);
// The same on one line (JSON lines output).
void print_json_line(const nlohmann::json& j);
void print_json_line(const std::string& body);

}  // namespace mfa::cli
