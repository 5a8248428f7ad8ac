#include "daemon/core/base/bounded_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "daemon/core/base/c_handles.h"

namespace mfa {
namespace {

struct OpenedFile {
  UniqueFd fd;
  std::size_t size = 0;  // st_size at the fstat
};

std::string name(const std::string& path, const FileReadRules& rules) {
  return path + ": " + std::string(rules.what);
}

Unexpected too_large(const std::string& path, const FileReadRules& rules) {
  return fail(rules.errc,
              name(path, rules) + " is larger than " + std::to_string(rules.max_bytes) + " bytes");
}

Result<OpenedFile> open_checked(const std::string& path, const FileReadRules& rules) {
  if (path.empty()) return fail(rules.errc, std::string(rules.what) + ": the path is empty");
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (!rules.follow_symlinks) flags |= O_NOFOLLOW;
  UniqueFd fd(::open(path.c_str(), flags));
  if (!fd) {
    const int err = errno;
    if (err == ELOOP && !rules.follow_symlinks) {
      return fail(rules.errc, name(path, rules) + " is a symbolic link; refusing to follow it");
    }
    return fail(rules.errc,
                path + ": cannot open " + std::string(rules.what) + ": " + std::strerror(err));
  }
  struct stat sb {};
  if (::fstat(fd.get(), &sb) != 0) {
    return fail(rules.errc,
                path + ": cannot stat " + std::string(rules.what) + ": " + std::strerror(errno));
  }
  if (!S_ISREG(sb.st_mode)) return fail(rules.errc, name(path, rules) + " is not a regular file");
  if (rules.check) MFA_TRY(rules.check(sb));
  if (sb.st_size < 0 || static_cast<std::size_t>(sb.st_size) > rules.max_bytes) {
    return too_large(path, rules);
  }
  return OpenedFile{std::move(fd), static_cast<std::size_t>(sb.st_size)};
}

// Reads into p[got..n) until end of file or until the buffer is full.
Status read_up_to(int fd, char* p, std::size_t n, std::size_t& got, const std::string& path,
                  const FileReadRules& rules) {
  while (got < n) {
    const ssize_t r = ::read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      return fail(rules.errc,
                  path + ": cannot read " + std::string(rules.what) + ": " + std::strerror(errno));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return {};
}

}  // namespace

Result<std::string> read_bounded_file(const std::string& path, const FileReadRules& rules) {
  auto file = open_checked(path, rules);
  if (!file) return fail(file.error());
  // One byte more than the size seen, to notice a file that grew; grown up to cap + 1 only.
  std::string text(file->size + 1, '\0');
  std::size_t got = 0;
  for (;;) {
    MFA_TRY(read_up_to(file->fd.get(), text.data(), text.size(), got, path, rules));
    if (got < text.size()) break;  // end of file
    if (text.size() > rules.max_bytes) return too_large(path, rules);
    text.resize(std::min(rules.max_bytes + 1, text.size() * 2));
  }
  text.resize(got);
  return text;
}

Result<SecretBuffer> read_bounded_secret_file(const std::string& path, const FileReadRules& rules) {
  auto file = open_checked(path, rules);
  if (!file) return fail(file.error());
  // Never grown (a reallocation would leave an unwiped copy): cap + 1 up front. The caps of
  // secret files are small (limits.h).
  SecretBuffer buf(rules.max_bytes + 1);
  std::size_t got = 0;
  MFA_TRY(read_up_to(file->fd.get(), reinterpret_cast<char*>(buf.data()), buf.size(), got, path,
                     rules));
  if (got > rules.max_bytes) return too_large(path, rules);
  return SecretBuffer(buf.data(), got);  // `buf` wipes itself on the way out
}

}  // namespace mfa
