// Who may call which route: the authorization rules of DESIGN.md section 3, decided in one
// place. Every route declares its Access when it is registered (Router::add); the router asks
// decide() before the handler runs.
//  - Unix socket: admins (uid 0, group mfa-admin) act on any app and user; any other peer
//    only on its own account in app `system`.
//  - TCP: an API key acts only inside its own app, with the scope the route needs (verify |
//    enroll | admin; admin implies the others). Without a key a caller is anonymous and
//    reaches only the routes declared open (401 elsewhere).
//  - Socket-only routes answer a TCP caller 403 whatever key it presents.
//
// What decide() cannot know, because it is in the body or in a stored record, stays with the
// handler, through the two functions at the end: the user a login or challenge is for
// (check_named_user), and narrowing a listing to a non-admin peer's own account
// (own_account_only).
#pragma once

#include <optional>
#include <string>

#include "daemon/src/api/api_types.h"

namespace mfa::daemon {

enum class Scope { kVerify, kEnroll, kAdmin };

// Where a route's app comes from.
enum class AppFrom {
  kPath,    // the {app} segment
  kSystem,  // always app `system` (the policy, PAM)
  kQuery,   // ?app=, app `system` when absent (policy explain)
};

class Access {
 public:
  enum class Kind {
    kOpen,        // anyone, anonymous TCP callers too
    kIdentified,  // any Unix peer or valid API key
    kAdmin,       // admin of the app
    kApp,         // the app as a whole, with a scope; no non-admin peer
    kAppUsers,    // users of the app, with a scope; a non-admin peer for its own account only
    kUser,        // the {user} of the app, with a scope; a non-admin peer when it is its own
  };

  // No credential needed: the handler shows an anonymous caller nothing private (health),
  // or the path carries its own credential (the enrolment link's {token:secret}).
  static Access open() { return Access(Kind::kOpen, Scope::kVerify, AppFrom::kPath); }
  // Any identified caller (a Unix peer, an API key of any app): /metrics, PAM.
  static Access identified() { return Access(Kind::kIdentified, Scope::kVerify, AppFrom::kPath); }
  // A Unix admin, or an API key of the app with scope admin.
  static Access admin(AppFrom from = AppFrom::kPath) {
    return Access(Kind::kAdmin, Scope::kAdmin, from);
  }
  // App-wide work with `scope` (usernameless passkey logins): a Unix admin, or an API key of
  // the app with the scope; a non-admin peer has no account to confine it to.
  static Access app(Scope scope) { return Access(Kind::kApp, scope, AppFrom::kPath); }
  // Work on some user of the app that the path does not name (it is in the body, in a stored
  // challenge, or the route lists them): as app(), and a non-admin peer with an account in
  // app `system`, whom the handler confines to it (check_named_user, own_account_only).
  static Access app_users(Scope scope, AppFrom from = AppFrom::kPath) {
    return Access(Kind::kAppUsers, scope, from);
  }
  // Work on the {user} of the path: as app_users(), a non-admin peer only for its own account.
  static Access user(Scope scope) { return Access(Kind::kUser, scope, AppFrom::kPath); }
  // And only on the Unix socket: the PAM stack or the security key is on this host.
  Access socket_only() const {
    Access a = *this;
    a.socket_only_ = true;
    return a;
  }

  Kind kind() const { return kind_; }
  Scope scope() const { return scope_; }
  AppFrom app_from() const { return app_from_; }
  bool is_socket_only() const { return socket_only_; }

 private:
  Access(Kind kind, Scope scope, AppFrom from) : kind_(kind), scope_(scope), app_from_(from) {}
  Kind kind_;
  Scope scope_;
  AppFrom app_from_;
  bool socket_only_ = false;
};

const char* to_string(Scope s);

// nullopt when `req.caller` may call a route declared `access` (path_params filled);
// otherwise the answer: 401 for an anonymous caller, 400 for an invalid app or user name,
// 403 for a caller without the right.
std::optional<ApiResponse> decide(const Access& access, const ApiRequest& req);

// Admin of `app`: a Unix admin, or an API key of that app with scope admin. Also decides what
// a caller is shown (a factor's destination in full) and whether a change needs step-up.
bool is_admin_of(const Caller& c, const std::string& app);

// For app_users() routes, once the handler knows the user (from the body or a stored record):
// nullopt when the caller, already admitted to the app by decide(), may act on `user`; else
// 400 (invalid name) or 403 (a non-admin peer naming another account).
std::optional<ApiResponse> check_named_user(const ApiRequest& req, const std::string& user);
// For app_users() listings: the account a non-admin Unix peer's listing is narrowed to (its
// own, in app `system`); nullptr for callers that see the whole app.
const std::string* own_account_only(const Caller& c);

}  // namespace mfa::daemon
