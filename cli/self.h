// Helpers shared by the self-service commands: who the caller is, the user a command acts
// on (--user for admins, else the caller), prompts on the terminal, and JSON error reading.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cli/commands.h"

namespace mfa::cli {

std::string current_user();  // from the effective uid (getpwuid_r), "" if unknown
// Takes --user USER from args, defaulting to the caller. Empty on a usage error.
std::string target_user(std::vector<std::string>& args);
std::string user_path(const std::string& user, const std::string& rest = {});
// Prints `prompt` to stderr and reads one line from stdin (without the newline).
// Returns false at end of input.
bool prompt_line(const std::string& prompt, std::string& out);
nlohmann::json parse_body(const HttpResult& r);
// The daemon's error code ("permission_denied", "bad_code", ...) from an error body.
std::string error_code(const HttpResult& r);
std::string error_message(const HttpResult& r);

}  // namespace mfa::cli
