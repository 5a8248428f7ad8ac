#include "pam_module/socket_trust.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "client/client.h"

namespace mfa::pam {
namespace {

bool not_writable_by_others(const struct stat& st) {
  return S_ISDIR(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// `path` (real, absolute) and each directory above it: root's and not group/other-writable.
bool root_controlled(char* path) {
  for (;;) {
    struct stat st;
    if (lstat(path[0] != '\0' ? path : "/", &st) != 0) return false;
    if (st.st_uid != 0 || !not_writable_by_others(st)) return false;
    if (path[0] == '\0') return true;  // "/" checked
    char* slash = strrchr(path, '/');
    if (slash == nullptr) return false;
    *slash = '\0';  // "/run" -> "" (the root directory)
  }
}

}  // namespace

uid_t socket_directory_owner(const char* socket_path) {
  char dir[sizeof(sockaddr_un::sun_path)];
  const size_t len = strnlen(socket_path, sizeof dir);
  if (len == 0 || len >= sizeof dir || socket_path[0] != '/') return client::kNoUid;
  memcpy(dir, socket_path, len + 1);
  char* slash = strrchr(dir, '/');
  if (slash == dir) return client::kNoUid;  // a socket in "/" itself: root only
  *slash = '\0';
  char real[PATH_MAX];
  if (realpath(dir, real) == nullptr || real[0] != '/') return client::kNoUid;
  struct stat st;
  if (lstat(real, &st) != 0 || !not_writable_by_others(st) || st.st_uid == 0) {
    return client::kNoUid;
  }
  const uid_t owner = st.st_uid;
  char* up = strrchr(real, '/');
  *up = '\0';  // the parent: "/run/mfad" -> "/run", "/mfad" -> "" (the root directory)
  return root_controlled(real) ? owner : client::kNoUid;
}

}  // namespace mfa::pam
