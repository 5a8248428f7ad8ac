// WebAuthn routes (routes_webauthn.cc) and the hooks the factor and challenge routes call when
// a request carries a passkey instead of a code.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/core/store/store.h"
#include "daemon/src/api/api_types.h"
#include "daemon/src/api/router.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {

// POST .../factors {type: webauthn, label, step_up_code} -> creation options + factor id.
ApiResponse webauthn_enroll(Services& s, ApiRequest& req, const nlohmann::json& body);
// POST .../factors/{id}/activate {credential: {...}}.
ApiResponse webauthn_activate(Services& s, ApiRequest& req, const nlohmann::json& body);
// POST .../challenges/{id}/verify {assertion: {...}} (access already checked).
ApiResponse webauthn_verify(Services& s, ApiRequest& req, const ChallengeRecord& c,
                            const nlohmann::json& body);

// GET /v1/apps/{app}/challenges/{id}/webauthn-options,
// POST /v1/apps/{app}/users/{user}/enroll-links
void register_webauthn_routes(Router& router, Services& s);
// The self-service page: GET /enroll/{token}, GET /v1/enroll/{token},
// POST /v1/enroll/{token}/webauthn, POST /v1/enroll/{token}/webauthn/{id} (enroll_page.cc).
void register_enroll_page_routes(Router& router, Services& s);

}  // namespace mfa::daemon
