// GET /v1/health (liveness, open to every caller; versions and uptime only for identified
// callers) and GET /metrics (Prometheus).
#include <nlohmann/json.hpp>

#include <chrono>

#include "daemon/core/store/store.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/router.h"
#include "daemon/src/os/metrics.h"
#include "daemon/src/os/version.h"
#include "daemon/src/routes/routes.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {

void register_health_routes(Router& router, Services& services) {
  const auto started = std::chrono::steady_clock::now();
  router.add("GET", "/v1/health", Access::open(), [&services, started](ApiRequest& req) {
    // A probe without a key (TCP is open to the network) learns that mfad is up, not which
    // version runs: version banners help an attacker pick an exploit (OWASP WSTG-INFO-02).
    const bool identified = req.caller.kind != Caller::Kind::kAnonymous;
    nlohmann::json j;
    j["status"] = "ok";
    if (identified) {
      j["version"] = kVersion;
      j["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    }
    if (services.store != nullptr) {
      auto v = services.store->schema_version();
      if (!v) {
        j["status"] = "degraded";
        j["store"] = "unavailable";
        return json_response(503, j);
      }
      if (identified) j["schema_version"] = *v;
    }
    return json_response(200, j);
  });
  router.add("GET", "/metrics", Access::identified(), [&services](ApiRequest&) {
    ApiResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = services.metrics != nullptr ? services.metrics->render() : std::string();
    return r;
  });
}

}  // namespace mfa::daemon
