// The current policy, shared by request threads: readers take a shared_ptr snapshot (cheap,
// lock held only for the copy), reload swaps in a fully parsed new one. A bad file never takes
// effect: on error the previous policy stays (DESIGN.md section 4).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "daemon/core/base/result.h"
#include "daemon/core/policy/policy.h"

namespace mfa::core {

class PolicyHolder {
 public:
  explicit PolicyHolder(std::string path);

  // Initial load; an error leaves current() as the built-in defaults (mode optional) and is
  // returned so that startup can refuse to run.
  mfa::Status load();
  // Re-reads the file. On success returns a one-line summary ("policy.yaml: 3 rules, 1 app,
  // default mode optional"); on error the old policy stays and the error is returned.
  mfa::Result<std::string> reload();
  // Installs an already parsed policy (tests, `mfad --dev`).
  void set(Policy policy);

  std::shared_ptr<const Policy> current() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  mutable std::mutex mu_;
  std::shared_ptr<const Policy> current_;
};

// "policy.yaml: 3 rules, 1 app, default mode optional, step-up on new rhost"
std::string summarize(const Policy& policy);

}  // namespace mfa::core
