// doctor: the daemon's socket. The node must be one pam_mfa.so will talk to (owned by root, or
// by the owner of a root-placed directory: pam_module/socket_trust.h, the rule restated here
// because mfactl does not link the module tier), and the process behind it must answer
// GET /v1/health. Its SO_PEERCRED uid is who mfad runs as, which the key file check needs.
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "cli/doctor.h"
#include "cli/http_client.h"
#include "daemon/core/base/c_handles.h"

namespace mfa::cli::doctor {
namespace {

struct FreeDeleter {
  void operator()(char* p) const noexcept { std::free(p); }
};

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool safe_dir(const struct stat& st) {
  return S_ISDIR(st.st_mode) && (st.st_mode & 022) == 0;
}

// The module's rule: the owner of the socket's (real) directory is trusted when that directory
// is not group/other-writable and every directory above it is root's and not writable either.
std::optional<uid_t> trusted_directory_owner(const std::string& socket_path) {
  std::unique_ptr<char, FreeDeleter> real(::realpath(parent_of(socket_path).c_str(), nullptr));
  if (!real) return std::nullopt;
  std::string dir = real.get();
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !safe_dir(st)) return std::nullopt;
  const uid_t owner = st.st_uid;
  while (dir != "/") {
    dir = parent_of(dir);
    struct stat up {};
    if (::stat(dir.c_str(), &up) != 0 || !safe_dir(up) || up.st_uid != 0) return std::nullopt;
  }
  return owner;
}

// The uid of the process listening on `path`, or nullopt when nobody accepts.
std::optional<uid_t> listener_uid(const std::string& path, std::string& why) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    why = "socket path too long";
    return std::nullopt;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  return cred.uid;
}

std::optional<uid_t> account_uid(const char* name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(name, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return found->pw_uid;
}

// Who mfad runs as when nothing answers on the socket: the packages' account, else root.
void guess_daemon_uid(Findings& f) {
  for (const char* name : {"_mfad", "mfad"}) {
    if (auto uid = account_uid(name)) {
      f.daemon_uid = *uid;
      f.daemon_uid_source = std::string("the packages' account ") + name;
      return;
    }
  }
}

Check health(Findings& f) {
  auto r = request(f.socket_path, "GET", "/v1/health", "");
  if (!r) {
    return {"daemon", Verdict::kFail, r.error().context,
            "systemctl status mfad; journalctl -u mfad -b"};
  }
  f.daemon_answers = true;
  f.health_body = r->body;
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  const std::string status = j.is_object() ? j.value("status", "?") : "?";
  std::string detail = "GET /v1/health: HTTP " + std::to_string(r->status) + ", " + status;
  if (j.is_object() && j.contains("version") && j["version"].is_string()) {
    detail += ", mfad " + j["version"].get<std::string>();
  }
  if (j.is_object() && j.contains("uptime_s") && j["uptime_s"].is_number_integer()) {
    detail += ", up " + std::to_string(j["uptime_s"].get<long long>()) + " s";
  }
  if (r->status == 200 && status == "ok") return {"daemon", Verdict::kOk, detail, ""};
  return {"daemon", Verdict::kFail, detail + (j.contains("store") ? ": store unavailable" : ""),
          "journalctl -u mfad -b: the store (database file, disk) is failing"};
}

}  // namespace

Checks check_socket(Findings& f) {
  Checks out;
  const std::string& path = f.socket_path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == EACCES) {
      out.push_back(needs_root("socket", path + ": " + std::strerror(err), ""));
    } else {
      out.push_back({"socket", Verdict::kFail,
                     path + ": " + std::strerror(err) + " (mfad is not running?)",
                     "systemctl start mfad; journalctl -u mfad -b says why it stopped"});
    }
    guess_daemon_uid(f);
    out.push_back({"daemon", Verdict::kFail, "no socket at " + path, "start mfad"});
    return out;
  }
  if (!S_ISSOCK(st.st_mode)) {
    out.push_back({"socket", Verdict::kFail, path + " is not a socket",
                   "remove it and restart mfad (listeners.unix.path names the socket)"});
    guess_daemon_uid(f);
    return out;
  }
  const auto dir_owner = trusted_directory_owner(path);
  const bool owner_trusted = st.st_uid == 0 || (dir_owner && *dir_owner == st.st_uid);
  std::string why;
  const auto peer = listener_uid(path, why);
  if (peer) {
    f.daemon_uid = *peer;
    f.daemon_uid_source = "the process on the socket";
  } else {
    f.daemon_uid = st.st_uid;
    f.daemon_uid_source = "the socket's owner";
  }
  const std::string owner = "owned by " + uid_text(st.st_uid) + ", mode " + mode_text(st.st_mode);
  if (!owner_trusted) {
    out.push_back({"socket", Verdict::kFail,
                   path + " " + owner + ": pam_mfa.so trusts only root, or the owner of a " +
                       "directory that only root could have given it, and refuses this socket",
                   "run mfad as root or from systemd (RuntimeDirectory=mfad), or put daemon_uid=" +
                       std::to_string(st.st_uid) + " on the stack line if that uid is mfad's"});
  } else if (peer && *peer != 0 && *peer != st.st_uid) {
    out.push_back({"socket", Verdict::kFail,
                   path + " " + owner + ", but the process listening on it is " + uid_text(*peer) +
                       ": pam_mfa.so refuses such a peer",
                   "find who serves the socket (ss -xlp) and restart mfad"});
  } else {
    out.push_back({"socket", Verdict::kOk, path + " " + owner, ""});
  }
  if (!peer) {
    out.push_back({"daemon", Verdict::kFail, "nobody answers on " + path + ": " + why,
                   "a stale socket: systemctl restart mfad; journalctl -u mfad -b"});
    return out;
  }
  out.push_back(health(f));
  return out;
}

}  // namespace mfa::cli::doctor
