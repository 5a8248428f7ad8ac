// Helpers shared by the self-service commands: who the caller is, the user a command acts
// on (--user for admins, else the caller), prompts on the terminal, and JSON error reading.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace mfa::cli {

std::string current_user();  // from the effective uid (getpwuid_r), "" if unknown
// Takes --app APP from args into ctx.app (default "system"); false on a usage error.
bool take_app(CliContext& ctx, std::vector<std::string>& args);
// Takes --app and --user USER from args; the user defaults to the caller in app `system` (an
// API app's users are not Unix accounts: there --user is needed). Empty on a usage error.
std::string target_user(CliContext& ctx, std::vector<std::string>& args);
// /v1/apps/<ctx.app>/users/<user><rest>
std::string user_path(const CliContext& ctx, const std::string& user, const std::string& rest = {});
// Prints `prompt` to stderr and reads one line from stdin (without the newline).
// Returns false at end of input.
bool prompt_line(const std::string& prompt, std::string& out);
nlohmann::json parse_body(const HttpResult& r);
// POSTs `body` to `target`. When the daemon asks for a step-up code (403 naming step_up_code:
// adding a factor to an account that has one is a protected change, DESIGN.md section 5),
// prompts for a current code and posts once more with it. Fills `out` with the answer and
// returns nullopt, or returns the exit code when there is none (daemon unreachable, no code).
std::optional<int> post_with_step_up(const CliContext& ctx, const std::string& target,
                                     nlohmann::json body, HttpResult& out);
// Prints the backup codes of an activation answer (`backup_codes`, first factor only) once,
// in pairs, with the warning that they are not shown again. Nothing when there are none.
void show_backup_codes(const nlohmann::json& activation);
// Backup codes two per line as XXXX-XXXX.
void print_backup_codes(const nlohmann::json& codes);
// The daemon's error code ("permission_denied", "bad_code", ...) from an error body.
std::string error_code(const HttpResult& r);
std::string error_message(const HttpResult& r);

}  // namespace mfa::cli
