// The transport-neutral shape of one API call. Listeners (http_server.cc) turn Beast
// messages into ApiRequest, identify the Caller (SO_PEERCRED on the Unix socket, API key on
// TCP), and hand the request to the Router; route handlers never see sockets or Beast.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mfa::daemon {

struct Caller {
  enum class Kind { kUnixPeer, kApiKey, kAnonymous };
  Kind kind = Kind::kAnonymous;
  // Unix socket: peer credentials. admin = uid 0 or member of group mfa-admin; an admin acts
  // for app `system` (and any app); a non-admin acts only as `user` (its own account) in
  // app `system`.
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  pid_t pid = 0;
  std::string user;  // Unix account name of the peer (kUnixPeer)
  bool admin = false;
  // TCP: the API key's app and scopes (verify | enroll | admin).
  std::string key_id;
  std::string app;
  std::set<std::string> scopes;
  std::string remote_addr;  // TCP peer address; "unix" on the socket

  bool has_scope(const std::string& s) const {
    return scopes.count(s) != 0 || scopes.count("admin") != 0;
  }
  // "uid:1000" / "apikey:k_abc" — recorded as the actor in audit events.
  std::string actor() const;
};

struct ApiRequest {
  std::string method;                              // GET, POST, DELETE, PUT, PATCH
  std::string path;                                // decoded path, no query
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> path_params;  // filled by the router: {app}, {id}, ...
  std::map<std::string, std::string> headers;      // lower-case names
  std::string body;
  Caller caller;
  std::string request_id;     // for logs
  std::string route_pattern;  // filled by the router: the matched pattern (metrics), or ""
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Retry-After...)
};

using Handler = std::function<ApiResponse(ApiRequest&)>;

}  // namespace mfa::daemon
