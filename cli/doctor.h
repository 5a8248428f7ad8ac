// mfactl doctor: the checks an admin would otherwise do by hand after an install or when logins
// fail (issue 12). Each check is a function of what it looks at (one file each, named after
// it) and returns verdicts; cmd_doctor.cc runs them in order and prints them. A check never
// reads a secret: the key file is looked at with lstat() only, never opened.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon/core/config/config.h"

namespace mfa::cli::doctor {

enum class Verdict { kOk, kWarn, kFail, kSkip };

const char* to_string(Verdict v);

struct Check {
  std::string name;  // "config", "key_file", "pam:sshd", "sshd:UsePAM"
  Verdict verdict = Verdict::kOk;
  std::string detail;  // one line: what was found
  std::string fix;     // what to do ("" when nothing)
};

using Checks = std::vector<Check>;

// "skipped (needs root): <why>" for a non-root caller, a failure for root (root lacks nothing).
Check needs_root(std::string name, const std::string& why, const std::string& fix);
bool is_root();

// What the checks learn from each other: the config (when it loads), who the daemon runs as,
// and the health answer (when it answers).
struct Findings {
  std::optional<DaemonConfig> config;
  std::string config_path;
  std::string socket_path;                 // the config's, else --socket / $MFAD_SOCKET
  std::optional<uid_t> daemon_uid;         // SO_PEERCRED of the socket's listener, else guessed
  std::string daemon_uid_source;           // "the process on the socket", "account _mfad"...
  std::optional<std::string> health_body;  // GET /v1/health, 200 or 503
  bool daemon_answers = false;
};

// cli/doctor_config.cc: mfad.yaml and the policy it names, with the daemon's own parsers.
Check check_config(Findings& f);
// cli/doctor_socket.cc: the socket node (owner trusted by pam_mfa.so) and GET /v1/health.
Checks check_socket(Findings& f);
// cli/doctor_key_file.cc: exists, regular, mode, owner, 32 bytes (lstat only).
Check check_key_file(const Findings& f);
// cli/doctor_schema.cc: the store's schema version against this build's.
Check check_schema(const Findings& f);
// cli/doctor_clock.cc: the kernel's synchronisation status (ntp_adjtime) and the daemon's clock.
Check check_clock(const Findings& f);
// cli/doctor_pam.cc: every stack under `pam_dir` that names pam_mfa.so.
Checks check_pam(const std::string& pam_dir, const Findings& f);
// cli/doctor_sshd.cc: UsePAM, KbdInteractiveAuthentication, AuthenticationMethods, from
// `sshd -T` (root, sshd installed, no file given) or from the file and its Include files.
Checks check_sshd(const std::string& sshd_config, bool file_given);

// The uid name ("uid 105 (_mfad)") for messages.
std::string uid_text(uid_t uid);
std::string mode_text(mode_t mode);

}  // namespace mfa::cli::doctor
