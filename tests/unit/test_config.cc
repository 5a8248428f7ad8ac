// mfad.yaml loader: a full valid config, defaults, unknown keys and wrong types named with file,
// line and dotted key, oversized files, and the TLS rule for TCP listeners.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <unistd.h>

#include "daemon/core/config/config.h"

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using namespace mfa;

namespace {

Result<DaemonConfig> parse(const std::string& text) {
  return parse_daemon_config(text, "mfad.yaml", "/etc/mfad");
}

void expect_error(const std::string& text, const char* needle) {
  auto r = parse(text);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kConfigInvalid));
  if (r.error().context.find(needle) == std::string::npos) {
    print_error("error '%s' does not contain '%s'\n", r.error().context.c_str(), needle);
    fail();
  }
}

void test_valid_full(void**) {
  auto r = parse(R"(
worker_threads: 8
handler_threads: 128
log: {target: journal, level: warning}
listeners:
  unix: {path: /run/mfad/mfad.sock, mode: "0660", group: mfa-users}
  tcp:
    address: 0.0.0.0
    port: 8443
    tls: {cert: tls/cert.pem, key: /etc/mfad/tls/key.pem, client_ca: ca.pem}
http:
  request_timeout_ms: 2000
  first_byte_timeout_ms: 3000
  tls_handshake_timeout_ms: 4000
  unix: {max_connections: 100, max_connections_per_uid: 5, root_reserve: 30}
  tcp: {max_connections: 200, max_connections_per_address: 10}
store: {sqlite: /var/lib/mfad/mfad.db}
keys: {file: /etc/mfad/secret.key}
policy: {file: policy.yaml}
totp: {issuer: "ACME Corp"}
admin_group: wheel
)");
  if (!r) print_error("%s\n", r.error().context.c_str());
  assert_true(r.has_value());
  const DaemonConfig& c = *r;
  assert_int_equal(c.worker_threads, 8);
  assert_int_equal(c.handler_threads, 128);
  assert_true(c.log_target == LogTarget::kJournal);
  assert_string_equal(c.log_level.c_str(), "warning");
  assert_int_equal(c.socket_mode, 0660);
  assert_string_equal(c.socket_group.c_str(), "mfa-users");
  assert_true(c.tcp.enabled);
  assert_true(c.tcp.tls());
  assert_int_equal(c.tcp.port, 8443);
  assert_string_equal(c.tcp.tls_cert.c_str(), "/etc/mfad/tls/cert.pem");  // relative: config dir
  assert_string_equal(c.tcp.client_ca.c_str(), "/etc/mfad/ca.pem");
  assert_string_equal(c.policy_file.c_str(), "/etc/mfad/policy.yaml");
  assert_int_equal(c.http.request_timeout_ms, 2000);
  assert_int_equal(c.http.first_byte_timeout_ms, 3000);
  assert_int_equal(c.http.tls_handshake_timeout_ms, 4000);
  assert_int_equal(c.http.unix_socket.max_connections, 100);
  assert_int_equal(c.http.unix_socket.max_connections_per_uid, 5);
  assert_int_equal(c.http.unix_socket.root_reserve, 30);
  assert_int_equal(c.http.tcp.max_connections, 200);
  assert_int_equal(c.http.tcp.max_connections_per_address, 10);
  assert_true(c.warnings.empty());
  assert_string_equal(c.totp_issuer.c_str(), "ACME Corp");
  assert_string_equal(c.admin_group.c_str(), "wheel");
}

void test_per_app_issuer(void**) {
  auto r = parse("totp:\n  issuer: ACME\n  apps:\n    shop: {issuer: Shop Web}\n    billing: {}\n");
  assert_true(r.has_value());
  assert_string_equal(r->totp_issuer.c_str(), "ACME");
  assert_string_equal(r->totp_app_issuers.at("shop").c_str(), "Shop Web");
  assert_string_equal(r->totp_app_issuers.at("billing").c_str(), "ACME");  // the global one
  assert_false(parse("totp: {apps: {shop: {issuer: 'a:b'}}}\n").has_value());
  assert_false(parse("totp: {apps: {shop: {label: x}}}\n").has_value());
}

