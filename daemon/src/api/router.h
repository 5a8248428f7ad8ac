// Maps (method, path pattern) to a handler. Patterns use {name} segments:
// "/v1/apps/{app}/users/{user}/mfa". A segment that is a credential (a one-time link token)
// is declared {name:secret}: it is matched like {name}, and loggable_path() replaces it with
// "{name}" so that the access log never holds it (issue 10, finding 5). dispatch() is the
// per-request exception barrier: a throwing handler yields a JSON 500 for that request,
// never a dead daemon.
//
// Every route declares who may call it (access.h); dispatch() decides that before the handler
// runs, so there is no way to register a route without an access rule. An anonymous caller
// (TCP without a key) learns nothing about routes it may not call: 401 for anything that is
// not an open route, an unknown path included.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/src/api/access.h"
#include "daemon/src/api/api_types.h"

namespace mfa::daemon {

class Router {
 public:
  // Throws std::logic_error (at startup) when `access` needs a segment the pattern lacks
  // ({app} for an app from the path, {user} for Access::user).
  void add(std::string method, std::string pattern, Access access, Handler handler);
  // 404 for an unknown path, 405 (with Allow) for a known path with another method.
  ApiResponse dispatch(ApiRequest& req) const;
  // `path` with every secret segment replaced by its "{name}". A path that matches no route
  // is redacted wherever it starts like a route with a secret segment (a typo after the token
  // must not log it either).
  std::string loggable_path(std::string_view path) const;
  // What each route declares, in registration order (tests enumerate the real table).
  struct Declared {
    std::string method;
    std::string pattern;
    Access access;
  };
  std::vector<Declared> declared() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;                // as shown in metrics: {name}, never {name:secret}
    std::vector<std::string> segments;  // literal, or "{name}" for a parameter
    std::vector<bool> secret;           // per segment: declared {name:secret}
    Access access;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace mfa::daemon
