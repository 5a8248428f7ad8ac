// Connection budgets of the two listeners (issue 10: TCP peers could starve the PAM socket
// when one limiter served both). Plain counting, no sockets: the listeners ask before they
// serve a connection, and the sessions report their state. Thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "daemon/core/config/config.h"

namespace mfa::daemon {

// The Unix socket's budget. uid 0 may use all of it; the non-root uids each get at most
// max_connections_per_uid, and together they leave root_reserve slots free, so that neither
// one local user nor several can lock sshd, sudo, su and login (which run PAM as root) out.
class UnixBudget {
 public:
  explicit UnixBudget(const UnixConnectionLimits& limits) : limits_(limits) {}
  bool try_acquire(uid_t uid);
  void release(uid_t uid);

 private:
  std::mutex mu_;
  UnixConnectionLimits limits_;
  std::size_t open_ = 0;
  std::size_t non_root_open_ = 0;
  std::map<uid_t, std::size_t> by_uid_;
};

// The TCP listener's budget, in total and per address. A connection is idle while it waits for
// the first byte of a request: before its first request (TLS handshake included) and between
// keep-alive requests. When a budget is full, a newcomer takes the slot of an idle connection,
// never-used ones first (squatters), then the one idle the longest; a connection in the middle
// of a request is never shed (RFC 9112 section 9.6: a client of a persistent connection must
// expect it to close while idle). Only when no idle connection fits is the newcomer refused.
class TcpBudget {
 public:
  using Id = std::uint64_t;
  using Shed = std::function<void()>;  // closes that connection (posted to its strand)

  struct Admission {
    Id id = 0;    // 0: refused
    Shed victim;  // when set, run it (outside the budget's lock): its slot is now ours
  };

  explicit TcpBudget(const TcpConnectionLimits& limits) : limits_(limits) {}
  // `shed` is what closes the new connection should it become a victim later.
  Admission admit(const std::string& address, Shed shed);
  // Idle -> busy when request bytes arrive; false if the connection was shed meanwhile.
  bool begin_request(Id id);
  // Busy -> idle again: waiting for the next keep-alive request.
  void end_request(Id id);
  // The connection ended (no-op for a shed one: its slot went to the newcomer).
  void release(Id id);

 private:
  struct Conn {
    std::string address;
    bool idle = true;
    bool served = false;      // has completed a request (keep-alive idle, not a squatter)
    std::uint64_t since = 0;  // sequence number of the moment it became idle
    Shed shed;
  };
  // The best idle connection to shed (of `address` only when that is set), or end().
  std::map<Id, Conn>::iterator pick_victim(const std::string* address);
  void forget(std::map<Id, Conn>::iterator it);

  std::mutex mu_;
  TcpConnectionLimits limits_;
  Id next_id_ = 1;
  std::uint64_t clock_ = 0;
  std::map<Id, Conn> conns_;
  std::map<std::string, std::size_t> by_address_;
};

}  // namespace mfa::daemon
