// mfad's daemon configuration (/etc/mfad/mfad.yaml): listeners, store, key file, logging.
// The YAML adapter (config_yaml.cc) is the only file that sees yaml-cpp; everything else
// reads this plain struct. The policy lives in its own file (policy.yaml) and parser.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/base/limits.h"
#include "daemon/core/base/result.h"
#include "daemon/core/config/fido2_config.h"
#include "daemon/core/webauthn/webauthn_config.h"

namespace mfa {

enum class LogTarget { kStderr, kJournal };

struct TcpListenerConfig {
  bool enabled = false;
  std::string address = "127.0.0.1";
  std::uint16_t port = 8443;  // 0 = ephemeral (dev/tests): the bound port is logged and written
  std::string tls_cert;       // PEM certificate chain; TLS is on when cert and key are set
  std::string tls_key;        // PEM private key
  std::string client_ca;      // optional: require client certificates signed by this CA (mTLS)
  bool plain_http = false;    // allowed only in dev mode on a loopback address

  bool tls() const { return !tls_cert.empty() && !tls_key.empty(); }
};

// `http.unix`: the socket's own connection budget (PAM, NSS, mfactl), untouchable from TCP.
struct UnixConnectionLimits {
  std::size_t max_connections = limits::kMaxUnixConnections;
  std::size_t max_connections_per_uid = limits::kMaxUnixConnectionsPerUid;  // non-root uids
  std::size_t root_reserve = limits::kUnixRootReserve;  // of max_connections, uid 0 only
};

// `http.tcp`: the TCP listener's budget. When it is full, idle connections are shed.
struct TcpConnectionLimits {
  std::size_t max_connections = limits::kMaxTcpConnections;
  std::size_t max_connections_per_address = limits::kMaxTcpConnectionsPerAddress;
};

struct HttpLimitsConfig {
  std::int64_t request_timeout_ms = limits::kRequestTimeoutMs;
  std::int64_t idle_timeout_ms = limits::kIdleTimeoutMs;
  std::int64_t first_byte_timeout_ms = limits::kFirstByteTimeoutMs;
  std::int64_t tls_handshake_timeout_ms = limits::kTlsHandshakeTimeoutMs;
  UnixConnectionLimits unix_socket;
  TcpConnectionLimits tcp;
};

// Delivered codes (SMS, email): `delivery:` in mfad.yaml. Templates use {code}, {app},
// {minutes} (and {phone} for the SMS body).
struct MessageTemplate {
  std::string subject = "Your {app} verification code";
  std::string body =
      "Your {app} verification code is {code}.\n\nIt expires in {minutes} minutes. If you did "
      "not ask for it, someone may know your password: change it.\n";
};

struct SmtpConfig {
  bool enabled = false;               // a `smtp:` section enables email delivery
  std::string url;                    // smtp://host[:port] or smtps://host[:port] (no credentials)
  std::string starttls = "required";  // smtp:// only: required | optional | off
  std::string ca_file;                // PEM CAs trusted for the server instead of the system's
  std::string username;               // optional AUTH
  std::string password_file;          // read at start; never in the config itself
  std::string from;                   // "mfad <mfa@example.com>" or a bare address
  MessageTemplate message;            // the default
  std::vector<std::pair<std::string, MessageTemplate>> apps;  // per-app overrides
};

struct SmsGatewayConfig {
  bool enabled = false;         // a `sms:` section enables SMS delivery
  std::string url;              // https:// (http:// only to a loopback host)
  std::string method = "POST";  // POST | PUT
  std::vector<std::pair<std::string, std::string>> headers;  // values may use placeholders
  std::string format = "form";  // form (application/x-www-form-urlencoded) | json
  std::vector<std::pair<std::string, std::string>> body;  // field -> template
  std::string ca_file;  // PEM CAs trusted for an https:// gateway instead of the system's
};

struct DeliveryConfig {
  SmtpConfig smtp;
  SmsGatewayConfig sms;
  std::int64_t timeout_ms = 10'000;  // per attempt (connect + transfer)
  int retries = 1;                   // extra attempts after a transient failure
  unsigned workers = 2;              // sending threads
  std::size_t queue = 64;            // messages waiting at most; beyond: 503 at once
};

struct DaemonConfig {
  std::string config_dir;  // directory of the loaded file; relative paths resolve against it

  std::string socket_path = "/run/mfad/mfad.sock";
  mode_t socket_mode = 0666;  // authorization is by SO_PEERCRED, so everyone may connect
  std::string socket_group;   // optional chgrp of the socket node

  std::string db_path = "/var/lib/mfad/mfad.db";
  std::string key_file = "/etc/mfad/secret.key";
  std::string policy_file = "/etc/mfad/policy.yaml";

  LogTarget log_target = LogTarget::kStderr;
  std::string log_level = "info";  // debug | info | warning | error

  bool dev_mode = false;
  TcpListenerConfig tcp;
  HttpLimitsConfig http;
  unsigned worker_threads = 2;
  // Threads that run request handlers (store calls block on the group commit's fsync). Many
  // handlers in flight let many writes share one commit; I/O stays on worker_threads.
  unsigned handler_threads = 64;

  std::string totp_issuer = "mfad";
  // totp.apps.<app>.issuer: what an app's users see in their authenticator app (otherwise
  // totp_issuer).
  std::map<std::string, std::string> totp_app_issuers;
  std::string admin_group = "mfa-admin";
  DeliveryConfig delivery;
  WebAuthnConfig webauthn;  // webauthn_config.h
  Fido2Config fido2;        // fido2_config.h: local security keys

  // Accepted but deprecated settings, for the daemon to log at start (core does not log).
  std::vector<std::string> warnings;
};

// Loads and validates a config file. Errors (kConfigInvalid) read
// "FILE:LINE: dotted.key: what is wrong"; unknown keys are errors.
Result<DaemonConfig> load_daemon_config(const std::string& path);

// Same, from text (tests); `name` stands in for the file name in errors.
Result<DaemonConfig> parse_daemon_config(const std::string& text, const std::string& name,
                                         const std::string& config_dir);

// Cross-field rules: TCP without TLS only in dev mode on loopback; TLS needs cert and key.
Status validate_daemon_config(const DaemonConfig& cfg);

bool is_loopback_address(const std::string& address);

}  // namespace mfa
