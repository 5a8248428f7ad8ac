#include "daemon/src/unix_directory.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <vector>

namespace mfa::daemon {
namespace {

constexpr int kMaxGroups = 1024;  // getgrouplist bound; NGROUPS_MAX on Linux is 65536

bool lookup(const std::string& user, passwd& pw, std::vector<char>& buf) {
  passwd* result = nullptr;
  buf.resize(16384);
  return getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr;
}

}  // namespace

bool UnixDirectory::user_exists(const std::string& user) {
  passwd pw{};
  std::vector<char> buf;
  return lookup(user, pw, buf);
}

std::vector<std::string> UnixDirectory::groups_of(const std::string& user) {
  passwd pw{};
  std::vector<char> buf;
  if (!lookup(user, pw, buf)) return {};
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
