#include "daemon/src/authz.h"

namespace mfa::daemon {

bool may_access_app(const Caller& c, const std::string& app) {
  switch (c.kind) {
    case Caller::Kind::kUnixPeer: return c.admin || app == kSystemApp;
    case Caller::Kind::kApiKey: return !c.app.empty() && c.app == app;
    case Caller::Kind::kAnonymous: break;
  }
  return false;
}

bool is_admin_for(const Caller& c, const std::string& app) {
  switch (c.kind) {
    case Caller::Kind::kUnixPeer: return c.admin;
    case Caller::Kind::kApiKey: return c.app == app && c.scopes.count("admin") != 0;
    case Caller::Kind::kAnonymous: break;
  }
  return false;
}

bool has_scope_for(const Caller& c, const std::string& app, const std::string& scope) {
  switch (c.kind) {
    case Caller::Kind::kUnixPeer: return c.admin;
    case Caller::Kind::kApiKey: return c.app == app && c.has_scope(scope);
    case Caller::Kind::kAnonymous: break;
  }
  return false;
}

bool may_act_on_user(const Caller& c, const std::string& app, const std::string& user) {
  if (!may_access_app(c, app)) return false;
  if (c.kind == Caller::Kind::kApiKey) return true;
  if (c.kind == Caller::Kind::kUnixPeer) {
    return c.admin || (app == kSystemApp && !c.user.empty() && c.user == user);
  }
  return false;
}

}  // namespace mfa::daemon
