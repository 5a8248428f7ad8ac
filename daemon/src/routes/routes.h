// Every route file exposes one register function; main.cc calls them all (glue only).
// Add a new route file by declaring its function here and calling it from main.cc.
#pragma once

namespace mfa::daemon {

class Router;
struct Services;

// GET /v1/health, GET /metrics
void register_health_routes(Router& router, Services& services);
// POST/GET /v1/apps/{app}/apikeys, DELETE /v1/apps/{app}/apikeys/{id}
void register_apikey_routes(Router& router, Services& services);

}  // namespace mfa::daemon
