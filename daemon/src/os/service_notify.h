// Readiness and state for systemd (Type=notify in conf/systemd/mfad.service): sd_notify(3)
// messages to $NOTIFY_SOCKET. Outside systemd (NOTIFY_SOCKET unset) every call does nothing.
// Failures are ignored on purpose: the notification is advisory and the daemon serves either
// way (systemd then times the start out and says why in its own log).
#pragma once

namespace mfa::daemon {

// The store is open and every listener accepts connections.
void notify_ready();
// A SIGHUP policy reload starts (RELOADING=1) / ended, whatever its outcome (READY=1).
void notify_reloading();
void notify_reloaded();
// RELOADING=1 for the scope's lifetime, READY=1 when it ends, a throw included: systemd must
// not be left showing "reloading" while the previous policy keeps serving.
class ReloadNotice {
 public:
  ReloadNotice() { notify_reloading(); }
  ~ReloadNotice() { notify_reloaded(); }
  ReloadNotice(const ReloadNotice&) = delete;
  ReloadNotice& operator=(const ReloadNotice&) = delete;
};
// SIGTERM/SIGINT: the daemon stops accepting and drains.
void notify_stopping();

}  // namespace mfa::daemon
