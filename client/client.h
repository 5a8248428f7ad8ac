// mfa::client — one HTTP/1.1 request over the daemon's Unix socket, libc only.
// Used by pam_mfa.so (and later nss/, mfactl). Before trusting an answer it checks the socket
// node (a socket owned by root or the configured daemon uid) and the server's SO_PEERCRED
// (style.md section 6.9, SSSD check_server_cred). Reads no environment variable.
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "client/limits.h"

namespace mfa::client {

enum class Error {
  kOk = 0,
  kBadConfig,        // socket path not absolute / too long, bad timeout
  kSocketMissing,    // lstat failed (no daemon)
  kSocketUntrusted,  // node is not a socket or has an untrusted owner
  kRefused,          // connect() refused: the node exists, nothing listens (daemon gone)
  kConnect,          // connect() or socket() failed otherwise
  kPeerUntrusted,    // SO_PEERCRED uid is neither root nor the daemon uid
  kTimeout,          // the total request timeout expired
  kIo,               // send/recv failure, peer closed early
  kTooLarge,         // response larger than kMaxResponseBytes
  kBadResponse,      // not HTTP, truncated, chunked, missing Content-Length
  kRequestTooLarge,  // caller's request does not fit the bounded head buffer
};

inline constexpr uid_t kNoUid = static_cast<uid_t>(-1);

struct Config {
  const char* socket_path = kDefaultSocketPath;
  int timeout_ms = kDefaultTimeoutMs;  // total: connect + send + receive
  uid_t daemon_uid = kNoUid;           // trusted besides root; kNoUid: root only
};

// Plain data so that callers can calloc() it (64 KiB does not belong on sshd's stack).
struct Response {
  int status;       // HTTP status code
  size_t body_off;  // body = raw + body_off
  size_t body_len;  // from Content-Length
  size_t raw_len;   // bytes received
  char raw[kMaxResponseBytes + 1];
};

inline const char* mfa_client_body(const Response& r) {
  return r.raw + r.body_off;
}

// POSTs/GETs one request (`Connection: close`) and reads the whole answer into `resp`.
// `body` may be nullptr when body_len == 0. The caller owns and wipes `body`.
[[nodiscard]] Error mfa_client_request(const Config& cfg, const char* method, const char* path,
                                       const char* body, size_t body_len, Response* resp);

// True when the daemon is demonstrably gone: no socket node, or a node with no listener (a
// daemon that was killed or stopped; ECONNREFUSED). Everything else -- an HTTP answer of any
// status, a full listen backlog (EAGAIN until the deadline), a timeout or an i/o error once
// connected, garbage, an untrusted node or peer -- comes from something that is there and is
// never "gone". pam_mfa.so's failmode=open applies to this case only.
inline bool mfa_client_daemon_gone(Error e) {
  return e == Error::kSocketMissing || e == Error::kRefused;
}

// Static description for logs; never includes request data.
const char* mfa_client_strerror(Error e);

}  // namespace mfa::client
