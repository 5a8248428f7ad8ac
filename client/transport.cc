// One request over the daemon's Unix socket with a total deadline. Hardening follows
// style.md section 6 and security.md section 4.6: SOCK_CLOEXEC, MSG_NOSIGNAL (a dead daemon
// must not SIGPIPE sshd), poll() with EINTR retried inside the deadline, new fds >= 3 (SSSD
// make_nonstd_fd), socket node and SO_PEERCRED checked before any byte is trusted.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "client/http.h"
#include "client/unique_fd.h"

namespace mfa::client {
namespace {

long long now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

int remaining_ms(long long deadline) {
  const long long left = deadline - now_ms();
  return left <= 0 ? 0 : static_cast<int>(left);
}

bool trusted_uid(const Config& cfg, uid_t uid) {
  return uid == 0 || (cfg.daemon_uid != kNoUid && uid == cfg.daemon_uid);
}

// Waits for `events` on fd until the deadline; EINTR restarts with the remaining time.
Error wait_for(int fd, short events, long long deadline) {
  for (;;) {
    const int left = remaining_ms(deadline);
    if (left == 0) return Error::kTimeout;
    struct pollfd p = {fd, events, 0};
    const int r = poll(&p, 1, left);
    if (r > 0) return Error::kOk;  // readiness or POLLERR/POLLHUP: the next call reports it
    if (r == 0) return Error::kTimeout;
    if (errno != EINTR) return Error::kIo;
  }
}

// Keeps fds 0-2 untouched: if the caller runs with stdio closed (su/sudo under the user's
// control), a socket landing on 0..2 would later be written to as "stdout".
Error ensure_nonstd_fd(UniqueFd* fd) {
  if (fd->get() > 2) return Error::kOk;
  const int moved = fcntl(fd->get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return Error::kConnect;
  fd->reset(moved);
  return Error::kOk;
}

Error check_node(const Config& cfg) {
  struct stat st;
  if (lstat(cfg.socket_path, &st) != 0) return Error::kSocketMissing;
  if (!S_ISSOCK(st.st_mode) || !trusted_uid(cfg, st.st_uid)) return Error::kSocketUntrusted;
  return Error::kOk;
}

Error connect_socket(const Config& cfg, long long deadline, UniqueFd* ret) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  const size_t path_len = strlen(cfg.socket_path);
  if (cfg.socket_path[0] != '/' || path_len >= sizeof addr.sun_path) return Error::kBadConfig;
  memcpy(addr.sun_path, cfg.socket_path, path_len);

  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return Error::kConnect;
  if (Error e = ensure_nonstd_fd(&fd); e != Error::kOk) return e;

  for (;;) {
    if (connect(fd.get(), reinterpret_cast<const struct sockaddr*>(&addr), sizeof addr) == 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {  // AF_UNIX: listen backlog full; retry briefly within the deadline
      if (remaining_ms(deadline) == 0) return Error::kTimeout;
      poll(nullptr, 0, 10);
      continue;
    }
    if (errno == ENOENT) return Error::kSocketMissing;  // removed since check_node
    if (errno == ECONNREFUSED) return Error::kRefused;  // a stale node: nobody listens
    if (errno != EINPROGRESS) return Error::kConnect;
    if (Error e = wait_for(fd.get(), POLLOUT, deadline); e != Error::kOk) return e;
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0 || so_error != 0) {
      return so_error == ECONNREFUSED ? Error::kRefused : Error::kConnect;
    }
    break;
  }

  // The node check above is racy by nature; the peer credentials of the connected socket are
  // not (SSSD check_server_cred): they name the process that called listen().
  struct ucred cred;
  socklen_t cred_len = sizeof cred;
  if (getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 ||
      cred_len != sizeof cred || !trusted_uid(cfg, cred.uid)) {
    return Error::kPeerUntrusted;
  }
  *ret = static_cast<UniqueFd&&>(fd);
  return Error::kOk;
}

Error send_all(int fd, struct iovec* iov, size_t iovcnt, long long deadline) {
  while (iovcnt > 0) {
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = iovcnt;
    const ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Error::kIo;
      if (Error e = wait_for(fd, POLLOUT, deadline); e != Error::kOk) return e;
      continue;
    }
    size_t sent = static_cast<size_t>(n);
    while (iovcnt > 0 && sent >= iov->iov_len) {
      sent -= iov->iov_len;
      ++iov;
      --iovcnt;
    }
    if (iovcnt > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + sent;
      iov->iov_len -= sent;
    }
  }
  return Error::kOk;
}

Error receive(int fd, long long deadline, Response* resp) {
  resp->raw_len = 0;
  ResponseHead head = {};
  bool have_head = false;
  for (;;) {
    if (have_head && resp->raw_len >= head.head_len + head.content_length) break;
    if (resp->raw_len >= kMaxResponseBytes) return Error::kTooLarge;
    const ssize_t n =
        recv(fd, resp->raw + resp->raw_len, kMaxResponseBytes - resp->raw_len, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Error::kIo;
      if (Error e = wait_for(fd, POLLIN, deadline); e != Error::kOk) return e;
      continue;
    }
    if (n == 0) return Error::kBadResponse;  // closed before the announced body was complete
    resp->raw_len += static_cast<size_t>(n);
    if (!have_head) {
      switch (mfa_client_parse_head(resp->raw, resp->raw_len, &head)) {
        case HeadParse::kIncomplete: break;
        case HeadParse::kComplete: have_head = true; break;
        case HeadParse::kTooLarge: return Error::kTooLarge;
        case HeadParse::kBad:
        case HeadParse::kUnsupported: return Error::kBadResponse;
      }
    }
  }
  resp->status = head.status;
  resp->body_off = head.head_len;
  resp->body_len = head.content_length;
  resp->raw[head.head_len + head.content_length] = '\0';  // raw has kMaxResponseBytes + 1
  return Error::kOk;
}

}  // namespace

