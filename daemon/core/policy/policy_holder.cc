#include "daemon/core/policy/policy_holder.h"

#include <utility>

namespace mfa::core {

PolicyHolder::PolicyHolder(std::string path)
    : path_(std::move(path)), current_(std::make_shared<const Policy>()) {}

mfa::Status PolicyHolder::load() {
  auto p = load_policy_file(path_);
  if (!p) return mfa::fail(p.error());
  set(std::move(*p));
  return {};
}

mfa::Result<std::string> PolicyHolder::reload() {
  // Parse outside the lock: readers keep using the old policy meanwhile, and a failure leaves
  // it untouched.
  auto p = load_policy_file(path_);
  if (!p) return mfa::fail(p.error());
  std::string summary = summarize(*p);
  set(std::move(*p));
  return summary;
}

void PolicyHolder::set(Policy policy) {
  auto next = std::make_shared<const Policy>(std::move(policy));
  std::lock_guard<std::mutex> lock(mu_);
  current_.swap(next);
  // `next` (the old policy) is released after the lock, possibly in the last reader's thread.
}

std::shared_ptr<const Policy> PolicyHolder::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::string summarize(const Policy& p) {
  std::string out = p.source.empty() ? std::string("policy") : p.source;
  out += ": " + std::to_string(p.rules.size()) + (p.rules.size() == 1 ? " rule, " : " rules, ");
  out += std::to_string(p.apps.size()) + (p.apps.size() == 1 ? " app, " : " apps, ");
  out += "default mode " + std::string(to_string(p.defaults.mode));
  if (p.step_up_new_rhost) out += ", step-up on new rhost";
  if (p.pam_user_aliases == UserAliases::kCanonical) out += ", user aliases as their accounts";
  return out;
}

}  // namespace mfa::core
