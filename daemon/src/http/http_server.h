// mfad's HTTP/1.1 server: one API (the Router) on two listeners — the Unix socket (callers
// identified by SO_PEERCRED) and optionally TCP (TLS, or plain HTTP on loopback in dev mode;
// callers present an API key). Boost.Beast stays inside http_server.cc / http_session.cc.
//
// Signals: SIGTERM/SIGINT drain (stop accepting, finish in-flight requests, return from
// run()); SIGHUP calls the reload hook.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daemon/core/base/result.h"

namespace mfa {
struct DaemonConfig;
}  // namespace mfa

namespace mfa::daemon {

class Router;
struct Services;

struct ServerHooks {
  // Called on SIGHUP from the control strand; returns the one-line outcome for the log
  // ("policy reloaded: ...") or the error ("policy reload failed, ..."), logged as a warning.
  // Unset: logs "reload requested".
  std::function<Result<std::string>()> reload;
  // Called once on SIGTERM/SIGINT, when the listeners stop accepting (sd_notify STOPPING=1).
  std::function<void()> draining;
};

class HttpServer {
 public:
  // `services.metrics` must be set; config, router and services outlive the server.
  HttpServer(const DaemonConfig& config, const Router& router, Services& services,
             ServerHooks hooks);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listeners (stale socket handling, modes, TLS context). Fails with a message
  // fit for the operator; nothing is left bound on failure.
  Status start();
  // Runs the worker threads until a SIGTERM/SIGINT drain completes.
  void run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mfa::daemon
