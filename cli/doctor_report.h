// Printing mfactl doctor's verdicts (cli/doctor_report.cc).
#pragma once

#include "cli/doctor.h"

namespace mfa::cli::doctor {

// True when no check is warn or fail (skipped checks do not count: see mfactl(8)).
bool all_hold(const Checks& checks);
// "ok    config    /etc/mfad/mfad.yaml: valid", a "fix:" line under each warn and fail, and a
// count. Everything from files or the daemon is escaped (cli/output.h shown()).
void print_text(const Checks& checks);
// One JSON array of {check, status, detail, fix} (fix null when there is nothing to do).
void print_json(const Checks& checks);

}  // namespace mfa::cli::doctor
