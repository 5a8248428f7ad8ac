#include "daemon/src/auth/peer_cred.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace mfa::daemon {
namespace {

// Looks up a passwd entry with getpwuid_r (thread-safe), growing the buffer on ERANGE.
bool lookup_user(uid_t uid, std::string& ret_name, gid_t& ret_gid) {
  std::vector<char> buf(1024);
  for (int tries = 0; tries < 6; ++tries) {
    passwd pw{};
    passwd* res = nullptr;
    const int rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &res);
    if (rc == ERANGE) {
      buf.resize(buf.size() * 4);
      continue;
    }
    if (rc != 0 || res == nullptr) return false;
    ret_name = pw.pw_name;
    ret_gid = pw.pw_gid;
    return true;
  }
  return false;
}

bool lookup_group(const std::string& name, gid_t& ret_gid) {
  std::vector<char> buf(1024);
  for (int tries = 0; tries < 6; ++tries) {
    group gr{};
    group* res = nullptr;
    const int rc = getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &res);
    if (rc == ERANGE) {
      buf.resize(buf.size() * 4);
      continue;
    }
    if (rc != 0 || res == nullptr) return false;
    ret_gid = gr.gr_gid;
    return true;
  }
  return false;
}

// Supplementary groups of the peer's account (the group database, not the process: a
// process that dropped its groups keeps its account's membership, as sudo's checks do).
bool in_group(const std::string& user, gid_t primary, gid_t want) {
  if (primary == want) return true;
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  for (int tries = 0; tries < 4; ++tries) {
    int count = n;
    if (getgrouplist(user.c_str(), primary, groups.data(), &count) >= 0) {
      for (int i = 0; i < count; ++i) {
        if (groups[static_cast<std::size_t>(i)] == want) return true;
      }
      return false;
    }
    n = count > n ? count : n * 2;
    groups.resize(static_cast<std::size_t>(n));
  }
  return false;
}

}  // namespace

Result<Caller> unix_peer_caller(int fd, const std::string& admin_group) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred) {
    return fail(Errc::kUnauthenticated, "no peer credentials");
  }
  Caller c;
  c.kind = Caller::Kind::kUnixPeer;
  c.uid = cred.uid;
  c.gid = cred.gid;
  c.pid = cred.pid;
  c.remote_addr = "unix";
  gid_t primary = cred.gid;
  const bool known = lookup_user(cred.uid, c.user, primary);
  c.admin = cred.uid == 0;
  gid_t admin_gid = 0;
  if (!c.admin && !admin_group.empty() && lookup_group(admin_group, admin_gid)) {
    c.admin = cred.gid == admin_gid || (known && in_group(c.user, primary, admin_gid));
  }
  return c;
}

}  // namespace mfa::daemon