void test_defaults(void**) {
  auto r = parse("dev_mode: false\n");
  assert_true(r.has_value());
  assert_string_equal(r->socket_path.c_str(), "/run/mfad/mfad.sock");
  assert_int_equal(r->socket_mode, 0666);
  assert_false(r->tcp.enabled);
  assert_string_equal(r->totp_issuer.c_str(), "mfad");
  assert_string_equal(r->admin_group.c_str(), "mfa-admin");
}

// Issue 10: the socket and TCP have separate budgets; the old shared keys now mean TCP only.
void test_connection_budgets(void**) {
  auto d = parse("dev_mode: false\n");
  assert_true(d.has_value());
  assert_int_equal(d->http.unix_socket.max_connections, 1024);
  assert_int_equal(d->http.unix_socket.max_connections_per_uid, 64);
  assert_int_equal(d->http.unix_socket.root_reserve, 256);
  assert_int_equal(d->http.tcp.max_connections, 4096);
  assert_int_equal(d->http.tcp.max_connections_per_address, 512);
  assert_int_equal(d->http.first_byte_timeout_ms, 10000);
  assert_int_equal(d->http.tls_handshake_timeout_ms, 5000);
  // Deprecated spellings: accepted for TCP, with a warning; the socket keeps its defaults.
  auto old = parse("http: {max_connections: 300, max_connections_per_peer: 7}\n");
  if (!old) print_error("%s\n", old.error().context.c_str());
  assert_true(old.has_value());
  assert_int_equal(old->http.tcp.max_connections, 300);
  assert_int_equal(old->http.tcp.max_connections_per_address, 7);
  assert_int_equal(old->http.unix_socket.max_connections, 1024);
  assert_int_equal(old->warnings.size(), 2);
  assert_non_null(strstr(old->warnings[1].c_str(), "http.max_connections_per_peer is deprecated"));
  expect_error("http:\n  max_connections: 3\n  tcp: {max_connections: 4}\n",
               "mfad.yaml:2: http.max_connections: replaced by http.tcp.max_connections");
  // A small socket budget scales its default reserve; an explicit one must leave a share.
  auto small = parse("http: {unix: {max_connections: 8}}\n");
  assert_true(small.has_value());
  assert_int_equal(small->http.unix_socket.root_reserve, 2);
  expect_error("http: {unix: {max_connections: 8, root_reserve: 8}}\n",
               "http.unix.root_reserve: must be less than http.unix.max_connections");
  expect_error("http: {unix: {max_connections_per_uid: 0}}\n",
               "http.unix.max_connections_per_uid: expected an integer 1-1000000");
  expect_error("http: {tcp: {max_connections_per_peer: 3}}\n",
               "http.tcp.max_connections_per_peer: unknown key");
  expect_error("http: {tls_handshake_timeout_ms: 10}\n",
               "http.tls_handshake_timeout_ms: expected an integer 100-600000");
}

void test_unknown_key(void**) {
  expect_error("log: {target: stderr}\nlisteners:\n  unix: {path: /x.sock}\n  tcpp: {}\n",
               "mfad.yaml:4: listeners.tcpp: unknown key");
  expect_error("stor: {}\n", "mfad.yaml:1: stor: unknown key");
}

void test_wrong_type(void**) {
  expect_error("listeners:\n  tcp:\n    tls: {cert: a, key: b}\n    port: eighty\n",
               "mfad.yaml:4: listeners.tcp.port: expected an integer 0-65535");
  expect_error("listeners:\n  tcp:\n    tls: {cert: a, key: b}\n    port: 70000\n",
               "mfad.yaml:4: listeners.tcp.port: expected an integer 0-65535");
  expect_error("dev_mode: maybe\n", "mfad.yaml:1: dev_mode: expected true or false");
  expect_error("listeners:\n  unix: {mode: \"0999\"}\n", "mfad.yaml:2: listeners.unix.mode");
  expect_error("log: {target: file}\n", "mfad.yaml:1: log.target: expected stderr or journal");
  expect_error("store: [a, b]\n", "mfad.yaml:1: store: expected a mapping");
  expect_error("listeners: {unix: {path: [x]}}\n", "listeners.unix.path: expected a string");
  expect_error("a: [unclosed\n", "mfad.yaml:");
  expect_error("handler_threads: 0\n", "mfad.yaml:1: handler_threads");
  expect_error("handler_threads: 5000\n", "mfad.yaml:1: handler_threads");
}

