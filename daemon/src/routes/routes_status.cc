// GET /v1/apps/{app}/users/{user}/mfa: the user's MFA status (effective mode, factors, backup
// codes remaining, grace deadline, lockout).
#include <nlohmann/json.hpp>

#include "daemon/core/engine.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/routes/engine_json.h"
#include "daemon/src/routes/routes_engine.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

ApiResponse status(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  const core::EngineDeps& deps = s.engine->deps();
  const auto ev = core::evaluate_for(deps, core::make_login_context(deps, app, user));
  auto factors = s.engine->factors.list(app, user);
  if (!factors) return from_error(factors.error());
  auto backups = s.engine->factors.backup_codes_remaining(app, user);
  if (!backups) return from_error(backups.error());
  auto lock = s.engine->lockout.status(app, user);
  if (!lock) return from_error(lock.error());
  auto u = deps.store->get_user(app, user);
  if (!u) return from_error(u.error());
  json fs = json::array();
  bool enrolled = false;
  for (const auto& f : *factors) {
    fs.push_back(factor_json(f));
    enrolled = enrolled || f.status == core::FactorStatus::kActive;
  }
  json out = {{"app", app},
              {"user", user},
              {"effective_mode", std::string(core::to_string(ev.settings.mode))},
              {"matched_rule", ev.matched},
              {"allowed_factors", ev.settings.factors},
              {"enrolled", enrolled},
              {"factors", fs},
              {"backup_codes_remaining", *backups},
              {"lockout",
               {{"locked", lock->locked},
                {"retry_after", lock->retry_after_s},
                {"failures", lock->failures}}}};
  out["grace_deadline"] = nullptr;
  if (u->has_value() && (*u)->grace_deadline_s) {
    out["grace_deadline"] = iso8601(*(*u)->grace_deadline_s);
  }
  return json_response(200, out);
}

}  // namespace

void register_status_routes(Router& router, Services& s) {
  router.add("GET", "/v1/apps/{app}/users/{user}/mfa", Access::user(Scope::kVerify),
             [&s](ApiRequest& r) { return status(s, r); });
}

}  // namespace mfa::daemon
