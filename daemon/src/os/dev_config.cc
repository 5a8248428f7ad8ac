#include "daemon/src/os/dev_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace mfa::daemon {

const char* const kDevPolicyYaml =
    R"(# mfad dev policy (written by `mfad --dev`). The full schema is documented in
# conf/policy.yaml; check changes with `mfactl policy check FILE`, apply with SIGHUP.
defaults:
  mode: optional                  # off | optional | required
  factors: [totp, backup_code]    # factors users may enrol and use
  lockout: {attempts: 5, window: 15m}
rules: []
)";

namespace {

// Paths are relative to the directory of the config file.
constexpr std::string_view kDevConfigYaml =
    R"(# mfad dev instance (written by `mfad --dev`): not for production.
dev_mode: true
worker_threads: 2
log: {target: stderr, level: info}
listeners:
  unix: {path: mfad.sock, mode: "0666"}
  # port 0: an ephemeral port, printed at start and written to tcp.port beside this file, so
  # two dev instances on one machine never fight over a fixed one.
  tcp: {address: 127.0.0.1, port: 0, plain_http: true}
store: {sqlite: mfad.db}
keys: {file: secret.key}
policy: {file: policy.yaml}
)";

Status write_if_missing(const std::string& path, std::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return fail(Errc::kConfigInvalid, "cannot create " + path + ": " + std::strerror(errno));
  }
  const ssize_t n = ::write(fd, text.data(), text.size());
  const bool ok = n == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return fail(Errc::kConfigInvalid, "cannot write " + path);
  return {};
}

// `mkdir -p` for the parents of `dir` (0755: a checkout's folders, nothing secret in them).
Status make_parents(const std::string& dir) {
  for (std::size_t pos = dir.find('/', 1); pos != std::string::npos; pos = dir.find('/', pos + 1)) {
    const std::string parent = dir.substr(0, pos);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
      return fail(Errc::kConfigInvalid, "cannot create " + parent + ": " + std::strerror(errno));
    }
  }
  return {};
}

}  // namespace

Result<std::string> prepare_dev_dir(const std::string& dir) {
  if (dir.empty()) return fail(Errc::kConfigInvalid, "--dev needs a directory");
  if (dir.size() > 4096) return fail(Errc::kConfigInvalid, "--dev: directory name too long");
  MFA_TRY(make_parents(dir));
  // 0711: every local user can reach the socket (mode 0666) inside, as the self-service
  // commands need (`mfactl enroll totp` as yourself), without listing the directory; the
  // database, key and config in it stay 0600.
  if (::mkdir(dir.c_str(), 0711) != 0 && errno != EEXIST) {
    return fail(Errc::kConfigInvalid, "cannot create " + dir + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(Errc::kConfigInvalid, dir + " is not a directory");
  }
  // A directory an earlier version made 0700 (or a mkdtemp one) becomes traversable too; one
  // that another user owns is left as it is.
  if (st.st_uid == ::geteuid() && (st.st_mode & 0111) != 0111 &&
      ::chmod(dir.c_str(), (st.st_mode & 07777) | 0111) != 0) {
    return fail(Errc::kConfigInvalid,
                "cannot make " + dir + " traversable: " + std::strerror(errno));
  }
  const std::string config = dir + "/mfad.yaml";
  MFA_TRY(write_if_missing(config, kDevConfigYaml, 0600));
  MFA_TRY(write_if_missing(dir + "/policy.yaml", kDevPolicyYaml, 0600));
  return config;
}

}  // namespace mfa::daemon