Error mfa_client_request(const Config& cfg, const char* method, const char* path, const char* body,
                         size_t body_len, Response* resp) {
  if (cfg.socket_path == nullptr || cfg.timeout_ms < kMinTimeoutMs ||
      cfg.timeout_ms > kMaxTimeoutMs) {
    return Error::kBadConfig;
  }
  const long long deadline = now_ms() + cfg.timeout_ms;
  char head[kMaxRequestHeadBytes];
  size_t head_len = 0;
  // The deadline travels with the request: a daemon that only gets to it later (stopped,
  // overloaded) must not act on an answer this module has already given up on.
  if (!mfa_client_format_head(head, sizeof head, method, path, body_len, deadline, &head_len)) {
    return Error::kRequestTooLarge;
  }
  if (Error e = check_node(cfg); e != Error::kOk) return e;
  UniqueFd fd;
  if (Error e = connect_socket(cfg, deadline, &fd); e != Error::kOk) return e;
  struct iovec iov[2] = {{head, head_len}, {const_cast<char*>(body), body_len}};
  if (Error e = send_all(fd.get(), iov, body_len > 0 ? 2 : 1, deadline); e != Error::kOk) {
    return e;
  }
  return receive(fd.get(), deadline, resp);
}

const char* mfa_client_strerror(Error e) {
  switch (e) {
    case Error::kOk: return "ok";
    case Error::kBadConfig: return "bad client configuration";
    case Error::kSocketMissing: return "daemon socket missing";
    case Error::kSocketUntrusted: return "daemon socket is not a socket owned by a trusted uid";
    case Error::kRefused: return "daemon socket has no listener (connection refused)";
    case Error::kConnect: return "cannot connect to the daemon socket";
    case Error::kPeerUntrusted: return "daemon peer credentials are not trusted";
    case Error::kTimeout: return "daemon timed out";
    case Error::kIo: return "i/o error talking to the daemon";
    case Error::kTooLarge: return "daemon response too large";
    case Error::kBadResponse: return "malformed HTTP response from the daemon";
    case Error::kRequestTooLarge: return "request too large";
  }
  return "unknown client error";
}

}  // namespace mfa::client
