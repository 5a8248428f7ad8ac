#include "daemon/src/os/unix_socket_file.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mfa::daemon {
namespace {

// True when something accepts connections on the socket at `path`.
bool socket_is_live(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // cannot tell: be safe and do not remove it
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  return rc == 0 || (err != ECONNREFUSED && err != ENOENT);
}

}  // namespace

Result<std::unique_ptr<UnixSocketFile>> UnixSocketFile::prepare(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return fail(Errc::kConfigInvalid, "socket path too long: " + path);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return fail(Errc::kConfigInvalid, path + " exists and is not a socket; not removing it");
    }
    if (socket_is_live(path)) {
      return fail(Errc::kUnavailable, "another mfad is already listening on " + path);
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return fail(Errc::kUnavailable,
                  "cannot remove stale socket " + path + ": " + std::strerror(errno));
    }
  }
  return std::unique_ptr<UnixSocketFile>(new UnixSocketFile(path));
}

void UnixSocketFile::mark_created() {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    created_ = true;
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
}

Status UnixSocketFile::apply_mode(mode_t mode, const std::string& group) {
  if (::chmod(path_.c_str(), mode) != 0) {
    return fail(Errc::kUnavailable, "chmod " + path_ + ": " + std::strerror(errno));
  }
  if (group.empty()) return {};
  std::vector<char> buf(4096);
  struct group gr {};
  struct group* res = nullptr;
  if (getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &res) != 0 || res == nullptr) {
    return fail(Errc::kConfigInvalid, "listeners.unix.group: no such group: " + group);
  }
  if (::chown(path_.c_str(), static_cast<uid_t>(-1), gr.gr_gid) != 0) {
    return fail(Errc::kUnavailable, "chgrp " + path_ + ": " + std::strerror(errno));
  }
  return {};
}

UnixSocketFile::~UnixSocketFile() {
  if (!created_) return;
  struct stat st {};
  // Only remove our own node: a successor may already have replaced it.
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace mfa::daemon
