// The dependencies route handlers need, wired once in main.cc. Handlers take Services&;
// nothing here is global. Pointers are non-owning; main.cc owns the objects.
#pragma once

namespace mfa {
class Store;
class Clock;
class Random;
class Aead;
struct DaemonConfig;
namespace core {
class PolicyHolder;
class Engine;
}  // namespace core
}  // namespace mfa

namespace mfa::daemon {

class Metrics;

struct Services {
  Store* store = nullptr;
  Clock* clock = nullptr;
  Random* random = nullptr;
  Aead* aead = nullptr;                  // AES-256-GCM at rest (daemon/core/aead.h)
  const DaemonConfig* config = nullptr;  // daemon/core/config.h
  core::PolicyHolder* policy = nullptr;  // current policy, swapped on reload
  core::Engine* engine = nullptr;        // factors, logins, challenges, lockout, audit
  Metrics* metrics = nullptr;            // daemon/src/metrics.h
};

}  // namespace mfa::daemon
