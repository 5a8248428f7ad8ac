// `mfad --dev DIR`: a self-contained instance under DIR (socket, SQLite, key, policy), plain
// HTTP on 127.0.0.1. Files that already exist are kept, so tests may pre-write mfad.yaml.
#pragma once

#include <string>

#include "daemon/core/base/result.h"

namespace mfa::daemon {

// The default dev policy (policy.yaml), kept here in one place.
extern const char* const kDevPolicyYaml;

// Creates DIR (0711; missing parents 0755) and writes DIR/mfad.yaml and DIR/policy.yaml when
// missing; returns the path of DIR/mfad.yaml.
Result<std::string> prepare_dev_dir(const std::string& dir);

}  // namespace mfa::daemon
