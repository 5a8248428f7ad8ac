#include "cli/http_client.h"

#include <utility>  // before asio (Boost 1.74)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdlib>

namespace mfa::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr std::uint64_t kMaxResponseBody = 16 * 1024 * 1024;

// MFACTL_TIMEOUT (whole seconds, 1-3600) or 30 s; anything else falls back to 30 s.
std::chrono::seconds request_timeout() {
  const char* env = std::getenv("MFACTL_TIMEOUT");
  if (env == nullptr || *env == '\0') return std::chrono::seconds(30);
  char* end = nullptr;
  const long v = std::strtol(env, &end, 10);
  if (*end != '\0' || v < 1 || v > 3600) return std::chrono::seconds(30);
  return std::chrono::seconds(v);
}
}  // namespace

// The deadline covers connect, send and receive: beast::basic_stream applies expires_after()
// to its own asynchronous operations only (the synchronous ones on .socket() ignore it), so
// the request runs asynchronously on a private io_context. A daemon that accepts and never
// answers (SIGSTOPped, wedged) gets "timed out" instead of hanging mfactl forever.
Result<HttpResult> request(const std::string& socket, const std::string& method,
                           const std::string& target, const std::string& json_body) {
  net::io_context ioc;
  beast::basic_stream<net::local::stream_protocol> stream(ioc);
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "mfad");
  req.set(http::field::user_agent, "mfactl");
  req.set(http::field::accept, "application/json");
  req.keep_alive(false);
  if (!json_body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = json_body;
  }
  req.prepare_payload();

  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  beast::error_code ec;
  std::string stage = "cannot connect to ";
  const auto timeout = request_timeout();
  stream.expires_after(timeout);
  stream.async_connect(net::local::stream_protocol::endpoint(socket), [&](beast::error_code e) {
    if ((ec = e)) return;
    stage = "sending to ";
    http::async_write(stream, req, [&](beast::error_code e2, std::size_t) {
      if ((ec = e2)) return;
      stage = "reading from ";
      http::async_read(stream, buf, parser, [&](beast::error_code e3, std::size_t) { ec = e3; });
    });
  });
  ioc.run();
  if (ec == beast::error::timeout) {
    return fail(Errc::kUnavailable,
                stage + socket + ": timed out after " + std::to_string(timeout.count()) + " s");
  }
  if (ec) return fail(Errc::kUnavailable, stage + socket + ": " + ec.message());
  const auto& res = parser.get();
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = res.body();
  return out;
}

}  // namespace mfa::cli
