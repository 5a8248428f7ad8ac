// Maps (method, path pattern) to a handler. Patterns use {name} segments:
// "/v1/apps/{app}/users/{user}/mfa". dispatch() is the per-request exception barrier:
// a throwing handler yields a JSON 500 for that request, never a dead daemon.
#pragma once

#include <string>
#include <vector>

#include "daemon/src/api_types.h"

namespace mfa::daemon {

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  // 404 for an unknown path, 405 (with Allow) for a known path with another method.
  ApiResponse dispatch(ApiRequest& req) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace mfa::daemon
