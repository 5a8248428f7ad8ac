// mfad entry point: glue only. Parses arguments, loads the config, opens the key file, the
// store and the policy, wires Services and routes, and runs the HTTP server until SIGTERM.
#include <curl/curl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "daemon/core/base/clock.h"
#include "daemon/core/config/config.h"
#include "daemon/core/crypto/aead.h"
#include "daemon/core/crypto/key_file.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/engine.h"
#include "daemon/core/policy/policy_holder.h"
#include "daemon/core/store/sqlite_store.h"
#include "daemon/src/api/router.h"
#include "daemon/src/audit_log.h"
#include "daemon/src/check_config.h"
#include "daemon/src/delivery/delivery_pool.h"
#include "daemon/src/delivery/delivery_tls.h"
#include "daemon/src/fido/fido_libfido2.h"
#include "daemon/src/http/http_server.h"
#include "daemon/src/os/dev_config.h"
#include "daemon/src/os/log.h"
#include "daemon/src/os/metrics.h"
#include "daemon/src/os/restore.h"
#include "daemon/src/os/service_notify.h"
#include "daemon/src/os/unix_directory.h"
#include "daemon/src/os/version.h"
#include "daemon/src/routes/policy_reload.h"
#include "daemon/src/routes/routes.h"
#include "daemon/src/routes/routes_engine.h"
#include "daemon/src/routes/services.h"

namespace {

constexpr const char* kUsage =
    "usage: mfad --config FILE     run with a configuration file (e.g. /etc/mfad/mfad.yaml)\n"
    "       mfad --dev DIR         run a dev instance under DIR (created if missing)\n"
    "       mfad --check-config FILE  check FILE and the policy it names, then exit (0 = OK)\n"
    "       mfad (--config FILE | --dev DIR) --restore BACKUP  put a `mfactl backup` file in\n"
    "                              place of the database (mfad stopped), then exit\n"
    "       mfad --help | --version\n";

int die(const std::string& what) {
  std::fprintf(stderr, "mfad: %s\n", what.c_str());
  return 1;
}

// Each connection is a descriptor: raise the soft limit to the hard one.
void raise_nofile_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mfa;
  using namespace mfa::daemon;
  std::string config_path, dev_dir, restore_from;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--version") {
      std::printf("mfad %s\n", kVersion);
      return 0;
    }
    if (a == "--check-config" && i + 1 < argc) return check_config(argv[i + 1]);
    if ((a == "--config" || a == "--dev") && i + 1 < argc) {
      (a == "--config" ? config_path : dev_dir) = argv[++i];
      continue;
    }
    if (a == "--restore" && i + 1 < argc) {
      restore_from = argv[++i];
      continue;
    }
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (config_path.empty() == dev_dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!dev_dir.empty()) {
    auto p = prepare_dev_dir(dev_dir);
    if (!p) return die(p.error().context);
    config_path = *p;
  }
  auto config = load_daemon_config(config_path);
  if (!config) return die(config.error().context);
  if (!dev_dir.empty() && !config->dev_mode)
    return die(config_path + ": --dev needs dev_mode: true");
  if (!restore_from.empty()) return run_restore(*config, restore_from);
  log_init(config->log_target == LogTarget::kJournal, config->log_level);
  for (const std::string& w : config->warnings) log_warning(config_path + ": " + w);
  raise_nofile_limit();

  OsRandom random;
  SystemClock clock;
  auto key = load_or_create_key_file(config->key_file, random);
  if (!key) return die(key.error().context);
  Aead aead(std::move(*key), 1, random);
  auto store = open_sqlite_store(config->db_path);
  if (!store) return die(config->db_path + ": " + store.error().context);
  core::PolicyHolder policy(config->policy_file);
  if (Status s = policy.load(); !s) return die(s.error().context);
  Metrics metrics;
  UnixDirectory directory;
  AuditLog audit_log;
  // SMS/email codes: libcurl's global state is set up once, before any thread exists.
  std::unique_ptr<DeliveryPool> delivery;
  if (config->delivery.smtp.enabled || config->delivery.sms.enabled) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return die("libcurl init failed");
    auto password = read_smtp_password(config->delivery.smtp.password_file);
    if (!password) return die(password.error().context);
    if (Status s = check_ca_file(config->delivery.smtp.ca_file, "delivery.smtp.ca_file"); !s) {
      return die(s.error().context);
    }
    if (Status s = check_ca_file(config->delivery.sms.ca_file, "delivery.sms.ca_file"); !s) {
      return die(s.error().context);
    }
    delivery = std::make_unique<DeliveryPool>(config->delivery, *password);
  }
  // Local security keys (`fido2:`): the rp id defaults to pam://<hostname>, as pam_u2f's.
  std::unique_ptr<Libfido2Devices> fido_devices;
  if (config->fido2.enabled) {
    if (config->fido2.rp_id.empty()) {
      char host[256] = {};
      if (gethostname(host, sizeof host - 1) != 0) return die("gethostname failed");
      config->fido2.rp_id = std::string("pam://") + host;
    }
    fido_devices = std::make_unique<Libfido2Devices>();
  }
  Services services;  // the engine's dependencies, then the daemon's own
  services.store = store->get();
  services.clock = &clock;
  services.random = &random;
  services.aead = &aead;
  services.policy = &policy;
  services.directory = &directory;
  services.audit_sink = &audit_log;
  services.issuer = config->totp_issuer;
  services.app_issuers = config->totp_app_issuers;
  services.webauthn = &config->webauthn;
  services.fido2 = &config->fido2;
  services.fido = fido_devices.get();
  services.sender = delivery.get();
  core::Engine engine(static_cast<const core::EngineDeps&>(services));
  services.config = &*config;
  services.metrics = &metrics;
  services.engine = &engine;

  Router router;
  register_health_routes(router, services);
  register_apikey_routes(router, services);
  register_engine_routes(router, services);

  ServerHooks hooks;
  hooks.reload = [&services]() -> Result<std::string> {
    core::AuditContext ctx;
    ctx.actor = "signal:SIGHUP";
    Result<std::string> r = [&] {
      const ReloadNotice notice;  // READY=1 again however it ends: the old policy still serves
      return reload_policy(services, ctx);
    }();
    if (!r) {
      return fail(Errc::kPolicyInvalid,
                  "policy reload failed, previous policy kept: " + r.error().context);
    }
    return "policy reloaded: " + *r;
  };
  hooks.draining = notify_stopping;
  HttpServer server(*config, router, services, std::move(hooks));
  if (Status s = server.start(); !s) return die(s.error().context);
  notify_ready();  // store open, listeners bound and listening (systemd Type=notify)
  log_info(std::string("mfad ") + kVersion + " started" + (config->dev_mode ? " (dev mode)" : ""));
  server.run();
  return 0;
}
