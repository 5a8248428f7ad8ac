#include "cli/http_client.h"

#include <utility>  // before asio (Boost 1.74)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace mfa::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto kTimeout = std::chrono::seconds(30);
constexpr std::uint64_t kMaxResponseBody = 16 * 1024 * 1024;
}  // namespace

Result<HttpResult> request(const std::string& socket, const std::string& method,
                           const std::string& target, const std::string& json_body) {
  net::io_context ioc;
  beast::basic_stream<net::local::stream_protocol> stream(ioc);
  beast::error_code ec;
  stream.expires_after(kTimeout);
  stream.socket().connect(net::local::stream_protocol::endpoint(socket), ec);
  if (ec) return fail(Errc::kUnavailable, "cannot connect to " + socket + ": " + ec.message());

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
  http::write(stream.socket(), req, ec);
  if (ec) return fail(Errc::kUnavailable, "sending to " + socket + ": " + ec.message());

  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  http::read(stream.socket(), buf, parser, ec);
  if (ec) return fail(Errc::kUnavailable, "reading from " + socket + ": " + ec.message());
  const auto& res = parser.get();
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = res.body();
  return out;
}

}  // namespace mfa::cli
