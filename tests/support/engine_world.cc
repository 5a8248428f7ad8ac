#include "tests/support/engine_world.h"

#include <utility>

#include "daemon/core/policy/policy.h"
#include "daemon/core/store/sqlite_store.h"

namespace mfa::testing {

Result<std::optional<core::Account>> FakeDirectory::resolve(const std::string& user) {
  if (user == "ghost") return std::optional<core::Account>();
  return std::optional<core::Account>(core::Account{user, user == "root" ? 0U : 1000U});
}

std::vector<std::string> FakeDirectory::groups_of(const std::string& user) {
  return user == "alice" ? std::vector<std::string>{"wheel"} : std::vector<std::string>{};
}

Status EngineWorld::init(const std::string& policy_yaml, core::Sender* sender,
                         const std::function<void(core::EngineDeps&)>& adjust) {
  auto s = open_sqlite_store(":memory:");
  if (!s) return fail(s.error());
  store = std::move(*s);
  auto key = rng.secret(32);
  if (!key) return fail(key.error());
  aead = std::make_unique<Aead>(std::move(*key), 1, rng);
  auto p = core::parse_policy(policy_yaml, "test-policy.yaml");
  if (!p) return fail(Errc::kConfigInvalid, "policy: " + p.error().context);
  policy.set(std::move(*p));
  core::EngineDeps deps;
  deps.store = store.get();
  deps.clock = &clock;
  deps.random = &rng;
  deps.aead = aead.get();
  deps.policy = &policy;
  deps.directory = &dir;
  deps.sender = sender;
  if (adjust) adjust(deps);
  engine = std::make_unique<core::Engine>(deps);
  return {};
}

}  // namespace mfa::testing
