// The yaml-cpp adapter for mfad.yaml (the one file of the daemon config that sees yaml-cpp).
// yaml-cpp throws; every exception is caught here and becomes a kConfigInvalid error that
// names the file, the line and the dotted key (style.md section 5.4).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string_view>

#include "daemon/core/base/bounded_file.h"
#include "daemon/core/config/config.h"
#include "daemon/core/webauthn/webauthn_attestation.h"

namespace mfa {
namespace {

class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  bool failed() const { return err_.has_value(); }
  Error error() const { return *err_; }

  void fail(const YAML::Mark& mark, const std::string& key, const std::string& what) {
    if (err_) return;
    std::string where = name_;
    if (!mark.is_null()) where += ":" + std::to_string(mark.line + 1);
    err_ = make_error(Errc::kConfigInvalid, where + ": " + key + ": " + what);
  }

  // Requires a mapping whose keys are all in `allowed`.
  bool mapping(const YAML::Node& n, const std::string& prefix,
               std::initializer_list<std::string_view> allowed) {
    if (!n.IsMap()) {
      fail(n.Mark(), prefix.empty() ? "(top level)" : prefix, "expected a mapping");
      return false;
    }
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      bool known = false;
      for (auto a : allowed) known = known || a == k;
      if (!known) {
        fail(kv.first.Mark(), join(prefix, k), "unknown key");
        return false;
      }
    }
    return true;
  }

  void str(const YAML::Node& map, const std::string& prefix, const char* key, std::string& out) {
    const YAML::Node n = map[key];
    if (!n) return;
    if (!n.IsScalar()) return fail(n.Mark(), join(prefix, key), "expected a string");
    out = n.Scalar();
  }

  void boolean(const YAML::Node& map, const std::string& prefix, const char* key, bool& out) {
    const YAML::Node n = map[key];
    if (!n) return;
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
      return fail(n.Mark(), join(prefix, key), "expected true or false");
    }
    out = v;
  }

  template <class T>
  void integer(const YAML::Node& map, const std::string& prefix, const char* key, long long lo,
               long long hi, T& out) {
    const YAML::Node n = map[key];
    if (!n) return;
    const std::string what = "expected an integer " + std::to_string(lo) + "-" + std::to_string(hi);
    if (!n.IsScalar()) return fail(n.Mark(), join(prefix, key), what);
    const std::string& s = n.Scalar();
    long long v = 0;
    std::size_t used = 0;
    try {
      v = std::stoll(s, &used, 10);
    } catch (const std::exception&) {
      return fail(n.Mark(), join(prefix, key), what);
    }
    if (used != s.size() || v < lo || v > hi) return fail(n.Mark(), join(prefix, key), what);
    out = static_cast<T>(v);
  }

  void mode(const YAML::Node& map, const std::string& prefix, const char* key, mode_t& out) {
    const YAML::Node n = map[key];
    if (!n) return;
    const std::string what = "expected an octal file mode such as \"0660\"";
    if (!n.IsScalar() || n.Scalar().empty() || n.Scalar().size() > 4) {
      return fail(n.Mark(), join(prefix, key), what);
    }
    unsigned v = 0;
    for (char c : n.Scalar()) {
      if (c < '0' || c > '7') return fail(n.Mark(), join(prefix, key), what);
      v = v * 8 + static_cast<unsigned>(c - '0');
    }
    out = static_cast<mode_t>(v);
  }

  static std::string join(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
  }

 private:
  std::string name_;
  std::optional<Error> err_;
};

std::string resolve(const std::string& dir, const std::string& p) {
  if (p.empty() || p.front() == '/' || dir.empty() || p == ":memory:") return p;
  return (std::filesystem::path(dir) / p).lexically_normal().string();
}

