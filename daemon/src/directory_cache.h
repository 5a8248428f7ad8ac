// A short-lived cache in front of the Directory (NSS). One PAM login asks for the same
// account 3-4 times (the conversation's unknown-user check, the login policy, the policy
// again at verification), and every NSS pass scans /etc/passwd and /etc/group (or asks SSSD
// or LDAP): at 1,000 local accounts that was ~0.2 ms a pass, a third of what mfad added to a
// login (bench/NOTES.md). Entries live `ttl_ms`, so a group change takes effect after at most
// that long (nscd and SSSD's memory cache make the same trade, for longer); the table is
// bounded by limits::kMaxDirectoryCacheEntries; a ttl of 0 turns the cache off.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/core/clock.h"
#include "daemon/core/engine_deps.h"

namespace mfa::daemon {

class CachingDirectory final : public core::Directory {
 public:
  CachingDirectory(core::Directory& inner, const Clock& clock, std::int64_t ttl_ms)
      : inner_(inner), clock_(clock), ttl_ms_(ttl_ms) {}

  bool user_exists(const std::string& user) override;
  std::vector<std::string> groups_of(const std::string& user) override;

 private:
  struct Entry {
    std::int64_t at_ms = 0;
    std::optional<bool> exists;
    std::optional<std::vector<std::string>> groups;
  };
  template <class T, class Lookup>
  T cached(const std::string& user, std::optional<T> Entry::*field, Lookup lookup);
  bool fresh(const Entry& e, std::int64_t now_ms) const;

  core::Directory& inner_;
  const Clock& clock_;
  const std::int64_t ttl_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace mfa::daemon
