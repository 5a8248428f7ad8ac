// POST /v1/apps/{app}/users/{user}/local-keys: registers the FIDO2 security key plugged into
// this host (fido2.device) as a factor of type fido2 (`mfactl enroll fido2`). The request
// blocks until the key is touched or fido2.timeout_ms passes. Unix-socket callers only: the
// key is on this machine, and the PIN (when UV is required) never crosses the network.
#include <nlohmann/json.hpp>

#include "daemon/core/base/limits.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/config/config.h"
#include "daemon/core/engine.h"
#include "daemon/core/fido/fido_device.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"
#include "daemon/src/auth/requester.h"
#include "daemon/src/routes/engine_json.h"
#include "daemon/src/routes/routes_engine.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

ApiResponse enroll_local_key(Services& s, ApiRequest& req) {
  const std::string& app = req.path_params["app"];
  const std::string& user = req.path_params["user"];
  if (app != core::kSystemApp) {
    return error_response(409, "conflict", "local security keys belong to app system (PAM)");
  }
  json body = json::object();
  ApiResponse err;
  if (!req.body.empty() && !parse_json_body(req, body, err)) return err;
  auto label = string_field(body, "label", limits::kMaxLabelLen, false, err);
  auto step_up =
      label ? string_field(body, "step_up_code", limits::kMaxCodeLen, false, err) : std::nullopt;
  auto pin_text = step_up ? string_field(body, "pin", fido::kMaxPinLen, false, err) : std::nullopt;
  if (!pin_text) return err;
  SecretBuffer pin = SecretBuffer::from_string(*pin_text);
  secure_wipe(*pin_text);
  if (body.contains("pin") && body["pin"].is_string())
    secure_wipe(body["pin"].get_ref<std::string&>());
  auto a = s.engine->local_keys.enroll(app, user, *label, pin.empty() ? nullptr : &pin,
                                       requester(req, app, *step_up));
  if (!a) return from_error(a.error());
  json out = {{"factor", factor_json(a->factor)}};
  if (!a->backup_codes.empty()) out["backup_codes"] = a->backup_codes;
  return json_response(201, out);
}

}  // namespace

void register_fido2_routes(Router& router, Services& s) {
  // The key is on this host, and its PIN must not cross the network.
  router.add("POST", "/v1/apps/{app}/users/{user}/local-keys",
             Access::user(Scope::kEnroll).socket_only(),
             [&s](ApiRequest& r) { return enroll_local_key(s, r); });
}

}  // namespace mfa::daemon
