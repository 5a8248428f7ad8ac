// Audit queries: GET /v1/apps/{app}/audit and GET /v1/audit (every app; Unix admins).
// Filters: user, event, after_id / before_id (id bounds), since_ms, limit; order desc (newest
// first, the default) or asc (`mfactl audit --follow` and --reverse). A full page carries
// `next`, the query parameter that fetches the page after it.
#include <nlohmann/json.hpp>

#include "daemon/core/base/limits.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/store/store.h"
#include "daemon/src/api/access.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"
#include "daemon/src/routes/engine_json.h"
#include "daemon/src/routes/routes_engine.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

ApiResponse query(Services& s, ApiRequest& req, const std::string& app) {
  AuditFilter f;
  f.app = app;
  f.user = query_or(req, "user");
  f.event = query_or(req, "event");
  ApiResponse err;
  auto after = int_query(req, "after_id", 0, 0, INT64_MAX, err);
  auto before = after ? int_query(req, "before_id", 0, 0, INT64_MAX, err) : std::nullopt;
  auto since = before ? int_query(req, "since_ms", 0, 0, INT64_MAX, err) : std::nullopt;
  auto limit =
      since ? int_query(req, "limit", 100, 1, static_cast<long long>(limits::kMaxAuditPage), err)
            : std::nullopt;
  if (!limit) return err;
  const std::string order = query_or(req, "order", "desc");
  if (order != "desc" && order != "asc") {
    return error_response(400, "invalid_argument", "order must be desc (newest first) or asc");
  }
  f.after_id = *after;
  f.before_id = *before;
  f.since_ms = *since;
  // `since` (RFC 3339, the API's time format) is the spelling to use; since_ms stays for
  // older callers.
  if (const std::string at = query_or(req, "since"); !at.empty()) {
    const auto s_since = parse_iso8601(at);
    if (!s_since) {
      return error_response(400, "invalid_argument",
                            "since must be an RFC 3339 UTC time such as 2026-12-04T01:02:03Z");
    }
    f.since_ms = *s_since * 1000;
  }
  f.limit = static_cast<std::size_t>(*limit);
  f.newest_first = order == "desc";
  if (const std::string* own = own_account_only(req.caller)) {
    // Self-service: a user reads the events of their own account only (in app system: the
    // declared access admitted no other).
    f.app = core::kSystemApp;
    f.user = *own;
  }
  auto events = s.store->query_audit(f);
  if (!events) return from_error(events.error());
  json arr = json::array();
  for (const auto& e : *events) arr.push_back(audit_json(e));
  json out = {{"events", arr}};
  if (!events->empty() && events->size() == f.limit) {
    out["next"] = f.newest_first ? json{{"before_id", events->back().id}}
                                 : json{{"after_id", events->back().id}};
  }
  return json_response(200, out);
}

}  // namespace

void register_audit_routes(Router& router, Services& s) {
  router.add("GET", "/v1/apps/{app}/audit", Access::app_users(Scope::kAdmin),
             [&s](ApiRequest& r) { return query(s, r, r.path_params["app"]); });
  // Every app: Unix admins. As app_users of app system, a non-admin peer is admitted for its
  // own events (narrowed above), and a peer without an account name is not.
  router.add("GET", "/v1/audit", Access::app_users(Scope::kAdmin, AppFrom::kSystem).socket_only(),
             [&s](ApiRequest& r) { return query(s, r, ""); });
}

}  // namespace mfa::daemon
