// The engine as the unit tests and the router fuzzer use it: real services over an in-memory
// SQLite store, a manual clock, a fresh AEAD key, a policy from text and a fake user directory
// ("ghost" does not exist, "alice" is in wheel; every other name is its own account). Built into
// the test binaries from tests/support/ (tests/module.mk, tests/fuzz/module.mk).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/result.h"
#include "daemon/core/crypto/aead.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/engine.h"
#include "daemon/core/policy/policy_holder.h"
#include "daemon/core/services/sender.h"
#include "daemon/core/store/store.h"

namespace mfa::testing {

class FakeDirectory final : public core::Directory {
 public:
  Result<std::optional<core::Account>> resolve(const std::string& user) override;
  std::vector<std::string> groups_of(const std::string& user) override;
};

struct EngineWorld {
  ManualClock clock;
  OsRandom rng;
  std::unique_ptr<Store> store;
  std::unique_ptr<Aead> aead;
  core::PolicyHolder policy{"test-policy.yaml"};
  FakeDirectory dir;
  std::unique_ptr<core::Engine> engine;

  explicit EngineWorld(std::int64_t t0_s) : clock(t0_s * 1000) {}
  EngineWorld(const EngineWorld&) = delete;
  EngineWorld& operator=(const EngineWorld&) = delete;

  // Opens the store, makes the key, loads `policy_yaml` and builds the engine (with `sender`
  // for SMS/email codes when given; `adjust` may add dependencies, e.g. FIDO2 devices). The
  // error names what failed (a policy error with its line).
  Status init(const std::string& policy_yaml, core::Sender* sender = nullptr,
              const std::function<void(core::EngineDeps&)>& adjust = {});
};

}  // namespace mfa::testing
