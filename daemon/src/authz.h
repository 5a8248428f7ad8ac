// Authorization helpers for route handlers (DESIGN.md section 3). Unix peers: admins (uid 0
// or the admin group) act on every app; other uids only on their own user in app `system`.
// API keys (TCP): one app, with scopes verify | enroll | admin.
#pragma once

#include <string>

#include "daemon/core/system_app.h"
#include "daemon/src/api_types.h"

namespace mfa::daemon {

using core::kSystemApp;

// May the caller act inside `app` at all (handlers still check user and scope)?
bool may_access_app(const Caller& c, const std::string& app);
// Admin of `app`: a Unix admin, or an API key of that app with scope admin.
bool is_admin_for(const Caller& c, const std::string& app);
// Has scope `scope` for `app` (an admin key has every scope; a Unix admin too).
bool has_scope_for(const Caller& c, const std::string& app, const std::string& scope);
// May act on `user` of `app`: admins of the app, API keys of the app, or a non-admin Unix
// peer acting on its own account in app `system`.
bool may_act_on_user(const Caller& c, const std::string& app, const std::string& user);

}  // namespace mfa::daemon
