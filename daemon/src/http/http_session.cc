// One HTTP/1.1 connection: read a request under the deadlines, identify the caller, dispatch
// through the Router, write the response, keep alive or close. A malformed or hostile request
// ends its own connection (400/408/413/431), never the daemon.
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>

#include <time.h>

#include <cctype>
#include <charconv>
#include <string_view>
#include <vector>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/router.h"
#include "daemon/src/api/url.h"
#include "daemon/src/auth/api_key_auth.h"
#include "daemon/src/http/http_internal.h"
#include "daemon/src/os/log.h"
#include "daemon/src/os/metrics.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {
namespace {

namespace http = beast::http;
using HttpRequest = http::request<http::string_body>;
using std::chrono::milliseconds;

// Gives the connection's budget slot back when its session ends, however it ends.
struct SlotGuard {
  ServerContext& ctx;
  const ConnInfo& info;
  ~SlotGuard() {
    if (info.tcp) {
      info.shed->stream = nullptr;  // on the strand: a shed posted later finds nothing to close
      ctx.tcp_budget.release(info.tcp_slot);
    } else {
      ctx.unix_budget.release(info.unix_caller.uid);
    }
    ctx.metrics.connection_closed();
  }
};

struct InFlightGuard {
  explicit InFlightGuard(ServerContext& c) : ctx(c) { ctx.metrics.request_started(); }
  ~InFlightGuard() { ctx.metrics.request_finished(); }
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;
  ServerContext& ctx;
};

// The request deadline's shared state. The timer handler and the session run on the same
// strand, so `armed` needs no lock; the shared_ptr keeps it alive for a late handler.
template <class Socket>
struct BasicDeadline {
  Socket* socket = nullptr;
  bool armed = true;
  bool fired = false;
};

// The response to a failed read, or status 0 when the connection just ends (EOF, reset).
ApiResponse response_for_read_error(const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return error_response(408, "request_timeout", "request not received in time");
  }
  if (ec == http::error::header_limit) {
    return error_response(431, "headers_too_large", "request headers too large");
  }
  if (ec == http::error::body_limit) {
    return error_response(413, "body_too_large", "request body too large");
  }
  if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return error_response(400, "bad_request", "malformed HTTP request");
  }
  ApiResponse none;
  none.status = 0;
  return none;
}

std::string_view sv(beast::string_view s) {
  return std::string_view(s.data(), s.size());
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A request that presents a key has it checked (401 when it is wrong, whatever the route);
// one without stays anonymous, and the router admits it to the open routes only (access.h).
ApiResponse authenticate_tcp(ServerContext& ctx, const HttpRequest& hreq, ApiRequest& areq) {
  const auto it = hreq.find(http::field::authorization);
  if (it == hreq.end()) {
    areq.caller = Caller{};  // kAnonymous
    return ApiResponse{};
  }
  if (ctx.services.store == nullptr || ctx.services.clock == nullptr) {
    return error_response(503, "unavailable", "store not ready");
  }
  const std::string_view value = sv(it->value());
  auto caller = authenticate_bearer(*ctx.services.store, *ctx.services.clock, value);
  if (!caller) {
    if (caller.error().code != Errc::kUnauthenticated) {
      log_error("request " + areq.request_id +
                ": API key lookup failed: " + caller.error().context);
      return from_error(caller.error());
    }
    ApiResponse r = error_response(401, "unauthenticated", "missing or invalid API key");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  areq.caller = std::move(*caller);
  return ApiResponse{};
}

// Request framing that Beast would otherwise accept (RFC 9112 section 6): a Transfer-Encoding
// whose final coding is not `chunked` leaves the body length unknown and Beast reads no body,
// so the body would be parsed as the next request (request smuggling past a proxy that frames
// it differently). Section 6.3: "the server MUST respond with the 400 (Bad Request) status code
// and then close the connection". Codings other than chunked are not implemented (6.1: 501);
// Transfer-Encoding with Content-Length, or in an HTTP/1.0 request, is faulty framing (6.1,
// 6.3). The caller closes the connection after any of these. Returns status 0 to go on.
ApiResponse check_framing(const http::request_header<>& h) {
  ApiResponse go_on;
  go_on.status = 0;
  const auto te = h.find(http::field::transfer_encoding);
  if (te == h.end()) return go_on;
  if (h.version() < 11 || h.find(http::field::content_length) != h.end()) {
    return error_response(400, "bad_request", "ambiguous message framing");
  }
  std::string_view codings = sv(te->value());
  std::vector<std::string> list;
  while (!codings.empty()) {
    const std::size_t comma = codings.find(',');
    std::string_view item = codings.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) list.push_back(lower(item));
    codings = comma == std::string_view::npos ? std::string_view() : codings.substr(comma + 1);
  }
  if (list.empty() || list.back() != "chunked") {
    return error_response(400, "bad_request", "Transfer-Encoding must end with chunked");
  }
  if (list.size() > 1) {
    return error_response(501, "not_implemented", "only the chunked transfer coding is supported");
  }
  return go_on;
}

template <class D>
struct BasicDisarmGuard {
  D& d;
  net::steady_timer& timer;
  void now() {
    d.armed = false;
    timer.cancel();
  }
  ~BasicDisarmGuard() { now(); }
};

// X-Mfa-Deadline-Monotonic-Ms (docs/pam-protocol.md): the CLOCK_MONOTONIC millisecond after
// which the local client (pam_mfa.so) no longer waits. A request handled later — the daemon was
// stopped or overloaded while it sat in the socket — is refused untouched: verifying a code then
// would consume it and audit a success for a login PAM already failed. Only on the Unix socket,
// where client and daemon share the clock. Returns a response to send, or status 0 to go on.
ApiResponse refuse_if_client_gave_up(const ApiRequest& areq) {
  ApiResponse go_on;
  go_on.status = 0;
  const auto it = areq.headers.find("x-mfa-deadline-monotonic-ms");
  if (it == areq.headers.end()) return go_on;
  long long deadline = 0;
  const std::string& v = it->second;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), deadline);
  if (ec != std::errc() || end != v.data() + v.size() || deadline <= 0) {
    return error_response(400, "bad_request", "invalid X-Mfa-Deadline-Monotonic-Ms");
  }
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long now = static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
  if (now <= deadline) return go_on;
  log_warning("request " + areq.request_id + ": the client's deadline passed " +
              std::to_string(now - deadline) + " ms before it was handled; refused untouched");
  return error_response(503, "deadline_passed",
                        "the client stopped waiting before this request was handled");
}

