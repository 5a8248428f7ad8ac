#include "daemon/src/os/unix_directory.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mfa::daemon {
namespace {

constexpr int kMaxGroups = 1024;  // getgrouplist bound; NGROUPS_MAX on Linux is 65536
constexpr std::size_t kPwBufBytes = 16384;
constexpr int kPwBufGrowths = 4;  // on ERANGE: 16 KiB .. 4 MiB

// getpwnam_r / getpwuid_r with a buffer that grows on ERANGE. nullopt = no such entry (the
// functions return 0 or one of ENOENT, ESRCH, EBADF, EPERM with no result for "not found").
template <class Lookup>
Result<bool> lookup(Lookup&& call, passwd& pw, std::vector<char>& buf) {
  buf.resize(kPwBufBytes);
  for (int i = 0;; ++i) {
    passwd* result = nullptr;
    const int rc = call(&pw, buf.data(), buf.size(), &result);
    if (rc == ERANGE && i < kPwBufGrowths) {
      buf.resize(buf.size() * 4);
      continue;
    }
    if (result != nullptr) return true;
    if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) return false;
    return fail(Errc::kUnavailable, std::string("user lookup failed: ") + std::strerror(rc));
  }
}

Result<bool> by_name(const std::string& user, passwd& pw, std::vector<char>& buf) {
  return lookup([&](passwd* p, char* b, std::size_t n,
                    passwd** r) { return getpwnam_r(user.c_str(), p, b, n, r); },
                pw, buf);
}

}  // namespace

Result<std::optional<core::Account>> UnixDirectory::resolve(const std::string& user) {
  passwd pw{};
  std::vector<char> buf;
  auto found = by_name(user, pw, buf);
  if (!found) return fail(found.error());
  if (!*found) return std::optional<core::Account>();
  const uid_t uid = pw.pw_uid;
  // getpwnam answers an alias line with its own name; the uid's entry is the account's. With
  // several lines for one uid, getpwuid gives the first, as ls -l and ps show it.
  auto canonical = lookup(
      [&](passwd* p, char* b, std::size_t n, passwd** r) { return getpwuid_r(uid, p, b, n, r); },
      pw, buf);
  if (!canonical) return fail(canonical.error());
  if (!*canonical) {
    return fail(Errc::kUnavailable, "the directory knows the name but not its uid");
  }
  return std::optional<core::Account>(core::Account{pw.pw_name, uid});
}

std::vector<std::string> UnixDirectory::groups_of(const std::string& user) {
  passwd pw{};
  std::vector<char> buf;
  auto found = by_name(user, pw, buf);
  if (!found || !*found) return {};
  std::vector<gid_t> gids(kMaxGroups);
  int n = kMaxGroups;
  if (getgrouplist(user.c_str(), pw.pw_gid, gids.data(), &n) < 0) n = kMaxGroups;
  std::vector<std::string> names;
  std::vector<char> gbuf(16384);
  for (int i = 0; i < n; ++i) {
    group gr{};
    group* result = nullptr;
    if (getgrgid_r(gids[static_cast<std::size_t>(i)], &gr, gbuf.data(), gbuf.size(), &result) ==
            0 &&
        result != nullptr) {
      names.emplace_back(gr.gr_name);
    }
  }
  return names;
}

}  // namespace mfa::daemon
