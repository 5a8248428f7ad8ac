#include "daemon/src/api/router.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string_view>

#include "daemon/src/api/http_errors.h"

namespace mfa::daemon {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

constexpr std::string_view kSecretSuffix = ":secret}";

bool is_param(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

std::string join(const std::vector<std::string>& segments) {
  std::string out;
  for (const std::string& s : segments) out += "/" + s;
  return out.empty() ? "/" : out;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           std::map<std::string, std::string>& params) {
  if (pattern.size() != path.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (is_param(p)) {
      if (path[i].empty()) return false;
      found[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

bool has_segment(const std::vector<std::string>& segments, const std::string& want) {
  return std::find(segments.begin(), segments.end(), want) != segments.end();
}

bool needs_path_app(const Access& a) {
  return a.app_from() == AppFrom::kPath && a.kind() != Access::Kind::kOpen &&
         a.kind() != Access::Kind::kIdentified;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Access access, Handler handler) {
  std::vector<std::string> segments = split_path(pattern);
  std::vector<bool> secret(segments.size(), false);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    std::string& seg = segments[i];
    if (!is_param(seg) || !seg.ends_with(kSecretSuffix)) continue;
    seg = seg.substr(0, seg.size() - kSecretSuffix.size()) + "}";
    secret[i] = true;
  }
  if ((needs_path_app(access) && !has_segment(segments, "{app}")) ||
      (access.kind() == Access::Kind::kUser && !has_segment(segments, "{user}"))) {
    throw std::logic_error(method + " " + pattern +
                           ": its access rule needs an {app} segment (Access::user a {user} too)");
  }
  routes_.push_back(Route{std::move(method), join(segments), std::move(segments), std::move(secret),
                          access, std::move(handler)});
}

std::vector<Router::Declared> Router::declared() const {
  std::vector<Declared> out;
  for (const Route& r : routes_) out.push_back(Declared{r.method, r.pattern, r.access});
  return out;
}

std::string Router::loggable_path(std::string_view path) const {
  std::vector<std::string> segments = split_path(path);
  bool redacted = false;
  for (const Route& r : routes_) {
    // Literal segments must agree up to each secret one; what follows does not matter.
    for (std::size_t i = 0; i < r.segments.size() && i < segments.size(); ++i) {
      if (r.secret[i]) {
        redacted = redacted || segments[i] != r.segments[i];
        segments[i] = r.segments[i];
        continue;
      }
      if (!is_param(r.segments[i]) && r.segments[i] != segments[i]) break;
    }
  }
  // Unchanged paths are logged as sent (empty segments and a trailing slash included).
  return redacted ? join(segments) : std::string(path);
}

ApiResponse Router::dispatch(ApiRequest& req) const {
  const auto segments = split_path(req.path);
  std::string allow;
  bool open_path = false;  // some method of this path is open to anonymous callers
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r.segments, segments, params)) continue;
    if (r.method != req.method) {
      req.route_pattern = r.pattern;  // a 405 is still counted under its route
      if (!allow.empty()) allow += ", ";
      allow += r.method;
      open_path = open_path || r.access.kind() == Access::Kind::kOpen;
      continue;
    }
    req.path_params = std::move(params);
    req.route_pattern = r.pattern;
    try {
      if (auto refused = decide(r.access, req)) return *refused;
      return r.handler(req);
    } catch (const std::exception&) {
      // The barrier: the listener logs the request id; the body never carries internals.
      return error_response(500, "internal", "internal error");
    } catch (...) {
      return error_response(500, "internal", "internal error");
    }
  }
  if (!open_path) {
    if (auto refused = decide(Access::identified(), req)) return *refused;  // anonymous: 401
  }
  if (!allow.empty()) {
    ApiResponse r = error_response(405, "method_not_allowed", "method not allowed");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  return error_response(404, "not_found", "no such resource");
}

}  // namespace mfa::daemon
