// `mfad --config FILE --restore BACKUP` (or `--dev DIR --restore BACKUP`): puts a backup made by
// `mfactl backup` in place of the configured database, with the daemon stopped.
#pragma once

#include <string>

#include "daemon/core/config/config.h"

namespace mfa::daemon {

// Refuses when the configured socket answers or the database is open elsewhere; otherwise
// restores (sqlite_backup.h) and prints what was done. Returns the process exit code.
int run_restore(const DaemonConfig& config, const std::string& backup);

}  // namespace mfa::daemon
