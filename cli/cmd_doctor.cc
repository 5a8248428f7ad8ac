// mfactl doctor [--config FILE] [--pam-dir DIR] [--sshd-config FILE] [--json]: checks an
// installation (issue 12) and says what to fix. Exit 0 only when every check holds (no warn,
// no fail); a check the caller cannot do without root is shown as skipped and does not count.
#include <cstdio>

#include "cli/commands.h"
#include "cli/doctor.h"
#include "cli/doctor_report.h"
#include "cli/output.h"

namespace mfa::cli {

int cmd_doctor(CliContext& ctx, std::vector<std::string> args) {
  using namespace doctor;
  Findings f;
  std::string pam_dir, sshd_config;
  if (!take_option(args, "--config", f.config_path) || !take_option(args, "--pam-dir", pam_dir) ||
      !take_option(args, "--sshd-config", sshd_config)) {
    return usage_error("--config, --pam-dir and --sshd-config need a value");
  }
  bool json = ctx.json;
  for (const std::string& a : args) {
    if (a != "--json") {
      return usage_error(
          "usage: mfactl doctor [--config FILE] [--pam-dir DIR] [--sshd-config FILE] [--json]");
    }
    json = true;
  }
  if (f.config_path.empty()) f.config_path = "/etc/mfad/mfad.yaml";
  if (pam_dir.empty()) pam_dir = "/etc/pam.d";
  const bool sshd_file_given = !sshd_config.empty();
  if (!sshd_file_given) sshd_config = "/etc/ssh/sshd_config";
  f.socket_path = ctx.socket;

  // Order matters: the config names the socket, key and database; the socket tells who the
  // daemon runs as (the key file's owner) and what it reports (schema, clock).
  Checks checks;
  checks.push_back(check_config(f));
  for (Check& c : check_socket(f)) checks.push_back(std::move(c));
  checks.push_back(check_key_file(f));
  checks.push_back(check_schema(f));
  checks.push_back(check_clock(f));
  for (Check& c : check_pam(pam_dir, f)) checks.push_back(std::move(c));
  for (Check& c : check_sshd(sshd_config, sshd_file_given)) checks.push_back(std::move(c));

  if (json) {
    print_json(checks);
  } else {
    print_text(checks);
  }
  return all_hold(checks) ? kExitOk : kExitDaemonError;
}

}  // namespace mfa::cli