void read_listeners(Reader& r, const YAML::Node& l, DaemonConfig& c) {
  if (!r.mapping(l, "listeners", {"unix", "tcp"})) return;
  if (const YAML::Node u = l["unix"]) {
    if (!r.mapping(u, "listeners.unix", {"path", "mode", "group"})) return;
    r.str(u, "listeners.unix", "path", c.socket_path);
    r.mode(u, "listeners.unix", "mode", c.socket_mode);
    r.str(u, "listeners.unix", "group", c.socket_group);
  }
  if (const YAML::Node t = l["tcp"]) {
    const std::string p = "listeners.tcp";
    if (!r.mapping(t, p, {"enabled", "address", "port", "tls", "plain_http"})) return;
    c.tcp.enabled = true;  // a tcp section means a TCP listener unless `enabled: false`
    r.boolean(t, p, "enabled", c.tcp.enabled);
    r.str(t, p, "address", c.tcp.address);
    r.integer(t, p, "port", 0, 65535, c.tcp.port);
    r.boolean(t, p, "plain_http", c.tcp.plain_http);
    if (const YAML::Node tls = t["tls"]) {
      if (!r.mapping(tls, p + ".tls", {"cert", "key", "client_ca"})) return;
      r.str(tls, p + ".tls", "cert", c.tcp.tls_cert);
      r.str(tls, p + ".tls", "key", c.tcp.tls_key);
      r.str(tls, p + ".tls", "client_ca", c.tcp.client_ca);
    }
  }
}

// A mapping of strings to strings, in file order (SMS headers and body fields).
void read_pairs(Reader& r, const YAML::Node& n, const std::string& key,
                std::vector<std::pair<std::string, std::string>>& out) {
  if (!n.IsMap()) return r.fail(n.Mark(), key, "expected a mapping of strings");
  for (const auto& kv : n) {
    const std::string k = kv.first.Scalar();
    if (!kv.second.IsScalar()) {
      return r.fail(kv.second.Mark(), Reader::join(key, k), "expected a string");
    }
    const std::string v = kv.second.Scalar();
    // Header injection: a CR or LF would start a new header or the body.
    if (k.empty() || k.find_first_of("\r\n:") != std::string::npos ||
        v.find_first_of("\r\n") != std::string::npos) {
      return r.fail(kv.first.Mark(), Reader::join(key, k), "no line breaks or colons allowed");
    }
    out.emplace_back(k, v);
  }
}

void read_template(Reader& r, const YAML::Node& n, const std::string& p, MessageTemplate& t) {
  r.str(n, p, "subject", t.subject);
  r.str(n, p, "body", t.body);
  if (t.subject.find_first_of("\r\n") != std::string::npos) {
    r.fail(n["subject"].Mark(), p + ".subject", "no line breaks allowed");
  }
}

// URL scheme check; credentials in a URL would end up in error messages and logs.
bool url_ok(Reader& r, const YAML::Node& n, const std::string& key, const std::string& url,
            std::initializer_list<std::string_view> schemes) {
  bool scheme = false;
  for (auto sc : schemes) scheme = scheme || url.rfind(std::string(sc) + "://", 0) == 0;
  const std::size_t start = url.find("://");
  const std::string rest = start == std::string::npos ? "" : url.substr(start + 3);
  if (!scheme || rest.empty() || rest.substr(0, rest.find('/')).find('@') != std::string::npos) {
    std::string list;
    for (auto sc : schemes) list += (list.empty() ? "" : " or ") + std::string(sc) + "://";
    r.fail(n.Mark(), key, "expected a " + list + " URL without credentials");
    return false;
  }
  return true;
}

