// Listeners, signals and drain for mfad's HTTP server. Accept loops and signal handling run
// on one control strand; each connection runs on its own strand (see http_session.cc).
#include "daemon/src/http/http_server.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "daemon/core/base/bounded_file.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/policy/remote_address.h"
#include "daemon/src/auth/peer_cred.h"
#include "daemon/src/http/http_internal.h"
#include "daemon/src/os/log.h"
#include "daemon/src/os/metrics.h"
#include "daemon/src/os/unix_socket_file.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {

namespace {

using std::chrono::milliseconds;
constexpr std::int64_t kDrainDeadlineMs = 5000;
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr std::string_view kRefusal =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 71\r\n"
    "Connection: close\r\n\r\n"
    R"({"error":{"code":"unavailable","message":"too many connections, retry"}})";

// Over a limit: answer without buffering (non-blocking, best effort) and close.
void refuse(int fd, bool plain) {
  if (plain) (void)::send(fd, kRefusal.data(), kRefusal.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace

struct HttpServer::Impl {
  Impl(const DaemonConfig& c, const Router& r, Services& s, ServerHooks h)
      : ctx{c, r, s, *s.metrics, UnixBudget(c.http.unix_socket), TcpBudget(c.http.tcp)},
        hooks(std::move(h)) {
    ctx.handlers = &handlers;
  }

  ServerContext ctx;
  ServerHooks hooks;
  // The io_context is declared after everything coroutine frames refer to, and before the
  // I/O objects that need it, so destruction order is safe.
  net::io_context ioc;
  net::strand<net::io_context::executor_type> control = net::make_strand(ioc);
  // After ioc: destroyed (joined) first, so no handler completes into a destroyed io_context.
  net::thread_pool handlers{ctx.config.handler_threads};
  net::signal_set signals{control, SIGTERM, SIGINT, SIGHUP};
  std::optional<net::local::stream_protocol::acceptor> unix_acceptor;
  std::optional<net::ip::tcp::acceptor> tcp_acceptor;
  std::optional<net::ssl::context> tls;
  std::unique_ptr<UnixSocketFile> socket_file;

  Status open_unix();
  Status open_tcp();
  Status make_tls_context();
  net::awaitable<void> accept_unix();
  net::awaitable<void> accept_tcp();
  net::awaitable<void> handle_signals();
  net::awaitable<void> drain();
  net::awaitable<void> accept_backoff(const boost::system::error_code& ec);
};

Status HttpServer::Impl::open_unix() {
  auto file = UnixSocketFile::prepare(ctx.config.socket_path);
  if (!file) return fail(file.error());
  socket_file = std::move(*file);
  boost::system::error_code ec;
  unix_acceptor.emplace(ioc);
  net::local::stream_protocol::endpoint ep(ctx.config.socket_path);
  unix_acceptor->open(ep.protocol(), ec);
  if (!ec) {
    // fchmod on a socket fd does nothing (AltraMayor/gatekeeper#562): the mode comes from the
    // umask at bind(), then chmod on the path for good measure.
    const mode_t old = ::umask(static_cast<mode_t>(~ctx.config.socket_mode & 0777));
    unix_acceptor->bind(ep, ec);
    ::umask(old);
  }
  if (ec) {
    return fail(Errc::kUnavailable, "cannot bind " + ctx.config.socket_path + ": " + ec.message());
  }
  socket_file->mark_created();
  Status st = socket_file->apply_mode(ctx.config.socket_mode, ctx.config.socket_group);
  if (!st) return st;
  unix_acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail(Errc::kUnavailable, "cannot listen on " + ctx.config.socket_path);
  log_info("listening on unix socket " + quote(ctx.config.socket_path));
  return {};
}

Status HttpServer::Impl::make_tls_context() {
  const TcpListenerConfig& t = ctx.config.tcp;
  // The files are read here, bounded and checked on the open descriptor (bounded_file.h), and
  // handed to OpenSSL as memory; the key's PEM text sits only in a wiping buffer (OpenSSL
  // keeps its own parsed copy in the context).
  auto cert = read_bounded_file(
      t.tls_cert, {.max_bytes = limits::kMaxTlsCertFileBytes, .what = "listeners.tcp.tls.cert"});
  if (!cert) return fail(cert.error());
  auto key = read_bounded_secret_file(
      t.tls_key, {.max_bytes = limits::kMaxTlsKeyFileBytes, .what = "listeners.tcp.tls.key"});
  if (!key) return fail(key.error());
  std::string client_ca;
  if (!t.client_ca.empty()) {
    auto ca = read_bounded_file(
        t.client_ca, {.max_bytes = limits::kMaxCaFileBytes, .what = "listeners.tcp.tls.client_ca"});
    if (!ca) return fail(ca.error());
    client_ca = std::move(*ca);
  }
  try {
    tls.emplace(net::ssl::context::tls_server);
    // TLS 1.2 is the floor (RFC 8996 deprecates 1.0 and 1.1).
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    // TLS 1.2: forward-secret AEAD suites only (Mozilla "intermediate", without the DHE
    // suites, which would need DH parameters we do not configure). No CBC-SHA1 suites (Lucky
    // Thirteen, RFC 9325 section 4.2), no static RSA key exchange. TLS 1.3's defaults are
    // all AEAD already.
    if (SSL_CTX_set_cipher_list(tls->native_handle(), kTls12Ciphers) != 1) {
      return fail(Errc::kConfigInvalid, "TLS setup failed: the TLS 1.2 cipher list was refused");
    }
    tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::single_dh_use);
    tls->use_certificate_chain(net::buffer(*cert));
    tls->use_private_key(net::buffer(key->data(), key->size()), net::ssl::context::pem);
    if (!t.client_ca.empty()) {
      // The certificates of the file become trust anchors, as load_verify_file did (CRLs in
      // it were never checked: no X509_V_FLAG_CRL_CHECK).
      tls->add_certificate_authority(net::buffer(client_ca));
      tls->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
    }
  } catch (const boost::system::system_error& e) {
    return fail(Errc::kConfigInvalid,
                "TLS setup failed (" + t.tls_cert + ", " + t.tls_key + "): " + e.code().message());
  }
  return {};
}

Status HttpServer::Impl::open_tcp() {
  const TcpListenerConfig& t = ctx.config.tcp;
  if (t.tls()) MFA_TRY(make_tls_context());
  boost::system::error_code ec;
  const std::string host = t.address == "localhost" ? "127.0.0.1" : t.address;
  const auto addr = net::ip::make_address(host, ec);
  if (ec) {
    return fail(Errc::kConfigInvalid, "listeners.tcp.address: not an IP address: " + t.address);
  }
  net::ip::tcp::endpoint ep(addr, t.port);
  tcp_acceptor.emplace(ioc);
  tcp_acceptor->open(ep.protocol(), ec);
  if (!ec) tcp_acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) tcp_acceptor->bind(ep, ec);
  if (!ec) tcp_acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(Errc::kUnavailable, "cannot listen on " + t.address + ":" + std::to_string(t.port) +
                                        ": " + ec.message());
  }
  const unsigned port = tcp_acceptor->local_endpoint().port();
  log_info(std::string("listening on ") + (t.tls() ? "https://" : "http://") + host + ":" +
           std::to_string(port));
  if (t.port == 0 && !ctx.config.config_dir.empty()) {
    // Ephemeral port (tests): publish it atomically next to the config file.
    const std::string path = ctx.config.config_dir + "/tcp.port";
    const std::string tmp = path + ".tmp";
    { std::ofstream(tmp) << port << "\n"; }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      return fail(Errc::kUnavailable, "cannot write " + path);
    }
  }
  return {};
}

