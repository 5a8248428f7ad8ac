#include "daemon/src/os/restore.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/store/sqlite_backup.h"

namespace mfa::daemon {

namespace {

// True when something accepts connections on the Unix socket at `path` (a running mfad).
bool socket_answers(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

}  // namespace

int run_restore(const DaemonConfig& config, const std::string& backup) {
  if (socket_answers(config.socket_path)) {
    std::fprintf(stderr, "mfad: %s answers: mfad is running; stop it before --restore\n",
                 config.socket_path.c_str());
    return 1;
  }
  auto version = restore_sqlite_file(backup, config.db_path);
  if (!version) {
    std::fprintf(stderr, "mfad: restore failed: %s\n", version.error().context.c_str());
    return 1;
  }
  std::printf("restored %s into %s (schema version %d); the previous database, if any, is %s\n",
              backup.c_str(), config.db_path.c_str(), *version,
              (config.db_path + ".before-restore").c_str());
  std::printf(
      "the secrets in it are sealed with the key of the instance the backup came from: %s must "
      "be that key file\n",
      config.key_file.c_str());
  if (::access(config.key_file.c_str(), F_OK) != 0) {
    std::printf(
        "warning: %s does not exist; copy the original key file there before starting "
        "mfad (a new key cannot open the restored factors)\n",
        config.key_file.c_str());
  }
  return 0;
}

}  // namespace mfa::daemon