ApiResponse handle(ServerContext& ctx, HttpRequest& hreq, const ConnInfo& info, ApiRequest& areq) {
  areq.method = std::string(hreq.method_string());
  if (!parse_target(sv(hreq.target()), areq.path, areq.query)) {
    return error_response(400, "bad_request", "invalid request target");
  }
  for (const auto& f : hreq) areq.headers[lower(sv(f.name_string()))] = std::string(f.value());
  areq.body = std::move(hreq.body());
  if (info.tcp) {
    ApiResponse denied = authenticate_tcp(ctx, hreq, areq);
    if (!denied.body.empty()) return denied;
    areq.caller.remote_addr = info.remote_addr;
  } else {
    areq.caller = info.unix_caller;
    if (ApiResponse late = refuse_if_client_gave_up(areq); late.status != 0) return late;
  }
  return ctx.router.dispatch(areq);
}

ApiResponse guarded_handle(ServerContext& ctx, HttpRequest& hreq, const ConnInfo& info,
                           ApiRequest& areq) {
  try {
    return handle(ctx, hreq, info, areq);
  } catch (const std::exception& e) {
    log_error("request " + areq.request_id + ": " + quote(e.what()));
    return error_response(500, "internal", "internal error");
  } catch (...) {
    log_error("request " + areq.request_id + ": unknown exception");
    return error_response(500, "internal", "internal error");
  }
}

void log_request(ServerContext& ctx, const ApiRequest& areq, int status,
                 std::chrono::steady_clock::time_point start) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string pattern = areq.route_pattern.empty() ? "unmatched" : areq.route_pattern;
  ctx.metrics.record_request(pattern, areq.method.empty() ? "-" : areq.method, status, secs);
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.1f", secs * 1000);
  log_info("request id=" + areq.request_id + " method=" + quote(areq.method) + " path=" +
           quote(ctx.router.loggable_path(areq.path)) + " status=" + std::to_string(status) +
           " ms=" + ms + " caller=" + quote(areq.caller.actor()));
}