std::string url_host(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

void read_delivery(Reader& r, const YAML::Node& d, DeliveryConfig& c) {
  if (!r.mapping(d, "delivery", {"smtp", "sms", "timeout_ms", "retries", "workers", "queue"})) {
    return;
  }
  r.integer(d, "delivery", "timeout_ms", 100, 120'000, c.timeout_ms);
  r.integer(d, "delivery", "retries", 0, 5, c.retries);
  r.integer(d, "delivery", "workers", 1, 64, c.workers);
  r.integer(d, "delivery", "queue", 1, 100'000, c.queue);
  if (const YAML::Node m = d["smtp"]) {
    const std::string p = "delivery.smtp";
    if (!r.mapping(m, p,
                   {"url", "starttls", "ca_file", "username", "password_file", "from", "subject",
                    "body", "apps"})) {
      return;
    }
    SmtpConfig& s = c.smtp;
    s.enabled = true;
    r.str(m, p, "url", s.url);
    r.str(m, p, "starttls", s.starttls);
    r.str(m, p, "ca_file", s.ca_file);
    r.str(m, p, "username", s.username);
    r.str(m, p, "password_file", s.password_file);
    r.str(m, p, "from", s.from);
    read_template(r, m, p, s.message);
    if (r.failed()) return;
    if (!m["url"]) return r.fail(m.Mark(), p + ".url", "required");
    if (!url_ok(r, m["url"], p + ".url", s.url, {"smtp", "smtps"})) return;
    if (s.starttls != "required" && s.starttls != "optional" && s.starttls != "off") {
      return r.fail(m["starttls"].Mark(), p + ".starttls", "expected required, optional or off");
    }
    const std::size_t at = s.from.find('@');
    if (at == std::string::npos || s.from.find_first_of("\r\n") != std::string::npos) {
      return r.fail(m["from"] ? m["from"].Mark() : m.Mark(), p + ".from",
                    "expected an address such as \"mfad <mfa@example.com>\"");
    }
    if (!s.password_file.empty() && s.username.empty()) {
      return r.fail(m["password_file"].Mark(), p + ".password_file", "needs username");
    }
    // AUTH sends the password: over TLS only (smtps://, or STARTTLS required so that a
    // stripped STARTTLS cannot downgrade it to cleartext; RFC 3207 section 4.1), unless the
    // server is on this host.
    if (!s.username.empty() && s.url.rfind("smtp://", 0) == 0 && s.starttls != "required" &&
        !is_loopback_address(url_host(s.url))) {
      return r.fail(m["username"].Mark(), p + ".username",
                    "AUTH needs smtps:// or starttls: required");
    }
    if (const YAML::Node apps = m["apps"]) {
      if (!apps.IsMap()) return r.fail(apps.Mark(), p + ".apps", "expected a mapping of apps");
      for (const auto& kv : apps) {
        const std::string ap = p + ".apps." + kv.first.Scalar();
        if (!r.mapping(kv.second, ap, {"subject", "body"})) return;
        MessageTemplate t = s.message;
        read_template(r, kv.second, ap, t);
        s.apps.emplace_back(kv.first.Scalar(), t);
      }
    }
  }
  if (const YAML::Node m = d["sms"]) {
    const std::string p = "delivery.sms";
    if (!r.mapping(m, p, {"url", "method", "headers", "format", "body", "ca_file"})) return;
    SmsGatewayConfig& s = c.sms;
    s.enabled = true;
    r.str(m, p, "url", s.url);
    r.str(m, p, "method", s.method);
    r.str(m, p, "format", s.format);
    r.str(m, p, "ca_file", s.ca_file);
    if (const YAML::Node h = m["headers"]) read_pairs(r, h, p + ".headers", s.headers);
    if (const YAML::Node b = m["body"]) read_pairs(r, b, p + ".body", s.body);
    if (r.failed()) return;
    if (!m["url"]) return r.fail(m.Mark(), p + ".url", "required");
    if (!url_ok(r, m["url"], p + ".url", s.url, {"https", "http"})) return;
    // The request carries the code (and usually an API token): TLS unless it stays on the host.
    if (s.url.rfind("http://", 0) == 0 && !is_loopback_address(url_host(s.url))) {
      return r.fail(m["url"].Mark(), p + ".url", "http:// is allowed only to a loopback host");
    }
    if (s.method != "POST" && s.method != "PUT") {
      return r.fail(m["method"].Mark(), p + ".method", "expected POST or PUT");
    }
    if (s.format != "form" && s.format != "json") {
      return r.fail(m["format"].Mark(), p + ".format", "expected form or json");
    }
    if (s.body.empty()) {
      return r.fail(m.Mark(), p + ".body", "required (fields with {phone}, {code})");
    }
  }
}

// fido2: {device, rp_id, user_verification, timeout_ms, refuse_sign_count_regression}
// (fido2_config.h). The section's presence turns local security keys on.
void read_fido2(Reader& r, const YAML::Node& n, Fido2Config& f) {
  const std::string p = "fido2";
  f.enabled = true;
  if (n.IsNull()) return;  // `fido2:` alone: every default
  if (!r.mapping(
          n, p,
          {"device", "rp_id", "user_verification", "timeout_ms", "refuse_sign_count_regression"})) {
    return;
  }
  r.str(n, p, "device", f.device);
  r.str(n, p, "rp_id", f.rp_id);
  r.str(n, p, "user_verification", f.user_verification);
  // The PAM module waits at most 120 s for a `wait` step (client/limits.h kMaxTimeoutMs),
  // and the daemon adds a margin to the touch timeout: 110 s keeps the module waiting longer.
  r.integer(n, p, "timeout_ms", 1'000, 110'000, f.timeout_ms);
  r.boolean(n, p, "refuse_sign_count_regression", f.refuse_sign_count_regression);
  if (r.failed()) return;
  // unix: paths must fit sockaddr_un (108 bytes with "unix:" removed and a NUL).
  const bool dev_ok = f.device.empty() ||
                      (f.device.rfind("unix:/", 0) == 0 && f.device.size() < 108) ||
                      (f.device.rfind("/dev/", 0) == 0 && f.device.size() < 256);
  if (!dev_ok) {
    return r.fail(n["device"].Mark(), p + ".device",
                  "expected empty (first key found), /dev/hidrawN or unix:/absolute/path");
  }
  if (f.rp_id.size() > 253) return r.fail(n["rp_id"].Mark(), p + ".rp_id", "too long");
  if (f.user_verification != "required" && f.user_verification != "discouraged") {
    return r.fail(n["user_verification"].Mark(), p + ".user_verification",
                  "expected required or discouraged");
  }
}

// webauthn: {rp_id, rp_name, origins: [...], user_verification, attestation,
// refuse_sign_count_regression, timeout_ms, enroll_link_ttl_s, attestation_roots: [PEM files],
// require_trusted_attestation}
void read_webauthn(Reader& r, const YAML::Node& n, WebAuthnConfig& w) {
  const std::string p = "webauthn";
  if (!r.mapping(n, p,
                 {"rp_id", "rp_name", "origins", "user_verification", "attestation",
                  "refuse_sign_count_regression", "timeout_ms", "enroll_link_ttl_s",
                  "attestation_roots", "require_trusted_attestation"})) {
    return;
  }
  r.str(n, p, "rp_id", w.rp_id);
  r.str(n, p, "rp_name", w.rp_name);
  r.str(n, p, "user_verification", w.user_verification);
  r.str(n, p, "attestation", w.attestation);
  r.boolean(n, p, "refuse_sign_count_regression", w.refuse_sign_count_regression);
  r.integer(n, p, "timeout_ms", 30'000, 600'000, w.timeout_ms);
  r.integer(n, p, "enroll_link_ttl_s", 60, 7 * 86400, w.enroll_link_ttl_s);
  r.boolean(n, p, "require_trusted_attestation", w.require_trusted_attestation);
  if (const YAML::Node o = n["attestation_roots"]) {
    if (!o.IsSequence() || o.size() > 64) {
      return r.fail(o.Mark(), p + ".attestation_roots", "expected a list of up to 64 PEM files");
    }
    for (const auto& e : o) {
      if (!e.IsScalar() || e.Scalar().empty()) {
        return r.fail(e.Mark(), p + ".attestation_roots", "expected a file path");
      }
      w.attestation_roots.push_back(e.Scalar());
    }
  }
  if (w.require_trusted_attestation && w.attestation_roots.empty()) {
    return r.fail(n.Mark(), p + ".require_trusted_attestation", "needs attestation_roots");
  }
  if (w.require_trusted_attestation && w.attestation != "direct") {
    return r.fail(n.Mark(), p + ".attestation",
                  "require_trusted_attestation needs attestation: direct");
  }
  if (const YAML::Node o = n["origins"]) {
    if (!o.IsSequence()) return r.fail(o.Mark(), p + ".origins", "expected a list of origins");
    for (const auto& e : o) {
      const std::string v = e.IsScalar() ? e.Scalar() : std::string();
      // An origin is scheme://host[:port]: no path, no trailing slash (WebAuthn compares
      // the serialized origin exactly).
      const bool ok = (v.rfind("https://", 0) == 0 || v.rfind("http://", 0) == 0) &&
                      v.find('/', v.find("//") + 2) == std::string::npos && v.size() <= 256;
      if (!ok)
        return r.fail(e.Mark(), p + ".origins", "expected scheme://host[:port], got '" + v + "'");
      w.origins.push_back(v);
    }
  }
  if (w.user_verification != "required" && w.user_verification != "preferred" &&
      w.user_verification != "discouraged") {
    return r.fail(n["user_verification"].Mark(), p + ".user_verification",
                  "expected required, preferred or discouraged");
  }
  if (w.attestation != "none" && w.attestation != "direct") {
    return r.fail(n["attestation"].Mark(), p + ".attestation", "expected none or direct");
  }
}

void read_unix_budget(Reader& r, const YAML::Node& u, UnixConnectionLimits& l) {
  const std::string p = "http.unix";
  if (!r.mapping(u, p, {"max_connections", "max_connections_per_uid", "root_reserve"})) return;
  r.integer(u, p, "max_connections", 1, 1'000'000, l.max_connections);
  r.integer(u, p, "max_connections_per_uid", 1, 1'000'000, l.max_connections_per_uid);
  // Unset, the reserve follows a smaller total (a quarter of it at most).
  l.root_reserve = std::min(limits::kUnixRootReserve, l.max_connections / 4);
  r.integer(u, p, "root_reserve", 0, 1'000'000, l.root_reserve);
  if (!r.failed() && l.root_reserve >= l.max_connections) {
    r.fail(u["root_reserve"].Mark(), p + ".root_reserve",
           "must be less than http.unix.max_connections (non-root uids need a share)");
  }
}

// Before issue 10 the socket and TCP shared one budget under these two keys. They keep working
// for TCP alone (the part that can be attacked from outside); the socket has http.unix now.
void read_deprecated_budget(Reader& r, const YAML::Node& n, const char* key, const char* now,
                            std::size_t& out, std::vector<std::string>& warnings) {
  const YAML::Node old = n[key];
  if (!old) return;
  const YAML::Node t = n["tcp"];
  if (t && t.IsMap() && t[now]) {
    return r.fail(old.Mark(), std::string("http.") + key,
                  std::string("replaced by http.tcp.") + now + ": set only that one");
  }
  r.integer(n, "http", key, 1, 1'000'000, out);
  warnings.push_back(std::string("http.") + key + " is deprecated: it sets http.tcp." + now +
                     " only; the Unix socket has its own budget (http.unix)");
}

void read_http(Reader& r, const YAML::Node& n, DaemonConfig& c) {
  const std::string p = "http";
  if (!r.mapping(n, p,
                 {"request_timeout_ms", "idle_timeout_ms", "first_byte_timeout_ms",
                  "tls_handshake_timeout_ms", "unix", "tcp", "max_connections",
                  "max_connections_per_peer"})) {
    return;
  }
  HttpLimitsConfig& h = c.http;
  r.integer(n, p, "request_timeout_ms", 100, 600'000, h.request_timeout_ms);
  r.integer(n, p, "idle_timeout_ms", 100, 3'600'000, h.idle_timeout_ms);
  r.integer(n, p, "first_byte_timeout_ms", 100, 600'000, h.first_byte_timeout_ms);
  r.integer(n, p, "tls_handshake_timeout_ms", 100, 600'000, h.tls_handshake_timeout_ms);
  if (const YAML::Node u = n["unix"]) read_unix_budget(r, u, h.unix_socket);
  if (const YAML::Node t = n["tcp"];
      t && r.mapping(t, p + ".tcp", {"max_connections", "max_connections_per_address"})) {
    r.integer(t, p + ".tcp", "max_connections", 1, 1'000'000, h.tcp.max_connections);
    r.integer(t, p + ".tcp", "max_connections_per_address", 1, 1'000'000,
              h.tcp.max_connections_per_address);
  }
  read_deprecated_budget(r, n, "max_connections", "max_connections", h.tcp.max_connections,
                         c.warnings);
  read_deprecated_budget(r, n, "max_connections_per_peer", "max_connections_per_address",
                         h.tcp.max_connections_per_address, c.warnings);
}

void read_top(Reader& r, const YAML::Node& root, DaemonConfig& c) {
  if (!r.mapping(
          root, "",
          {"dev_mode", "worker_threads", "handler_threads", "log", "listeners", "http", "store",
           "keys", "policy", "totp", "admin_group", "delivery", "webauthn", "fido2"})) {
    return;
  }
  r.boolean(root, "", "dev_mode", c.dev_mode);
  r.integer(root, "", "worker_threads", 1, 256, c.worker_threads);
  r.integer(root, "", "handler_threads", 1, 1024, c.handler_threads);
  r.str(root, "", "admin_group", c.admin_group);
  if (const YAML::Node n = root["log"]; n && r.mapping(n, "log", {"target", "level"})) {
    std::string target = "stderr";
    r.str(n, "log", "target", target);
    if (target == "stderr") {
      c.log_target = LogTarget::kStderr;
    } else if (target == "journal") {
      c.log_target = LogTarget::kJournal;
    } else {
      r.fail(n["target"].Mark(), "log.target", "expected stderr or journal");
    }
    r.str(n, "log", "level", c.log_level);
    if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warning" &&
        c.log_level != "error") {
      r.fail(n["level"].Mark(), "log.level", "expected debug, info, warning or error");
    }
  }
  if (const YAML::Node n = root["listeners"]) read_listeners(r, n, c);
  if (const YAML::Node n = root["http"]) read_http(r, n, c);
  if (const YAML::Node n = root["store"]; n && r.mapping(n, "store", {"sqlite"})) {
    r.str(n, "store", "sqlite", c.db_path);
  }
  if (const YAML::Node n = root["keys"]; n && r.mapping(n, "keys", {"file"})) {
    r.str(n, "keys", "file", c.key_file);
  }
  if (const YAML::Node n = root["policy"]; n && r.mapping(n, "policy", {"file"})) {
    r.str(n, "policy", "file", c.policy_file);
  }
  if (const YAML::Node n = root["totp"]; n && r.mapping(n, "totp", {"issuer", "apps"})) {
    r.str(n, "totp", "issuer", c.totp_issuer);
    if (const YAML::Node apps = n["apps"]) {
      if (!apps.IsMap()) return r.fail(apps.Mark(), "totp.apps", "expected a mapping of apps");
      for (const auto& kv : apps) {
        const std::string p = "totp.apps." + kv.first.Scalar();
        if (!r.mapping(kv.second, p, {"issuer"})) return;
        std::string issuer = c.totp_issuer;
        r.str(kv.second, p, "issuer", issuer);
        if (issuer.find(':') != std::string::npos) {
          return r.fail(kv.second.Mark(), p + ".issuer", "may not contain ':' (Key URI format)");
        }
        c.totp_app_issuers[kv.first.Scalar()] = issuer;
      }
    }
  }
  if (const YAML::Node n = root["delivery"]) read_delivery(r, n, c.delivery);
  if (const YAML::Node n = root["webauthn"]) read_webauthn(r, n, c.webauthn);
  if (const YAML::Node n = root["fido2"]) read_fido2(r, n, c.fido2);
}

}  // namespace

bool is_loopback_address(const std::string& a) {
  return a == "localhost" || a == "::1" || a.rfind("127.", 0) == 0;
}

Status validate_daemon_config(const DaemonConfig& c) {
  if (c.socket_path.empty()) return fail(Errc::kConfigInvalid, "listeners.unix.path is empty");
  const TcpListenerConfig& t = c.tcp;
  if (!t.enabled) return {};
  if (t.tls_cert.empty() != t.tls_key.empty()) {
    return fail(Errc::kConfigInvalid, "listeners.tcp.tls: cert and key must both be set");
  }
  if (!t.client_ca.empty() && !t.tls()) {
    return fail(Errc::kConfigInvalid, "listeners.tcp.tls.client_ca needs cert and key");
  }
  if (t.tls() && t.plain_http) {
    return fail(Errc::kConfigInvalid, "listeners.tcp: plain_http and tls are exclusive");
  }
  if (!t.tls()) {
    // API keys travel in the Authorization header: never in clear text off the host.
    if (!t.plain_http) {
      return fail(Errc::kConfigInvalid,
                  "listeners.tcp: TLS is required (set tls.cert and tls.key)");
    }
    if (!c.dev_mode || !is_loopback_address(t.address)) {
      return fail(Errc::kConfigInvalid,
                  "listeners.tcp: plain HTTP is allowed only in dev mode on a loopback address");
    }
  }
  return {};
}

Result<DaemonConfig> parse_daemon_config(const std::string& text, const std::string& name,
                                         const std::string& config_dir) {
  if (text.size() > limits::kMaxConfigFileBytes) {
    return fail(Errc::kConfigInvalid, name + ": file larger than " +
                                          std::to_string(limits::kMaxConfigFileBytes) + " bytes");
  }
  DaemonConfig c;
  c.config_dir = config_dir;
  Reader r(name);
  try {
    const YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return fail(Errc::kConfigInvalid, name + ": empty configuration");
    read_top(r, root, c);
  } catch (const YAML::Exception& e) {
    std::string msg = e.msg;
    return fail(Errc::kConfigInvalid,
                name + ":" + std::to_string(e.mark.line + 1) + ": syntax error: " + msg);
  } catch (const std::exception& e) {
    return fail(Errc::kConfigInvalid, name + ": " + e.what());
  }
  if (r.failed()) return fail(r.error());
  c.socket_path = resolve(config_dir, c.socket_path);
  c.db_path = resolve(config_dir, c.db_path);
  c.key_file = resolve(config_dir, c.key_file);
  c.policy_file = resolve(config_dir, c.policy_file);
  c.tcp.tls_cert = resolve(config_dir, c.tcp.tls_cert);
  c.tcp.tls_key = resolve(config_dir, c.tcp.tls_key);
  c.tcp.client_ca = resolve(config_dir, c.tcp.client_ca);
  c.delivery.smtp.password_file = resolve(config_dir, c.delivery.smtp.password_file);
  c.delivery.smtp.ca_file = resolve(config_dir, c.delivery.smtp.ca_file);
  c.delivery.sms.ca_file = resolve(config_dir, c.delivery.sms.ca_file);
  for (std::string& f : c.webauthn.attestation_roots) f = resolve(config_dir, f);
  if (Status s = webauthn::load_attestation_roots(c.webauthn); !s) {
    return fail(Errc::kConfigInvalid, name + ": webauthn.attestation_roots: " + s.error().context);
  }
  if (Status s = validate_daemon_config(c); !s) {
    return fail(Errc::kConfigInvalid, name + ": " + s.error().context);
  }
  return c;
}

Result<DaemonConfig> load_daemon_config(const std::string& path) {
  // A huge file is refused without loading it (at most the limit + 1 bytes are read).
  auto text = read_bounded_file(
      path, {.max_bytes = limits::kMaxConfigFileBytes, .what = "configuration file"});
  if (!text) return fail(text.error());
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(path, ec).parent_path();
  return parse_daemon_config(*text, path, dir.string());
}

}  // namespace mfa
