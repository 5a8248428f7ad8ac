// doctor: the daemon's socket. The node must be one pam_mfa.so will talk to (owned by root, or
// by the owner of a root-placed directory: pam_module/socket_trust.h, the rule restated here
// because mfactl does not link the module tier), and the process behind it must answer
// GET /v1/health. Its SO_PEERCRED uid is who mfad runs as, which the key file check needs.
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "cli/doctor.h"
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

constexpr int kProbeTimeoutMs = 5000;               // a daemon that takes longer is not healthy
constexpr std::size_t kMaxProbeAnswer = 64 * 1024;  // /v1/health is a few dozen bytes

struct Probe {
  std::optional<uid_t> peer;  // SO_PEERCRED of the listener; nullopt when nobody accepts
  std::string error;          // why there is no answer
  int status = 0;             // HTTP status of GET /v1/health, 0 when none
  std::string body;
};

// Connects, reads the listener's credentials, and asks GET /v1/health on the same connection,
// all within kProbeTimeoutMs: doctor must report a hung daemon, not hang with it (mfactl's
// HTTP client has no deadline on its synchronous reads).
Probe probe(const std::string& path) {
  Probe p;
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    p.error = "socket path too long";
    return p;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const timeval tv{kProbeTimeoutMs / 1000, 0};
  if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    p.error = std::strerror(errno);
    return p;
  }
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    p.error = std::strerror(errno);
    return p;
  }
  p.peer = cred.uid;
  const std::string req =
      "GET /v1/health HTTP/1.1\r\nHost: mfad\r\nUser-Agent: mfactl-doctor\r\n"
      "Accept: application/json\r\nConnection: close\r\n\r\n";
  if (::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    p.error = std::string("sending the request: ") + std::strerror(errno);
    return p;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kProbeTimeoutMs);
  std::string answer;
  char buf[4096];
  while (answer.size() < kMaxProbeAnswer) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd.get(), POLLIN, 0};
    const int ready = left.count() > 0 ? ::poll(&pfd, 1, static_cast<int>(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      p.error = "no answer to GET /v1/health within " + std::to_string(kProbeTimeoutMs / 1000) +
                " s (the daemon is hung or overloaded)";
      return p;
    }
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  const auto head_end = answer.find("\r\n\r\n");
  if (answer.rfind("HTTP/1.", 0) != 0 || answer.size() < 12 || head_end == std::string::npos) {
    p.error = "the answer to GET /v1/health is not HTTP";
    return p;
  }
  p.status = std::atoi(answer.substr(9, 3).c_str());
  p.body = answer.substr(head_end + 4);
  return p;
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

Check health(Findings& f, const Probe& p) {
  if (p.status == 0) {
    return {"daemon", Verdict::kFail, f.socket_path + ": " + p.error,
            "systemctl status mfad; journalctl -u mfad -b"};
  }
  f.daemon_answers = true;
  f.health_body = p.body;
  const auto j = nlohmann::json::parse(p.body, nullptr, false);
  const std::string status = j.is_object() ? j.value("status", "?") : "?";
  std::string detail = "GET /v1/health: HTTP " + std::to_string(p.status) + ", " + status;
  if (j.is_object() && j.contains("version") && j["version"].is_string()) {
    detail += ", mfad " + j["version"].get<std::string>();
  }
  if (j.is_object() && j.contains("uptime_s") && j["uptime_s"].is_number_integer()) {
    detail += ", up " + std::to_string(j["uptime_s"].get<long long>()) + " s";
  }
  if (p.status == 200 && status == "ok") return {"daemon", Verdict::kOk, detail, ""};
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
      out.push_back(needs_root("daemon", "its socket cannot be reached", ""));
      guess_daemon_uid(f);
      return out;
    }
    out.push_back({"socket", Verdict::kFail,
                   path + ": " + std::strerror(err) + " (mfad is not running?)",
                   "systemctl start mfad; journalctl -u mfad -b says why it stopped"});
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
  const Probe answer = probe(path);
  const auto& peer = answer.peer;
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
    out.push_back({"daemon", Verdict::kFail, "nobody answers on " + path + ": " + answer.error,
                   "a stale socket: systemctl restart mfad; journalctl -u mfad -b"});
    return out;
  }
  out.push_back(health(f, answer));
  return out;
}

}  // namespace mfa::cli::doctor
