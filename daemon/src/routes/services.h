// The dependencies route handlers need, wired once in main.cc: the engine's own
// (core::EngineDeps: store, clock, random, aead, policy, directory, ... — declared once there)
// and what only the daemon's transport uses. Handlers take Services&; nothing here is global.
// Pointers are non-owning; main.cc owns the objects.
#pragma once

#include "daemon/core/base/engine_deps.h"

namespace mfa {
struct DaemonConfig;
namespace core {
class Engine;
}  // namespace core
}  // namespace mfa

namespace mfa::daemon {

class Metrics;

struct Services : core::EngineDeps {
  const DaemonConfig* config = nullptr;  // daemon/core/config/config.h
  core::Engine* engine = nullptr;        // factors, logins, challenges, lockout, audit
  Metrics* metrics = nullptr;            // daemon/src/os/metrics.h
};

}  // namespace mfa::daemon
