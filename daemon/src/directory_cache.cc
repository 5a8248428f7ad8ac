#include "daemon/src/directory_cache.h"

#include "daemon/core/limits.h"

namespace mfa::daemon {

bool CachingDirectory::fresh(const Entry& e, std::int64_t now_ms) const {
  // A clock that stepped back makes the entry stale rather than longer-lived.
  return now_ms >= e.at_ms && now_ms - e.at_ms < ttl_ms_;
}

template <class T, class Lookup>
T CachingDirectory::cached(const std::string& user, std::optional<T> Entry::*field,
                           Lookup lookup) {
  if (ttl_ms_ <= 0) return lookup();
  const std::int64_t now = clock_.now_ms();
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(user); it != entries_.end() && fresh(it->second, now)) {
      if (const std::optional<T>& hit = it->second.*field; hit) return *hit;
    }
  }
  // Outside the lock: NSS may be slow (SSSD, LDAP), and other users must not wait for it.
  T value = lookup();
  std::lock_guard lock(mu_);
  auto it = entries_.find(user);
  if (it == entries_.end() || !fresh(it->second, now)) {
    if (entries_.size() >= limits::kMaxDirectoryCacheEntries) {
      std::erase_if(entries_, [&](const auto& kv) { return !fresh(kv.second, now); });
      // Still full of fresh entries (many distinct users within one ttl): start over.
      if (entries_.size() >= limits::kMaxDirectoryCacheEntries) entries_.clear();
    }
    it = entries_.insert_or_assign(user, Entry{now, {}, {}}).first;
  }
  it->second.*field = value;
  return value;
}

bool CachingDirectory::user_exists(const std::string& user) {
  return cached(user, &Entry::exists, [&] { return inner_.user_exists(user); });
}

std::vector<std::string> CachingDirectory::groups_of(const std::string& user) {
  return cached(user, &Entry::groups, [&] { return inner_.groups_of(user); });
}

}  // namespace mfa::daemon
