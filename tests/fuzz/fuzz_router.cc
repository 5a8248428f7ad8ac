// The daemon's request path below the listener: parse_target (daemon/src/api/url.cc) then
// Router::dispatch over the real route table (health, API keys, every engine route) wired to
// an in-memory SQLite store, as four kinds of caller. Input: byte 0 picks the caller and the
// clock, then "METHOD TARGET\n", then the body.
// Properties: every answer is 200..599 and never 500 (a 500 here is an uncaught handler
// exception or a store error on valid input); JSON answers parse; errors carry
// {"error":{"code","message"}}; a 405 names Allow; a 429 carries Retry-After.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/core/config/config.h"
#include "daemon/core/engine.h"
#include "daemon/src/api/router.h"
#include "daemon/src/api/url.h"
#include "daemon/src/os/metrics.h"
#include "daemon/src/routes/routes.h"
#include "daemon/src/routes/routes_engine.h"
#include "daemon/src/routes/services.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/engine_world.h"

namespace {

using namespace mfa;
using namespace mfa::daemon;

constexpr std::int64_t kT0 = 1'700'000'000;
// Recreate the world now and then so that the in-memory store stays small while fuzzing.
constexpr int kRunsPerWorld = 2000;

constexpr const char* kPolicy = R"(
defaults:
  mode: required
  factors: [totp, backup_code]
  grace_period: 2d
  lockout: {attempts: 3, window: 10m}
rules:
  - name: cron
    match: {service: cron}
    mode: "off"
apps:
  billing:
    mode: optional
)";

// The shared engine over an in-memory store (tests/support/engine_world.h), behind the real
// route table.
struct World : mfa::testing::EngineWorld {
  DaemonConfig config;
  Metrics metrics;
  Services services;
  Router router;

  World() : EngineWorld(kT0) {
    FUZZ_CHECK(init(kPolicy).has_value());
    static_cast<mfa::core::EngineDeps&>(services) = engine->deps();
    services.config = &config;
    services.engine = engine.get();
    services.metrics = &metrics;
    register_health_routes(router, services);
    register_apikey_routes(router, services);
    register_engine_routes(router, services);
  }
};

Caller caller_for(std::uint8_t sel) {
  Caller c;
  switch (sel % 5) {
    case 0:
      c.kind = Caller::Kind::kUnixPeer;
      c.uid = 0;
      c.user = "root";
      c.admin = true;
      c.remote_addr = "unix";
      break;
    case 1:
      c.kind = Caller::Kind::kUnixPeer;
      c.uid = 1000;
      c.user = "alice";
      c.remote_addr = "unix";
      break;
    case 2:
      c.kind = Caller::Kind::kApiKey;
      c.key_id = "k_fuzzverify";
      c.app = "system";
      c.scopes = {"verify"};
      c.remote_addr = "192.0.2.7";
      break;
    case 3:
      c.kind = Caller::Kind::kApiKey;
      c.key_id = "k_fuzzadmin";
      c.app = "billing";
      c.scopes = {"admin"};
      c.remote_addr = "2001:db8::7";
      break;
    default: c.remote_addr = "198.51.100.1"; break;
  }
  return c;
}

bool has_header(const ApiResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name && !v.empty()) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<World> world;
  static int runs = 0;
  if (!world || ++runs % kRunsPerWorld == 0) {
    world.reset();
    world = std::make_unique<World>();
  }
  if (size < 1) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  world->clock.set_s(kT0 + (data[0] >> 3) * 29);
  const std::size_t eol = in.find('\n');
  const std::string_view line = in.substr(0, eol);
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;

  ApiRequest req;
  req.method = std::string(line.substr(0, sp));
  if (!parse_target(line.substr(sp + 1), req.path, req.query)) return 0;
  FUZZ_CHECK(!req.path.empty() && req.path[0] == '/');
  FUZZ_CHECK(req.path.find('\0') == std::string::npos);
  if (eol != std::string_view::npos) req.body = std::string(in.substr(eol + 1));
  req.caller = caller_for(data[0]);
  req.request_id = "fuzz";

  const ApiResponse r = world->router.dispatch(req);
  FUZZ_CHECK(r.status >= 200 && r.status <= 599);
  FUZZ_CHECK(r.status != 500);
  if (r.status == 405) FUZZ_CHECK(has_header(r, "Allow"));
  if (r.status == 429) FUZZ_CHECK(has_header(r, "Retry-After"));
  if (r.content_type == "application/json") {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    FUZZ_CHECK(!j.is_discarded() && j.is_object());
    if (r.status >= 400) {
      FUZZ_CHECK(j.contains("error") && j["error"].is_object());
      FUZZ_CHECK(j["error"].contains("code") && j["error"]["code"].is_string());
      FUZZ_CHECK(j["error"].contains("message") && j["error"]["message"].is_string());
    }
  }
  return 0;
}
