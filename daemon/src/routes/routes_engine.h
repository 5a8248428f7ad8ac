// Registration of the MFA engine's routes (factors, logins, challenges, status, audit, policy,
// PAM conversations). main.cc calls register_engine_routes once.
#pragma once

#include "daemon/src/api/router.h"
#include "daemon/src/routes/routes_webauthn.h"
#include "daemon/src/routes/services.h"

namespace mfa::daemon {

void register_factor_routes(Router& router, Services& s);
void register_login_routes(Router& router, Services& s);
void register_status_routes(Router& router, Services& s);
void register_audit_routes(Router& router, Services& s);
void register_policy_routes(Router& router, Services& s);
void register_pam_routes(Router& router, Services& s);
void register_fido2_routes(Router& router, Services& s);  // routes_fido2.cc: local keys

inline void register_engine_routes(Router& router, Services& s) {
  register_factor_routes(router, s);
  register_login_routes(router, s);
  register_status_routes(router, s);
  register_audit_routes(router, s);
  register_policy_routes(router, s);
  register_pam_routes(router, s);
  register_webauthn_routes(router, s);
  register_fido2_routes(router, s);
  register_enroll_page_routes(router, s);
}

}  // namespace mfa::daemon
