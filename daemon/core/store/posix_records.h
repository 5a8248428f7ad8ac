// The POSIX view of the directory (issue 13): what app `system` users and groups look like to
// NSS (getpwnam, getgrnam, initgroups) and to sshd's AuthorizedKeysCommand. The store fills
// these from its rows; the NSS cache writer (and the socket's miss path) serve them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mfa {

// One passwd entry: a `system` user that carries POSIX attributes.
struct PosixAccount {
  std::string name;  // the user id in app `system`
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;  // primary group
  std::string gecos;
  std::string home;
  std::string shell;
};

// One group entry (the groups resource, /v1/apps/system/groups).
struct PosixGroup {
  std::string name;
  std::uint32_t gid = 0;
  std::vector<std::string> members;  // user names, sorted
};

}  // namespace mfa
