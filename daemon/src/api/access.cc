#include "daemon/src/api/access.h"

#include "daemon/core/base/system_app.h"
#include "daemon/core/services/factor_service.h"
#include "daemon/src/api/http_errors.h"

namespace mfa::daemon {
namespace {

using core::kSystemApp;

ApiResponse denied(std::string message) {
  return error_response(403, "permission_denied", std::move(message));
}

std::string app_of(const Access& a, const ApiRequest& req) {
  switch (a.app_from()) {
    case AppFrom::kPath: {
      const auto it = req.path_params.find("app");
      return it == req.path_params.end() ? std::string() : it->second;
    }
    case AppFrom::kSystem: break;
    case AppFrom::kQuery: {
      const auto it = req.query.find("app");
      return it == req.query.end() ? std::string(kSystemApp) : it->second;
    }
  }
  return std::string(kSystemApp);
}

bool non_admin_peer(const Caller& c) {
  return c.kind == Caller::Kind::kUnixPeer && !c.admin;
}

// The app-level part of kApp, kAppUsers and kUser for an API key or a Unix admin.
bool key_or_admin_may(const Caller& c, const std::string& app, Scope scope) {
  if (c.kind == Caller::Kind::kUnixPeer) return c.admin;
  return c.kind == Caller::Kind::kApiKey && c.app == app && c.has_scope(to_string(scope));
}

std::string lacks_scope(Scope scope, const std::string& app) {
  return std::string("this API key lacks scope '") + to_string(scope) + "' for app '" + app + "'";
}

std::optional<ApiResponse> decide_for_app(const Access& a, const ApiRequest& req,
                                          const std::string& app) {
  const Caller& c = req.caller;
  switch (a.kind()) {
    case Access::Kind::kOpen:
    case Access::Kind::kIdentified: return std::nullopt;
    case Access::Kind::kAdmin:
      if (is_admin_of(c, app)) return std::nullopt;
      return denied("admin of app '" + app + "' required");
    case Access::Kind::kApp:
      if (key_or_admin_may(c, app, a.scope())) return std::nullopt;
      if (c.kind == Caller::Kind::kApiKey) return denied(lacks_scope(a.scope(), app));
      return denied("this caller may not do this in app '" + app + "'");
    case Access::Kind::kAppUsers:
    case Access::Kind::kUser: break;
  }
  if (key_or_admin_may(c, app, a.scope())) return std::nullopt;
  if (!non_admin_peer(c)) return denied(lacks_scope(a.scope(), app));
  // A peer without an account name has no account of its own to act on.
  if (app != kSystemApp || c.user.empty()) {
    return denied("you may only manage your own account (app 'system')");
  }
  if (a.kind() == Access::Kind::kUser && req.path_params.at("user") != c.user) {
    return denied("you may only manage your own account");
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(Scope s) {
  switch (s) {
    case Scope::kVerify: return "verify";
    case Scope::kEnroll: return "enroll";
    case Scope::kAdmin: break;
  }
  return "admin";
}

bool is_admin_of(const Caller& c, const std::string& app) {
  switch (c.kind) {
    case Caller::Kind::kUnixPeer: return c.admin;
    case Caller::Kind::kApiKey: return c.app == app && c.scopes.count("admin") != 0;
    case Caller::Kind::kAnonymous: break;
  }
  return false;
}

std::optional<ApiResponse> decide(const Access& a, const ApiRequest& req) {
  const Caller& c = req.caller;
  if (a.kind() == Access::Kind::kOpen) return std::nullopt;
  if (c.kind == Caller::Kind::kAnonymous) {
    // RFC 6750 section 3: a request without credentials is told which scheme to use.
    ApiResponse r = error_response(401, "unauthenticated", "missing or invalid API key");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (a.is_socket_only() && c.kind != Caller::Kind::kUnixPeer) {
    return denied("this route is served on the Unix socket only, whatever the API key");
  }
  if (a.kind() == Access::Kind::kIdentified) return std::nullopt;
  const std::string app = app_of(a, req);
  if (Status s = core::validate_app_name(app); !s) return from_error(s.error());
  if (a.kind() == Access::Kind::kUser) {
    if (Status s = core::validate_user_name(req.path_params.at("user")); !s) {
      return from_error(s.error());
    }
  }
  return decide_for_app(a, req, app);
}

std::optional<ApiResponse> check_named_user(const ApiRequest& req, const std::string& user) {
  if (Status s = core::validate_user_name(user); !s) return from_error(s.error());
  const Caller& c = req.caller;
  if (non_admin_peer(c) && (c.user.empty() || c.user != user)) {
    return denied("you may only manage your own account");
  }
  return std::nullopt;
}

const std::string* own_account_only(const Caller& c) {
  return non_admin_peer(c) ? &c.user : nullptr;
}

}  // namespace mfa::daemon
