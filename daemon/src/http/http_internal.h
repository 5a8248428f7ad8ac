// Internals shared by http_server.cc (listeners, signals, drain) and http_session.cc (one
// connection). Includes Beast: include it from those two files only.
#pragma once

#include <utility>  // before asio: Boost 1.74's awaitable.hpp misses it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/core/config/config.h"
#include "daemon/src/api/api_types.h"
#include "daemon/src/http/connection_budget.h"

namespace mfa::daemon {

class Router;
struct Services;
class Metrics;

namespace net = boost::asio;
namespace beast = boost::beast;

using UnixStream = beast::basic_stream<net::local::stream_protocol>;
using TcpStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// How the TCP budget closes a connection it sheds: set by the session on its strand (where
// the shed is posted too), so `stream` is never used after the session is gone.
struct ShedHandle {
  beast::tcp_stream* stream = nullptr;
  bool shed = false;
};

struct ServerContext {
  const DaemonConfig& config;
  const Router& router;
  Services& services;
  Metrics& metrics;
  UnixBudget unix_budget;  // connection_budget.h: the socket's own, TCP never touches it
  TcpBudget tcp_budget;
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> next_request_id{1};
  // Request handlers run here, off the I/O threads: they block on store calls (the group
  // commit's fsync), and the more of them wait together, the more writes share one fsync.
  net::thread_pool* handlers = nullptr;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// What the listener knows about a connection before the first request.
struct ConnInfo {
  bool tcp = false;
  Caller unix_caller;                              // kUnixPeer for the socket
  std::string remote_addr;                         // TCP peer address, "unix" on the socket
  std::chrono::steady_clock::time_point accepted;  // the first-byte deadline counts from here
  TcpBudget::Id tcp_slot = 0;                      // TCP: the budget's id for this connection
  std::shared_ptr<ShedHandle> shed;                // TCP: how the budget closes it
};

// Each serves one connection until close; they own the stream and release the limiter slot.
net::awaitable<void> serve_unix(ServerContext& ctx, UnixStream stream, ConnInfo info);
net::awaitable<void> serve_tcp(ServerContext& ctx, TcpStream stream, ConnInfo info);
net::awaitable<void> serve_tls(ServerContext& ctx, TlsStream stream, ConnInfo info);

}  // namespace mfa::daemon
