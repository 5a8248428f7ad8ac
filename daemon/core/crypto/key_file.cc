#include "daemon/core/crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "daemon/core/base/bounded_file.h"
#include "daemon/core/base/c_handles.h"

namespace mfa {
namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::kConfigInvalid, "write failed: " + errno_text(errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return {};
}

// Creates a new key file. Returns kAlreadyExists when someone else created it first (then the
// caller loads theirs: two mfad starting together must agree on one key).
Result<SecretBuffer> create_key(const std::string& path, Random& rng) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400));
  if (!fd) {
    if (errno == EEXIST) return fail(Errc::kAlreadyExists, "key file exists");
    return fail(Errc::kConfigInvalid, "cannot create key file " + path + ": " + errno_text(errno));
  }
  auto key = rng.secret(kKeyFileSize);
  Status st = key ? Status{} : Status{fail(key.error())};
  // umask can only remove bits, but make the mode exact regardless.
  if (st && ::fchmod(fd.get(), 0400) != 0) {
    st = fail(Errc::kConfigInvalid, "cannot chmod key file " + path + ": " + errno_text(errno));
  }
  if (st) st = write_all(fd.get(), key->data(), key->size());
  if (st && ::fsync(fd.get()) != 0) {
    st = fail(Errc::kConfigInvalid, "cannot fsync key file " + path + ": " + errno_text(errno));
  }
  if (!st) {
    // Never leave a short or unsynced key behind: the next start would refuse or, worse,
    // seal under a key that a crash then loses.
    ::unlink(path.c_str());
    return fail(Error{st.error().code, "key file " + path + ": " + st.error().context, 0});
  }
  fd.reset();
  // The directory entry must be durable too, or a crash can lose the (fsync'd) file.
  UniqueFd dir(::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir || ::fsync(dir.get()) != 0) {
    return fail(Errc::kConfigInvalid,
                "cannot fsync directory of key file " + path + ": " + errno_text(errno));
  }
  return std::move(*key);
}

Result<SecretBuffer> load_key(const std::string& path) {
  // Opened with O_NOFOLLOW (mfad created this file; a link in its place is not ours) and
  // checked on the open descriptor, not the path: nothing can be swapped in between.
  FileReadRules rules{.max_bytes = kKeyFileSize, .follow_symlinks = false, .what = "key file"};
  rules.check = [&path](const struct stat& sb) -> Status {
    if (sb.st_uid != ::geteuid()) {
      return fail(Errc::kConfigInvalid, "key file " + path + " is owned by uid " +
                                            std::to_string(sb.st_uid) + ", not by uid " +
                                            std::to_string(::geteuid()) + " (mfad's user)");
    }
    if ((sb.st_mode & 077) != 0) {
      return fail(Errc::kConfigInvalid, "key file " + path + " has mode " + mode_text(sb.st_mode) +
                                            "; it must be 0400 or 0600");
    }
    if (sb.st_size != static_cast<off_t>(kKeyFileSize)) {
      return fail(Errc::kConfigInvalid, "key file " + path + " has " + std::to_string(sb.st_size) +
                                            " bytes; it must be " + std::to_string(kKeyFileSize));
    }
    return {};
  };
  auto key = read_bounded_secret_file(path, rules);
  if (!key) return key;
  if (key->size() != kKeyFileSize) {  // shrank after the fstat
    return fail(Errc::kConfigInvalid, "cannot read key file " + path + ": it has " +
                                          std::to_string(key->size()) + " bytes; it must be " +
                                          std::to_string(kKeyFileSize));
  }
  return key;
}

}  // namespace

Result<SecretBuffer> load_or_create_key_file(const std::string& path, Random& rng) {
  if (path.empty()) return fail(Errc::kConfigInvalid, "key file path is empty");
  struct stat sb {};
  if (::lstat(path.c_str(), &sb) != 0 && errno == ENOENT) {
    auto created = create_key(path, rng);
    if (created || created.error().code != Errc::kAlreadyExists) return created;
    // Lost a creation race: fall through and load the winner's key.
  }
  return load_key(path);
}

Result<SecretBuffer> load_or_create_key_file(const std::string& path) {
  OsRandom rng;
  return load_or_create_key_file(path, rng);
}

}  // namespace mfa