void test_tls_rules(void**) {
  // Plain TCP outside dev mode, or off loopback: refused.
  expect_error("listeners: {tcp: {address: 127.0.0.1, port: 1}}\n", "TLS is required");
  expect_error("dev_mode: true\nlisteners: {tcp: {address: 0.0.0.0, port: 1, plain_http: true}}\n",
               "loopback");
  expect_error("listeners: {tcp: {address: 127.0.0.1, port: 1, plain_http: true}}\n", "dev mode");
  expect_error("listeners: {tcp: {tls: {cert: a}}}\n", "cert and key");
  auto ok =
      parse("dev_mode: true\nlisteners: {tcp: {address: 127.0.0.1, port: 0, plain_http: true}}\n");
  assert_true(ok.has_value());
  assert_int_equal(ok->tcp.port, 0);
}

void test_file_limits(void**) {
  char path[] = "/tmp/mfad-config-XXXXXX";
  const int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "dev_mode: false\n# " << std::string(limits::kMaxConfigFileBytes, 'x') << "\n";
  }
  auto r = load_daemon_config(path);
  assert_false(r.has_value());
  assert_true(r.error().context.find("larger than") != std::string::npos);
  {
    std::ofstream out(path);
    out << "worker_threads: 3\n";
  }
  auto ok = load_daemon_config(path);
  assert_true(ok.has_value());
  assert_int_equal(ok->worker_threads, 3);
  std::remove(path);
  auto missing = load_daemon_config("/nonexistent/mfad.yaml");
  assert_false(missing.has_value());
  assert_true(missing.error().context.find("/nonexistent/mfad.yaml") != std::string::npos);
}

// fido2: (local security keys): off without the section, on with it, values checked.
void test_fido2(void**) {
  auto off = parse("dev_mode: false\n");
  assert_true(off.has_value());
  assert_false(off->fido2.enabled);
  auto bare = parse("fido2:\n");
  assert_true(bare.has_value());
  assert_true(bare->fido2.enabled);
  assert_true(bare->fido2.device.empty());
  assert_false(bare->fido2.uv_required());
  auto r = parse(
      "fido2: {device: 'unix:/run/key.sock', rp_id: 'pam://desk', user_verification: required, "
      "timeout_ms: 15000, refuse_sign_count_regression: false}\n");
  if (!r) print_error("%s\n", r.error().context.c_str());
  assert_true(r.has_value());
  assert_string_equal(r->fido2.device.c_str(), "unix:/run/key.sock");
  assert_string_equal(r->fido2.rp_id.c_str(), "pam://desk");
  assert_true(r->fido2.uv_required());
  assert_int_equal(r->fido2.timeout_ms, 15000);
  assert_false(r->fido2.refuse_sign_count_regression);
  assert_true(parse("fido2: {device: /dev/hidraw3}\n").has_value());
  expect_error("fido2: {device: hidraw3}\n", "fido2.device: expected empty");
  expect_error("fido2: {device: 'unix:relative.sock'}\n", "fido2.device");
  expect_error("fido2: {user_verification: preferred}\n",
               "fido2.user_verification: expected required or discouraged");
  expect_error("fido2: {timeout_ms: 500}\n", "fido2.timeout_ms: expected an integer");
  expect_error("fido2: {pin: 1234}\n", "fido2.pin: unknown key");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_full),         cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_per_app_issuer),     cmocka_unit_test(test_unknown_key),
      cmocka_unit_test(test_wrong_type),         cmocka_unit_test(test_tls_rules),
      cmocka_unit_test(test_file_limits),        cmocka_unit_test(test_fido2),
      cmocka_unit_test(test_connection_budgets),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