net::awaitable<void> HttpServer::Impl::accept_backoff(const boost::system::error_code& ec) {
  // EMFILE/ENFILE/ENOBUFS: let connections close, then accept again (no busy loop).
  log_warning("accept failed: " + ec.message());
  net::steady_timer t(control, milliseconds(100));
  boost::system::error_code ignored;
  co_await t.async_wait(net::redirect_error(net::use_awaitable, ignored));
}

net::awaitable<void> HttpServer::Impl::accept_unix() {
  for (;;) {
    UnixStream stream(net::make_strand(ioc));
    boost::system::error_code ec;
    co_await unix_acceptor->async_accept(stream.socket(),
                                         net::redirect_error(net::use_awaitable, ec));
    if (ctx.draining || !unix_acceptor->is_open()) co_return;
    if (ec) {
      co_await accept_backoff(ec);
      continue;
    }
    const int fd = stream.socket().native_handle();
    // The budget is checked on the bare uid, before the account lookups of unix_peer_caller.
    ucred cred{};
    socklen_t cred_len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 ||
        cred_len != sizeof cred) {
      continue;  // no credentials: close
    }
    if (!ctx.unix_budget.try_acquire(cred.uid)) {
      ctx.metrics.connection_refused();
      refuse(fd, true);
      continue;
    }
    auto caller = unix_peer_caller(fd, ctx.config.admin_group);
    if (!caller || caller->uid != cred.uid) {
      ctx.unix_budget.release(cred.uid);
      continue;
    }
    ConnInfo info;
    info.unix_caller = std::move(*caller);
    info.remote_addr = "unix";
    info.accepted = std::chrono::steady_clock::now();
    ctx.metrics.connection_opened();
    auto ex = stream.get_executor();
    net::co_spawn(ex, serve_unix(ctx, std::move(stream), std::move(info)), net::detached);
  }
}

