// doctor: mfad.yaml and the policy file it names, read with the daemon's own parsers (core's
// load_daemon_config and load_policy_file: the same code `mfad --check-config` runs, minus the
// delivery files, whose readers live in the daemon tier that mfactl does not link).
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/doctor.h"
#include "daemon/core/policy/policy.h"

namespace mfa::cli::doctor {
namespace {

// Cannot read `path`: errno's reason, and whether it is a permission problem.
bool unreadable(const std::string& path, std::string& why, bool& denied) {
  if (::access(path.c_str(), R_OK) == 0) return false;
  denied = errno == EACCES;
  why = path + ": " + std::strerror(errno);
  return true;
}

}  // namespace

Check check_config(Findings& f) {
  Check c{"config", Verdict::kOk, "", ""};
  std::string why;
  bool denied = false;
  if (unreadable(f.config_path, why, denied)) {
    if (denied) return needs_root("config", why, "make it readable by root and mfad's user");
    return {"config", Verdict::kFail, why,
            "install it (packages: /etc/mfad/mfad.yaml), or name it with --config FILE"};
  }
  auto config = load_daemon_config(f.config_path);
  if (!config) {
    return {"config", Verdict::kFail, config.error().context,
            "correct it, then check with: mfad --check-config " + f.config_path};
  }
  f.config = *config;
  f.socket_path = config->socket_path;
  c.detail = f.config_path + ": valid";
  if (!config->warnings.empty()) {
    c.verdict = Verdict::kWarn;
    c.detail += "; " + config->warnings.front();
    c.fix = "replace the deprecated setting (mfad.yaml(5))";
  }
  const std::string& policy = config->policy_file;
  if (unreadable(policy, why, denied)) {
    if (denied && !is_root()) {
      c.detail += "; policy " + why + " (skipped: needs root)";
      return c;
    }
    return {"config", Verdict::kFail, c.detail + "; policy " + why,
            "install the policy file (policy.yaml(5)), readable by mfad's user"};
  }
  auto p = core::load_policy_file(policy);
  if (!p) {
    // The parser lists every error, one a line: the first is the verdict's line.
    std::string first = p.error().context;
    if (const auto nl = first.find('\n'); nl != std::string::npos) first.erase(nl);
    return {"config", Verdict::kFail, c.detail + "; policy: " + first,
            "mfactl policy check " + policy + " lists every error"};
  }
  c.detail += " (policy " + policy + ": valid)";
  if (!config->delivery.smtp.enabled && !config->delivery.sms.enabled) return c;
  c.detail += "; delivery's password and CA files: checked by mfad --check-config";
  return c;
}

}  // namespace mfa::cli::doctor
