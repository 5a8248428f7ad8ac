#include "daemon/src/check_config.h"

#include <cstdio>

#include "daemon/core/config/config.h"
#include "daemon/core/policy/policy_holder.h"
#include "daemon/src/delivery/delivery_pool.h"
#include "daemon/src/delivery/delivery_tls.h"

namespace mfa::daemon {
namespace {

int problem(const std::string& what) {
  std::fprintf(stderr, "mfad: %s\n", what.c_str());
  return 1;
}

}  // namespace

int check_config(const std::string& config_path) {
  auto config = load_daemon_config(config_path);
  if (!config) return problem(config.error().context);
  for (const std::string& w : config->warnings) {
    std::fprintf(stderr, "mfad: warning: %s: %s\n", config_path.c_str(), w.c_str());
  }
  int rc = 0;
  core::PolicyHolder policy(config->policy_file);
  if (Status s = policy.load(); !s) rc = problem(s.error().context);
  // The same files, under the same condition, as main.cc reads before it starts delivery.
  if (config->delivery.smtp.enabled || config->delivery.sms.enabled) {
    if (auto pw = read_smtp_password(config->delivery.smtp.password_file); !pw) {
      rc = problem(pw.error().context);
    }
    if (Status s = check_ca_file(config->delivery.smtp.ca_file, "delivery.smtp.ca_file"); !s) {
      rc = problem(s.error().context);
    }
    if (Status s = check_ca_file(config->delivery.sms.ca_file, "delivery.sms.ca_file"); !s) {
      rc = problem(s.error().context);
    }
  }
  if (rc == 0) {
    std::printf("%s: OK (policy %s: OK)\n", config_path.c_str(), config->policy_file.c_str());
  }
  return rc;
}

}  // namespace mfa::daemon
