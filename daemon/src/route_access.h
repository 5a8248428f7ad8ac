// Who may act on which (app, user) — the authorization rules of DESIGN.md section 3 for the
// engine routes, in one place:
//  - Unix socket: admins (uid 0, group mfa-admin) act on any app and user; anyone else only on
//    their own account in app `system`.
//  - TCP: an API key acts only inside its own app, and only with the needed scope
//    (verify | enroll | admin; admin implies the others).
#pragma once

#include <optional>
#include <string>

#include "daemon/core/audit.h"
#include "daemon/core/engine_deps.h"
#include "daemon/core/step_up.h"
#include "daemon/src/api_types.h"

namespace mfa::daemon {

// nullopt when allowed; otherwise the 403/400 response to return.
std::optional<ApiResponse> check_user_access(const ApiRequest& req, const std::string& app,
                                             const std::string& user, const char* scope);
// Admin of `app`: a Unix admin, or an API key of that app with scope admin.
std::optional<ApiResponse> check_app_admin(const ApiRequest& req, const std::string& app);
// App-wide access with a scope (e.g. listing challenges of the app).
std::optional<ApiResponse> check_app_scope(const ApiRequest& req, const std::string& app,
                                           const char* scope);
bool caller_is_admin_of(const Caller& caller, const std::string& app);
core::AuditContext audit_context(const ApiRequest& req);
// The requester of a protected change (admin or not, step-up code, address, audit actor).
// `step_up_code` must outlive the returned value (it is a view).
core::Requester requester(const ApiRequest& req, const std::string& app,
                          std::string_view step_up_code);
// For routes whose JSON body is optional and holds only an optional `step_up_code` (bounded
// by limits::kMaxCodeLen): the code ("" when absent), or nullopt with `err` set (400).
std::optional<std::string> optional_step_up_body(const ApiRequest& req, ApiResponse& err);

}  // namespace mfa::daemon