template <class Stream>
net::awaitable<bool> write_response(ServerContext& ctx, Stream& stream, ApiResponse& res,
                                    const std::string& request_id, bool keep_alive) {
  http::response<http::string_body> r;
  r.version(11);
  r.result(static_cast<unsigned>(res.status));
  r.set(http::field::server, "mfad");
  r.set(http::field::content_type, res.content_type);
  r.set("X-Request-Id", request_id);
  for (const auto& [name, value] : res.headers) r.set(name, value);
  r.keep_alive(keep_alive);
  r.body() = std::move(res.body);
  r.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(milliseconds(ctx.config.http.request_timeout_ms));
  beast::error_code ec;
  co_await http::async_write(stream, r, net::redirect_error(net::use_awaitable, ec));
  co_return !ec;
}

// Reads one request; fills `res` with the response to send. Returns false to close after it.
template <class Stream>
net::awaitable<bool> read_and_handle(ServerContext& ctx, Stream& stream, beast::flat_buffer& buf,
                                     const ConnInfo& info, ApiRequest& areq, ApiResponse& res) {
  using Socket = std::remove_reference_t<decltype(beast::get_lowest_layer(stream).socket())>;
  using Deadline = BasicDeadline<Socket>;
  using DisarmGuard = BasicDisarmGuard<Deadline>;
  // Whole-request deadline (slowloris): our own timer cancels the read so that a 408 can still
  // be written; basic_stream's own timeout (which closes the socket) is only a backstop.
  const auto timeout = milliseconds(ctx.config.http.request_timeout_ms);
  beast::get_lowest_layer(stream).expires_after(timeout + milliseconds(1000));
  auto deadline = std::make_shared<Deadline>();
  deadline->socket = &beast::get_lowest_layer(stream).socket();
  net::steady_timer timer(co_await net::this_coro::executor, timeout);
  timer.async_wait([deadline](const beast::error_code& tec) {
    if (tec || !deadline->armed) return;
    deadline->fired = true;
    beast::error_code ignored;
    deadline->socket->cancel(ignored);
  });
  DisarmGuard disarm{*deadline, timer};
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits::kMaxHeaderBytes));
  parser.body_limit(limits::kMaxRequestBody);
  beast::error_code ec;
  co_await http::async_read_header(stream, buf, parser,
                                   net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    res = response_for_read_error(deadline->fired ? beast::error::timeout : ec);
    co_return false;
  }
  std::size_t count = 0;
  for (const auto& f : parser.get()) {
    (void)f;
    ++count;
  }
  if (count > limits::kMaxHeaderCount) {
    res = error_response(431, "headers_too_large", "too many request headers");
    co_return false;
  }
  if (ApiResponse framing = check_framing(parser.get()); framing.status != 0) {
    res = std::move(framing);
    co_return false;
  }
  if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_, 11};
    co_await http::async_write(stream, cont, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return false;
  }
  co_await http::async_read(stream, buf, parser, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    res = response_for_read_error(deadline->fired ? beast::error::timeout : ec);
    co_return false;
  }
  disarm.now();
  HttpRequest hreq = parser.release();
  const bool keep = hreq.keep_alive();
  // The handler runs on the handler pool; this coroutine resumes on its connection's strand.
  res = co_await net::co_spawn(
      ctx.handlers->get_executor(),
      [&]() -> net::awaitable<ApiResponse> { co_return guarded_handle(ctx, hreq, info, areq); },
      net::use_awaitable);
  co_return keep;
}

