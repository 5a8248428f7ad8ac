// mfad's daemon configuration (/etc/mfad/mfad.yaml): listeners, store, key file, logging.
// The YAML adapter (config_yaml.cc) is the only file that sees yaml-cpp; everything else
// reads this plain struct. The policy lives in its own file (policy.yaml) and parser.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "daemon/core/limits.h"
#include "daemon/core/result.h"

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

struct HttpLimitsConfig {
  std::int64_t request_timeout_ms = limits::kRequestTimeoutMs;
  std::int64_t idle_timeout_ms = limits::kIdleTimeoutMs;
  std::size_t max_connections = limits::kMaxConnections;
  std::size_t max_connections_per_peer = limits::kMaxConnectionsPerPeer;
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

  std::string totp_issuer = "mfad";
  std::string admin_group = "mfa-admin";
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