net::awaitable<void> HttpServer::Impl::accept_tcp() {
  for (;;) {
    TcpStream stream(net::make_strand(ioc));
    boost::system::error_code ec;
    co_await tcp_acceptor->async_accept(stream.socket(),
                                        net::redirect_error(net::use_awaitable, ec));
    if (ctx.draining || !tcp_acceptor->is_open()) co_return;
    if (ec) {
      co_await accept_backoff(ec);
      continue;
    }
    ConnInfo info;
    info.tcp = true;
    const auto peer = stream.socket().remote_endpoint(ec).address();
    if (ec) continue;
    // One spelling per address (a dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d):
    // it keys the per-peer budget and the address lockout.
    auto canonical = core::canonical_ip(peer.to_string());
    info.remote_addr = canonical ? std::move(*canonical) : peer.to_string();
    info.accepted = std::chrono::steady_clock::now();
    info.shed = std::make_shared<ShedHandle>();
    // Closing a shed connection runs on its own strand, where its session uses the stream.
    auto shed = [ex = stream.get_executor(), h = info.shed] {
      net::post(ex, [h] {
        h->shed = true;
        if (h->stream != nullptr) h->stream->close();
      });
    };
    TcpBudget::Admission admission = ctx.tcp_budget.admit(info.remote_addr, std::move(shed));
    if (admission.id == 0) {
      ctx.metrics.connection_refused();
      refuse(stream.socket().native_handle(), !tls.has_value());
      continue;
    }
    if (admission.victim) {
      ctx.metrics.connection_shed();
      admission.victim();
    }
    info.tcp_slot = admission.id;
    ctx.metrics.connection_opened();
    auto ex = stream.get_executor();
    if (tls) {
      net::co_spawn(ex, serve_tls(ctx, TlsStream(std::move(stream), *tls), std::move(info)),
                    net::detached);
    } else {
      net::co_spawn(ex, serve_tcp(ctx, std::move(stream), std::move(info)), net::detached);
    }
  }
}

net::awaitable<void> HttpServer::Impl::handle_signals() {
  for (;;) {
    boost::system::error_code ec;
    const int sig = co_await signals.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    if (sig == SIGHUP) {
      // A throwing hook must not end this loop: later SIGHUPs and SIGTERM depend on it.
      try {
        if (!hooks.reload) {
          log_info("SIGHUP: reload requested");
        } else if (auto outcome = hooks.reload()) {
          log_info("SIGHUP: " + *outcome);
        } else {
          log_warning("SIGHUP: " + outcome.error().context);  // the old policy still serves
        }
      } catch (const std::exception& e) {
        log_error(std::string("SIGHUP: reload failed: ") + e.what());
      }
      continue;
    }
    // The flag is up before the line is logged: a request read after it gets Connection: close.
    ctx.draining = true;
    log_info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", draining");
    if (hooks.draining) hooks.draining();
    co_await drain();
    co_return;
  }
}

net::awaitable<void> HttpServer::Impl::drain() {
  boost::system::error_code ec;
  if (unix_acceptor) unix_acceptor->close(ec);
  if (tcp_acceptor) tcp_acceptor->close(ec);
  signals.cancel(ec);
  // In-flight requests finish and answer with Connection: close; idle keep-alive
  // connections are dropped when the loop stops.
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(kDrainDeadlineMs);
  net::steady_timer t(control);
  while (ctx.metrics.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    t.expires_after(milliseconds(20));
    co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  if (ctx.metrics.in_flight() > 0) log_warning("drain deadline reached with requests in flight");
  // Let the last responses reach the socket before stopping.
  t.expires_after(milliseconds(50));
  co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
  ioc.stop();
}

HttpServer::HttpServer(const DaemonConfig& config, const Router& router, Services& services,
                       ServerHooks hooks)
    : impl_(std::make_unique<Impl>(config, router, services, std::move(hooks))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() {
  MFA_TRY(impl_->open_unix());
  if (impl_->ctx.config.tcp.enabled) MFA_TRY(impl_->open_tcp());
  return {};
}

void HttpServer::run() {
  Impl& s = *impl_;
  net::co_spawn(s.control, s.handle_signals(), net::detached);
  net::co_spawn(s.control, s.accept_unix(), net::detached);
  if (s.tcp_acceptor) net::co_spawn(s.control, s.accept_tcp(), net::detached);
  const unsigned n = std::max(1u, s.ctx.config.worker_threads);
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < n; ++i) threads.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : threads) t.join();
  // Handlers still running past the drain deadline finish their store call; their responses
  // go nowhere (the io_context is stopped).
  s.handlers.join();
  log_info("stopped");
}

}  // namespace mfa::daemon