template <class Stream>
net::awaitable<bool> session_loop(ServerContext& ctx, Stream& stream, const ConnInfo& info) {
  beast::flat_buffer buf;
  beast::error_code ec;
  for (std::size_t n = 0; n < limits::kMaxRequestsPerConnection && !ctx.draining; ++n) {
    if (buf.size() == 0) {
      // Idle wait; the whole-request deadline starts with the first byte. A new connection must
      // send that byte soon after accept (a silent one only squats a slot); between keep-alive
      // requests the longer idle timeout applies.
      auto& lowest = beast::get_lowest_layer(stream);
      if (n == 0) {
        lowest.expires_at(info.accepted + milliseconds(ctx.config.http.first_byte_timeout_ms));
      } else {
        lowest.expires_after(milliseconds(ctx.config.http.idle_timeout_ms));
      }
      const std::size_t got = co_await stream.async_read_some(
          buf.prepare(4096), net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return true;
      buf.commit(got);
    }
    // No longer idle, so no longer sheddable; false: it was shed just before its bytes came.
    if (info.tcp && !ctx.tcp_budget.begin_request(info.tcp_slot)) co_return true;
    InFlightGuard busy(ctx);
    const auto start = std::chrono::steady_clock::now();
    ApiRequest areq;
    areq.request_id = "r" + std::to_string(ctx.next_request_id.fetch_add(1));
    if (!info.tcp) areq.caller = info.unix_caller;
    ApiResponse res;
    bool keep = co_await read_and_handle(ctx, stream, buf, info, areq, res);
    if (res.status == 0) co_return false;  // peer went away mid-request
    keep = keep && !ctx.draining && n + 1 < limits::kMaxRequestsPerConnection;
    const int status = res.status;
    // Counted before the write: a client that has read its answer must find it in /metrics
    // (the duration therefore measures handling, not the socket write).
    log_request(ctx, areq, status, start);
    const bool written = co_await write_response(ctx, stream, res, areq.request_id, keep);
    if (!written) co_return false;
    if (!keep) co_return status < 400;
    if (info.tcp) ctx.tcp_budget.end_request(info.tcp_slot);
  }
  co_return true;
}

// Half-closes, then discards what the peer still sends for a moment, so that the kernel does
// not answer unread data with a RST that would destroy the error response in flight.
template <class Socket>
net::awaitable<void> linger_close(Socket& stream) {
  beast::error_code ec;
  stream.socket().shutdown(net::socket_base::shutdown_send, ec);
  stream.expires_after(milliseconds(500));
  std::array<char, 4096> sink;
  for (int i = 0; i < 16 && !ec; ++i) {
    co_await stream.async_read_some(net::buffer(sink), net::redirect_error(net::use_awaitable, ec));
  }
  stream.socket().close(ec);
}

}  // namespace

net::awaitable<void> serve_unix(ServerContext& ctx, UnixStream stream, ConnInfo info) {
  SlotGuard slot{ctx, info};
  const bool clean = co_await session_loop(ctx, stream, info);
  if (clean) {
    beast::error_code ec;
    stream.socket().shutdown(net::socket_base::shutdown_both, ec);
  } else {
    co_await linger_close(stream);
  }
}

net::awaitable<void> serve_tcp(ServerContext& ctx, TcpStream stream, ConnInfo info) {
  SlotGuard slot{ctx, info};
  info.shed->stream = &stream;
  if (info.shed->shed) co_return;
  const bool clean = co_await session_loop(ctx, stream, info);
  if (clean) {
    beast::error_code ec;
    stream.socket().shutdown(net::socket_base::shutdown_both, ec);
  } else {
    co_await linger_close(stream);
  }
}

namespace {

// Plain HTTP sent to the TLS listener: one 400 in clear text saying so, one log line, close.
net::awaitable<void> refuse_plain_http(beast::tcp_stream& tcp, const ConnInfo& info) {
  static constexpr std::string_view kBody =
      R"({"error":{"code":"tls_required","message":"this port speaks HTTPS: use https://"}})";
  static const std::string kReply =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
  log_info("plain HTTP on the TLS listener from " + info.remote_addr + ": answered 400");
  beast::error_code ec;
  tcp.expires_after(milliseconds(1000));
  co_await net::async_write(tcp, net::buffer(kReply), net::redirect_error(net::use_awaitable, ec));
  tcp.socket().shutdown(net::socket_base::shutdown_both, ec);
}

}  // namespace

net::awaitable<void> serve_tls(ServerContext& ctx, TlsStream stream, ConnInfo info) {
  SlotGuard slot{ctx, info};
  info.shed->stream = &beast::get_lowest_layer(stream);
  if (info.shed->shed) co_return;
  beast::error_code ec;
  // Its own short deadline: a stalled handshake holds a slot before any request can be timed.
  beast::get_lowest_layer(stream).expires_after(
      milliseconds(ctx.config.http.tls_handshake_timeout_ms));
  // The first bytes tell a TLS ClientHello from plain HTTP (Beast's detect_ssl): a client
  // that forgot https:// gets a readable 400 instead of a connection closed without a word.
  beast::flat_buffer head;
  const bool hello = co_await beast::async_detect_ssl(beast::get_lowest_layer(stream), head,
                                                      net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return;  // closed or timed out before a first record
  if (!hello) {
    co_await refuse_plain_http(beast::get_lowest_layer(stream), info);
    co_return;
  }
  const std::size_t used = co_await stream.async_handshake(
      net::ssl::stream_base::server, head.data(), net::redirect_error(net::use_awaitable, ec));
  (void)used;
  if (ec) co_return;  // bad client certificate, protocol error, timeout
  co_await session_loop(ctx, stream, info);
  beast::get_lowest_layer(stream).expires_after(milliseconds(1000));
  co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
}

}  // namespace mfa::daemon
