// The socket node on disk: refuses to start over a live daemon, removes a stale node left by
// a crash, applies mode and group after bind(), and removes the node at exit if it is still
// the one this process created.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <memory>
#include <string>

#include "daemon/core/base/result.h"

namespace mfa::daemon {

class UnixSocketFile {
 public:
  // Checks `path`: absent is fine; a socket nobody accepts on is unlinked; a live socket or a
  // non-socket file is an error.
  static Result<std::unique_ptr<UnixSocketFile>> prepare(const std::string& path);
  ~UnixSocketFile();
  UnixSocketFile(const UnixSocketFile&) = delete;
  UnixSocketFile& operator=(const UnixSocketFile&) = delete;

  void mark_created();  // after a successful bind()
  // chmod on the path (fchmod on a socket fd is a no-op) and optional chgrp.
  Status apply_mode(mode_t mode, const std::string& group);

 private:
  explicit UnixSocketFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool created_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace mfa::daemon
