// API key management, admin only: a Unix admin, or an API key with scope admin for the same
// app. The full key is returned once, at creation; lists show ids and metadata only.
#include <nlohmann/json.hpp>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/services/factor_service.h"
#include "daemon/core/store/store.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/router.h"
#include "daemon/src/auth/api_key_auth.h"
#include "daemon/src/routes/engine_json.h"
#include "daemon/src/routes/routes.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {
namespace {

constexpr const char* kScopes[] = {"verify", "enroll", "admin"};

nlohmann::json key_json(const ApiKeyRecord& k) {
  nlohmann::json j = {
      {"id", k.id},
      {"app", k.app},
      {"name", k.name},
      {"scopes", k.scopes},
      {"created_at", iso8601(k.created_at_s)},
      {"last_used_at", k.last_used_at_s > 0 ? nlohmann::json(iso8601(k.last_used_at_s)) : nullptr},
      {"revoked", k.revoked_at_s.has_value()}};
  if (k.revoked_at_s) j["revoked_at"] = iso8601(*k.revoked_at_s);
  return j;
}

bool parse_scopes(const nlohmann::json& body, std::vector<std::string>& out, ApiResponse& err) {
  const auto it = body.find("scopes");
  if (it == body.end() || !it->is_array() || it->empty() || it->size() > 3) {
    err = error_response(400, "invalid_argument",
                         "scopes: a non-empty list of verify, enroll, admin");
    return false;
  }
  for (const auto& s : *it) {
    bool known = false;
    for (const char* k : kScopes) known = known || (s.is_string() && s.get<std::string>() == k);
    if (!known) {
      err = error_response(400, "invalid_argument", "scopes: each must be verify, enroll or admin");
      return false;
    }
    out.push_back(s.get<std::string>());
  }
  return true;
}

ApiResponse create_key(Services& sv, ApiRequest& req) {
  ApiResponse err;
  nlohmann::json body;
  if (!parse_json_body(req, body, err)) return err;
  const auto name = body.find("name");
  if (name == body.end() || !name->is_string() || name->get<std::string>().empty() ||
      name->get<std::string>().size() > limits::kMaxApiKeyNameLen) {
    return error_response(400, "invalid_argument", "name: a string of 1-64 characters");
  }
  if (Status s = core::validate_label(name->get<std::string>()); !s) return from_error(s.error());
  std::vector<std::string> scopes;
  if (!parse_scopes(body, scopes, err)) return err;
  const std::string& app = req.path_params.at("app");
  const std::int64_t now = sv.clock->now_s();
  if (Status s = sv.store->ensure_app(app, now); !s) return from_error(s.error());
  auto minted = mint_api_key(*sv.random, app, name->get<std::string>(), scopes, now);
  if (!minted) return from_error(minted.error());
  if (Status s = sv.store->insert_api_key(minted->record); !s) return from_error(s.error());
  nlohmann::json j = key_json(minted->record);
  j["key"] = minted->full_key;  // shown once
  return json_response(201, j);
}

ApiResponse list_keys(Services& sv, ApiRequest& req) {
  auto keys = sv.store->list_api_keys(req.path_params.at("app"));
  if (!keys) return from_error(keys.error());
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& k : *keys) arr.push_back(key_json(k));
  return json_response(200, {{"api_keys", arr}});
}

ApiResponse revoke_key(Services& sv, ApiRequest& req) {
  const std::string& id = req.path_params.at("id");
  auto rec = sv.store->get_api_key(id);
  if (!rec) return from_error(rec.error());
  // A key of another app is "not found" here: ids do not leak across apps.
  if (!*rec || (*rec)->app != req.path_params.at("app")) {
    return error_response(404, "not_found", "no such API key");
  }
  if (!(*rec)->revoked_at_s) {
    auto done = sv.store->revoke_api_key(id, sv.clock->now_s());
    if (!done) return from_error(done.error());
  }
  auto after = sv.store->get_api_key(id);
  if (!after || !*after) return error_response(500, "internal", "internal error");
  return json_response(200, key_json(**after));
}

}  // namespace

void register_apikey_routes(Router& router, Services& services) {
  router.add("POST", "/v1/apps/{app}/apikeys", Access::admin(),
             [&services](ApiRequest& r) { return create_key(services, r); });
  router.add("GET", "/v1/apps/{app}/apikeys", Access::admin(),
             [&services](ApiRequest& r) { return list_keys(services, r); });
  router.add("DELETE", "/v1/apps/{app}/apikeys/{id}", Access::admin(),
             [&services](ApiRequest& r) { return revoke_key(services, r); });
}

}  // namespace mfa::daemon
