// `mfad --check-config FILE`: what the daemon would refuse at start, checked without starting
// it (issue 20 item 13) — mfad.yaml, the policy it names, and the files delivery reads. It opens
// no socket and no database and never creates the key file.
#pragma once

#include <string>

namespace mfa::daemon {

// Prints each problem (and each warning) to stderr and an OK line to stdout; returns the exit
// status: 0 when the daemon would start with this configuration, 1 otherwise.
int check_config(const std::string& config_path);

}  // namespace mfa::daemon
