#include "daemon/src/os/service_notify.h"

#include <systemd/sd-daemon.h>

namespace mfa::daemon {
namespace {

// unset_environment = 0: later notifications (reload, stop) need NOTIFY_SOCKET still set.
void notify(const char* state) {
  (void)sd_notify(0, state);
}

}  // namespace

void notify_ready() {
  notify("READY=1\nSTATUS=serving");
}

void notify_reloading() {
  notify("RELOADING=1\nSTATUS=reloading the policy");
}

void notify_reloaded() {
  notify("READY=1\nSTATUS=serving");
}

void notify_stopping() {
  notify("STOPPING=1\nSTATUS=draining");
}

}  // namespace mfa::daemon
