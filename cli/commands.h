// mfactl commands: one function per command, dispatched through the table in commands.cc.
// Add a command by writing cmd_<name> in its own file and adding a row to the table.
#pragma once

#include <string>
#include <vector>

#include "cli/http_client.h"
#include "daemon/core/base/result.h"

namespace mfa::cli {

struct CliContext {
  std::string socket;          // --socket, else $MFAD_SOCKET, else /run/mfad/mfad.sock
  bool json = false;           // --json: machine output (the daemon's JSON as is)
  std::string app = "system";  // the app of per-user commands (their --app)

  Result<HttpResult> call(const std::string& method, const std::string& target,
                          const std::string& body = {}) const {
    return request(socket, method, target, body);
  }
};

using CommandFn = int (*)(CliContext&, std::vector<std::string> args);

struct CommandEntry {
  const char* name;     // first word: "status", "apikey"
  CommandFn fn;         // receives the words after the name
  const char* summary;  // one line for --help
};

const std::vector<CommandEntry>& command_table();

int cmd_status(CliContext& ctx, std::vector<std::string> args);
int cmd_apikey(CliContext& ctx, std::vector<std::string> args);
int cmd_enroll(CliContext& ctx, std::vector<std::string> args);
int cmd_enroll_passkey(CliContext& ctx, std::vector<std::string> args);  // cmd_enroll_passkey.cc
int cmd_enroll_fido2(CliContext& ctx, std::vector<std::string> args);    // cmd_enroll_fido2.cc
int cmd_factors(CliContext& ctx, std::vector<std::string> args);
int cmd_remove(CliContext& ctx, std::vector<std::string> args);
int cmd_backup_codes(CliContext& ctx, std::vector<std::string> args);
int cmd_user(CliContext& ctx, std::vector<std::string> args);
int cmd_reset(CliContext& ctx, std::vector<std::string> args);
int cmd_policy(CliContext& ctx, std::vector<std::string> args);
int cmd_audit(CliContext& ctx, std::vector<std::string> args);
int cmd_backup(CliContext& ctx, std::vector<std::string> args);  // local: reads the store file
int cmd_doctor(CliContext& ctx, std::vector<std::string> args);  // cmd_doctor.cc, doctor_*.cc

// Helpers for commands: "--name VALUE" options and percent-encoding of path segments.
// Removes `--opt VALUE` (or --opt=VALUE) from args; false when given without a value.
bool take_option(std::vector<std::string>& args, const std::string& opt, std::string& out);
std::string url_segment(const std::string& s);

}  // namespace mfa::cli
