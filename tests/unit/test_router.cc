// Router: pattern matching with {params}, 404 vs 405 (+ Allow), the exception barrier (a
// throwing handler yields a JSON 500, never a crash), the matched pattern for metrics; the
// access decision (access.h) for each kind of declared access and each kind of caller, before
// any handler runs, and what the real route table declares; and the request-target decoder
// the listeners use (url.h).
#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "daemon/core/config/config.h"
#include "daemon/src/api/access.h"
#include "daemon/src/api/router.h"
#include "daemon/src/api/url.h"
#include "daemon/src/os/metrics.h"
#include "daemon/src/routes/routes.h"
#include "daemon/src/routes/routes_engine.h"
#include "daemon/src/routes/services.h"
#include "tests/support/engine_world.h"

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using namespace mfa::daemon;

namespace {

ApiResponse text(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Router make_router() {
  Router r;
  const Access open = Access::open();
  r.add("GET", "/v1/health", open, [](ApiRequest&) { return text(200, "health"); });
  r.add("GET", "/v1/apps/{app}/users/{user}/mfa", open, [](ApiRequest& q) {
    return text(200, q.path_params.at("app") + "|" + q.path_params.at("user"));
  });
  r.add("POST", "/v1/apps/{app}/apikeys", open, [](ApiRequest&) { return text(201, "created"); });
  r.add("GET", "/v1/apps/{app}/apikeys", open, [](ApiRequest&) { return text(200, "list"); });
  r.add("GET", "/v1/boom", open,
        [](ApiRequest&) -> ApiResponse { throw std::runtime_error("secret"); });
  r.add("GET", "/v1/boom2", open, [](ApiRequest&) -> ApiResponse { throw 42; });
  return r;
}

// ---- callers ----
Caller unix_peer(const std::string& user, bool admin) {
  Caller c;
  c.kind = Caller::Kind::kUnixPeer;
  c.uid = admin ? 0 : 1000;
  c.user = user;
  c.admin = admin;
  c.remote_addr = "unix";
  return c;
}

Caller api_key(const std::string& app, std::set<std::string> scopes) {
  Caller c;
  c.kind = Caller::Kind::kApiKey;
  c.key_id = "k_test";
  c.app = app;
  c.scopes = std::move(scopes);
  c.remote_addr = "192.0.2.1";
  return c;
}

const Caller kRoot = unix_peer("root", true);
const Caller kAlice = unix_peer("alice", false);  // a non-admin peer
const Caller kNameless = unix_peer("", false);    // a uid without a passwd entry
const Caller kVerifyA = api_key("a", {"verify"});
const Caller kEnrollA = api_key("a", {"enroll"});
const Caller kAdminA = api_key("a", {"admin"});
const Caller kAdminB = api_key("b", {"admin"});
const Caller kAnonymous = Caller{};

ApiRequest req(std::string method, std::string path, Caller caller = kRoot) {
  ApiRequest q;
  q.method = std::move(method);
  q.path = std::move(path);
  q.caller = std::move(caller);
  return q;
}

std::string error_code(const ApiResponse& r) {
  auto j = nlohmann::json::parse(r.body);
  return j["error"]["code"].get<std::string>();
}

void test_static_and_params(void**) {
  const Router r = make_router();
  auto q = req("GET", "/v1/health");
  ApiResponse res = r.dispatch(q);
  assert_int_equal(res.status, 200);
  assert_string_equal(res.body.c_str(), "health");
  auto q2 = req("GET", "/v1/apps/billing/users/alice@example.com/mfa");
  res = r.dispatch(q2);
  assert_int_equal(res.status, 200);
  assert_string_equal(res.body.c_str(), "billing|alice@example.com");
  assert_string_equal(q2.route_pattern.c_str(), "/v1/apps/{app}/users/{user}/mfa");
  // Same path, method picks the route.
  auto q3 = req("POST", "/v1/apps/x/apikeys");
  assert_int_equal(r.dispatch(q3).status, 201);
}

void test_not_found(void**) {
  const Router r = make_router();
  for (const char* p : {"/v1/nothing", "/v1/apps/x/users/y", "/v1/apps/x/users/y/mfa/extra", "/"}) {
    auto q = req("GET", p);
    ApiResponse res = r.dispatch(q);
    assert_int_equal(res.status, 404);
    assert_string_equal(error_code(res).c_str(), "not_found");
    assert_string_equal(res.content_type.c_str(), "application/json");
  }
}

void test_method_not_allowed(void**) {
  const Router r = make_router();
  auto q = req("DELETE", "/v1/apps/x/apikeys");
  ApiResponse res = r.dispatch(q);
  assert_int_equal(res.status, 405);
  assert_string_equal(error_code(res).c_str(), "method_not_allowed");
  std::string allow;
  for (const auto& [k, v] : res.headers) {
    if (k == "Allow") allow = v;
  }
  assert_string_equal(allow.c_str(), "POST, GET");
}

void test_exception_barrier(void**) {
  const Router r = make_router();
  for (const char* p : {"/v1/boom", "/v1/boom2"}) {
    auto q = req("GET", p);
    ApiResponse res = r.dispatch(q);
    assert_int_equal(res.status, 500);
    assert_string_equal(error_code(res).c_str(), "internal");
    // The exception text never reaches the client.
    assert_true(res.body.find("secret") == std::string::npos);
  }
}

void test_parse_target(void**) {
  std::string path;
  std::map<std::string, std::string> query;
  assert_true(parse_target("/v1/apps/a%20b/users?q=al+ice&limit=5&flag", path, query));
  assert_string_equal(path.c_str(), "/v1/apps/a b/users");
  assert_string_equal(query["q"].c_str(), "al ice");
  assert_string_equal(query["limit"].c_str(), "5");
  assert_true(query.count("flag") == 1);
  assert_false(parse_target("v1/health", path, query));           // not origin-form
  assert_false(parse_target("http://x/v1/health", path, query));  // absolute-form
  assert_false(parse_target("/v1/%zz", path, query));             // bad escape
  assert_false(parse_target("/v1/%4", path, query));              // truncated escape
  assert_false(parse_target("/v1/a%00b", path, query));           // NUL
  assert_false(parse_target("/v1/apps/../x", path, query));       // dot segments
  assert_false(parse_target("/v1/apps/%2e%2e/x", path, query));
}

void test_secret_segments_are_redacted(void**) {
  Router r;
  r.add("GET", "/v1/enroll/{token:secret}", Access::open(),
        [](ApiRequest& q) { return text(200, q.path_params.at("token")); });
  r.add("POST", "/v1/enroll/{token:secret}/webauthn/{id}", Access::open(), [](ApiRequest& q) {
    return text(200, q.path_params.at("token") + "|" + q.path_params.at("id"));
  });
  r.add("GET", "/v1/apps/{app}/users/{user}", Access::open(),
        [](ApiRequest&) { return text(200, "u"); });
  // The secret segment is matched and passed like any parameter, under its plain name.
  ApiRequest q;
  q.method = "POST";
  q.path = "/v1/enroll/tok.SECRET/webauthn/f1";
  ApiResponse res = r.dispatch(q);
  assert_string_equal(res.body.c_str(), "tok.SECRET|f1");
  assert_string_equal(q.route_pattern.c_str(), "/v1/enroll/{token}/webauthn/{id}");
  // Redacted in the matched path, in a longer or shorter unmatched one, never elsewhere.
  assert_string_equal(r.loggable_path("/v1/enroll/tok.SECRET").c_str(), "/v1/enroll/{token}");
  assert_string_equal(r.loggable_path("/v1/enroll/tok.SECRET/webauthn/f1").c_str(),
                      "/v1/enroll/{token}/webauthn/f1");
  assert_string_equal(r.loggable_path("/v1/enroll/tok.SECRET/typo/x/y").c_str(),
                      "/v1/enroll/{token}/typo/x/y");
  assert_string_equal(r.loggable_path("/v1/apps/a/users/alice").c_str(), "/v1/apps/a/users/alice");
  assert_string_equal(r.loggable_path("/v1/enrol/tok.SECRET").c_str(), "/v1/enrol/tok.SECRET");
  assert_string_equal(r.loggable_path("/v1/health/").c_str(), "/v1/health/");
  assert_string_equal(r.loggable_path("/v1/enroll").c_str(), "/v1/enroll");
}

// ---- access (access.h) ----

struct Case {
  const char* what;
  Access access;
  Caller caller;
  const char* app;        // {app} of the path
  const char* user;       // {user} of the path
  const char* query_app;  // ?app=, or nullptr
  int status;             // 0: allowed
  const char* message;    // part of the refusal's message, or ""
};

// Every kind of declared access against every kind of caller: the rules of DESIGN.md
// section 3 (Unix admins everywhere; other peers their own account in app system; API keys
// their own app with the scope, admin implying the others; anonymous only open routes).
void test_access_matrix(void**) {
  const Access open = Access::open();
  const Access identified = Access::identified();
  const Access socket = Access::identified().socket_only();
  const Access admin = Access::admin();
  const Access admin_system = Access::admin(AppFrom::kSystem);
  const Access admin_query = Access::admin(AppFrom::kQuery);
  const Access app_verify = Access::app(Scope::kVerify);
  const Access users_verify = Access::app_users(Scope::kVerify);
  const Access user_enroll = Access::user(Scope::kEnroll);
  const Access user_verify = Access::user(Scope::kVerify);
  const Access local_key = Access::user(Scope::kEnroll).socket_only();
  const Case cases[] = {
      // open: everyone, anonymous too
      {"open/anon", open, kAnonymous, "a", "x", nullptr, 0, ""},
      {"open/key", open, kAdminB, "a", "x", nullptr, 0, ""},
      {"open/peer", open, kAlice, "a", "x", nullptr, 0, ""},
      // identified: any peer or key, of any app
      {"identified/anon", identified, kAnonymous, "a", "x", nullptr, 401, "API key"},
      {"identified/peer", identified, kNameless, "a", "x", nullptr, 0, ""},
      {"identified/other-app key", identified, kVerifyA, "b", "x", nullptr, 0, ""},
      // socket only: any peer; a key, even an admin one, is told the route is socket-only
      {"socket/anon", socket, kAnonymous, "a", "x", nullptr, 401, "API key"},
      {"socket/peer", socket, kAlice, "a", "x", nullptr, 0, ""},
      {"socket/admin", socket, kRoot, "a", "x", nullptr, 0, ""},
      {"socket/admin key", socket, kAdminA, "a", "x", nullptr, 403, "Unix socket only"},
      // admin of {app}
      {"admin/root", admin, kRoot, "a", "x", nullptr, 0, ""},
      {"admin/peer", admin, kAlice, "system", "alice", nullptr, 403, "admin of app 'system'"},
      {"admin/admin key", admin, kAdminA, "a", "x", nullptr, 0, ""},
      {"admin/verify key", admin, kVerifyA, "a", "x", nullptr, 403, "admin of app 'a'"},
      {"admin/enroll key", admin, kEnrollA, "a", "x", nullptr, 403, "admin of app 'a'"},
      {"admin/other app", admin, kAdminB, "a", "x", nullptr, 403, "admin of app 'a'"},
      {"admin/anon", admin, kAnonymous, "a", "x", nullptr, 401, "API key"},
      {"admin/bad app", admin, kRoot, "A B", "x", nullptr, 400, "app names"},
      // admin of app system, whatever the path says; of ?app= (system when absent)
      {"admin system/key of a", admin_system, kAdminA, "a", "x", nullptr, 403, "'system'"},
      {"admin system/root", admin_system, kRoot, "a", "x", nullptr, 0, ""},
      {"admin query/key of a", admin_query, kAdminA, "x", "x", "a", 0, ""},
      {"admin query/absent", admin_query, kAdminA, "a", "x", nullptr, 403, "'system'"},
      {"admin query/bad", admin_query, kRoot, "a", "x", "", 400, "app names"},
      // the app as a whole, with a scope
      {"app/root", app_verify, kRoot, "a", "x", nullptr, 0, ""},
      {"app/peer", app_verify, kAlice, "system", "x", nullptr, 403, "may not do this"},
      {"app/verify key", app_verify, kVerifyA, "a", "x", nullptr, 0, ""},
      {"app/admin key", app_verify, kAdminA, "a", "x", nullptr, 0, ""},
      {"app/enroll key", app_verify, kEnrollA, "a", "x", nullptr, 403, "lacks scope 'verify'"},
      {"app/other app", app_verify, kAdminB, "a", "x", nullptr, 403, "for app 'a'"},
      {"app/anon", app_verify, kAnonymous, "a", "x", nullptr, 401, "API key"},
      // users of the app (the handler names the user): a peer only in system, with a name
      {"users/root", users_verify, kRoot, "a", "x", nullptr, 0, ""},
      {"users/peer in system", users_verify, kAlice, "system", "x", nullptr, 0, ""},
      {"users/peer elsewhere", users_verify, kAlice, "a", "x", nullptr, 403, "own account"},
      {"users/nameless peer", users_verify, kNameless, "system", "x", nullptr, 403, "own"},
      {"users/verify key", users_verify, kVerifyA, "a", "x", nullptr, 0, ""},
      {"users/enroll key", users_verify, kEnrollA, "a", "x", nullptr, 403, "lacks scope"},
      {"users/other app", users_verify, kVerifyA, "b", "x", nullptr, 403, "for app 'b'"},
      {"users/anon", users_verify, kAnonymous, "system", "x", nullptr, 401, "API key"},
      // the {user} of the path
      {"user/root", user_enroll, kRoot, "a", "bob", nullptr, 0, ""},
      {"user/own", user_enroll, kAlice, "system", "alice", nullptr, 0, ""},
      {"user/other user", user_enroll, kAlice, "system", "bob", nullptr, 403, "own account"},
      {"user/own name, other app", user_enroll, kAlice, "a", "alice", nullptr, 403, "own"},
      {"user/nameless peer", user_enroll, kNameless, "system", "x", nullptr, 403, "own"},
      {"user/enroll key", user_enroll, kEnrollA, "a", "bob", nullptr, 0, ""},
      {"user/admin key", user_enroll, kAdminA, "a", "bob", nullptr, 0, ""},
      {"user/verify key", user_enroll, kVerifyA, "a", "bob", nullptr, 403, "lacks scope 'enroll'"},
      {"user/verify scope", user_verify, kVerifyA, "a", "bob", nullptr, 0, ""},
      {"user/enroll key, verify", user_verify, kEnrollA, "a", "bob", nullptr, 403, "'verify'"},
      {"user/other app", user_enroll, kAdminB, "a", "bob", nullptr, 403, "for app 'a'"},
      {"user/anon", user_enroll, kAnonymous, "a", "bob", nullptr, 401, "API key"},
      {"user/bad user", user_enroll, kRoot, "a", "-x", nullptr, 400, "user names"},
      {"user/bad app", user_enroll, kAdminA, "A", "bob", nullptr, 400, "app names"},
      // the {user} of the path, on the socket only (local security keys)
      {"local key/own", local_key, kAlice, "system", "alice", nullptr, 0, ""},
      {"local key/other", local_key, kAlice, "system", "bob", nullptr, 403, "own account"},
      {"local key/admin key", local_key, kAdminA, "a", "bob", nullptr, 403, "Unix socket only"},
      {"local key/anon", local_key, kAnonymous, "a", "bob", nullptr, 401, "API key"},
  };
  for (const Case& c : cases) {
    ApiRequest q = req("GET", "/", c.caller);
    q.path_params = {{"app", c.app}, {"user", c.user}};
    if (c.query_app != nullptr) q.query["app"] = c.query_app;
    const std::optional<ApiResponse> refused = decide(c.access, q);
    const int status = refused ? refused->status : 0;
    if (status != c.status) fail_msg("%s: %d, want %d", c.what, status, c.status);
    if (!refused) continue;
    const auto j = nlohmann::json::parse(refused->body);
    const std::string code = j["error"]["code"].get<std::string>();
    const std::string message = j["error"]["message"].get<std::string>();
    const char* want = c.status == 401   ? "unauthenticated"
                       : c.status == 403 ? "permission_denied"
                                         : "invalid_argument";
    if (code != want) fail_msg("%s: code %s", c.what, code.c_str());
    if (message.find(c.message) == std::string::npos) {
      fail_msg("%s: message '%s' lacks '%s'", c.what, message.c_str(), c.message);
    }
    bool challenge = false;
    for (const auto& [k, v] : refused->headers)
      challenge = challenge || (k == "WWW-Authenticate" && v == "Bearer");
    if (challenge != (c.status == 401)) fail_msg("%s: WWW-Authenticate", c.what);
  }
}

void test_refused_before_the_handler_runs(void**) {
  Router r;
  int ran = 0;
  r.add("POST", "/v1/apps/{app}/apikeys", Access::admin(), [&ran](ApiRequest&) {
    ++ran;
    return text(201, "created");
  });
  auto verify = req("POST", "/v1/apps/a/apikeys", kVerifyA);
  ApiResponse res = r.dispatch(verify);
  assert_int_equal(res.status, 403);
  assert_string_equal(error_code(res).c_str(), "permission_denied");
  assert_string_equal(verify.route_pattern.c_str(), "/v1/apps/{app}/apikeys");  // counted
  auto other = req("POST", "/v1/apps/a/apikeys", kAdminB);
  assert_int_equal(r.dispatch(other).status, 403);
  assert_int_equal(ran, 0);
  auto admin = req("POST", "/v1/apps/a/apikeys", kAdminA);
  assert_int_equal(r.dispatch(admin).status, 201);
  assert_int_equal(ran, 1);
}

// A TCP caller without a key reaches the open routes and nothing else: every other route, a
// wrong method of it and an unknown path are 401 (no hint which routes exist); a wrong method
// of an open route is the usual 405.
void test_anonymous_reaches_only_open_routes(void**) {
  Router r;
  r.add("GET", "/v1/health", Access::open(), [](ApiRequest&) { return text(200, "health"); });
  r.add("GET", "/v1/enroll/{token:secret}", Access::open(),
        [](ApiRequest& q) { return text(200, q.path_params.at("token")); });
  r.add("GET", "/metrics", Access::identified(), [](ApiRequest&) { return text(200, "m"); });
  r.add("GET", "/v1/apps/{app}/apikeys", Access::admin(),
        [](ApiRequest&) { return text(200, "list"); });
  auto health = req("GET", "/v1/health", kAnonymous);
  assert_int_equal(r.dispatch(health).status, 200);
  auto link = req("GET", "/v1/enroll/tok.x", kAnonymous);
  ApiResponse res = r.dispatch(link);
  assert_int_equal(res.status, 200);
  assert_string_equal(res.body.c_str(), "tok.x");
  for (const char* m_p : {"GET /metrics", "GET /v1/apps/a/apikeys", "POST /v1/apps/a/apikeys",
                          "GET /v1/nothing", "GET /"}) {
    const std::string s(m_p);
    auto q = req(s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1), kAnonymous);
    res = r.dispatch(q);
    if (res.status != 401) fail_msg("%s: %d", m_p, res.status);
    assert_string_equal(error_code(res).c_str(), "unauthenticated");
  }
  auto wrong_method = req("POST", "/v1/enroll/tok.x", kAnonymous);
  assert_int_equal(r.dispatch(wrong_method).status, 405);
  // An identified caller gets the usual 404 and 405.
  auto unknown = req("GET", "/v1/nothing", kVerifyA);
  assert_int_equal(r.dispatch(unknown).status, 404);
  auto metrics = req("GET", "/metrics", kAdminB);
  assert_int_equal(r.dispatch(metrics).status, 200);
}

// A rule that reads {app} or {user} cannot be declared on a pattern without it.
void test_access_needs_its_segments(void**) {
  auto throws = [](const char* pattern, Access a) {
    Router r;
    try {
      r.add("GET", pattern, a, [](ApiRequest&) { return text(200, ""); });
    } catch (const std::logic_error&) {
      return true;
    }
    return false;
  };
  assert_true(throws("/v1/policy", Access::admin()));
  assert_true(throws("/v1/apps/{app}/x", Access::user(Scope::kVerify)));
  assert_true(throws("/v1/x", Access::app_users(Scope::kVerify)));
  assert_false(throws("/v1/policy", Access::admin(AppFrom::kSystem)));
  assert_false(throws("/v1/audit", Access::app_users(Scope::kAdmin, AppFrom::kSystem)));
  assert_false(throws("/v1/apps/{app}/users/{user}/x", Access::user(Scope::kVerify)));
  assert_false(throws("/metrics", Access::identified()));
}

// What stays with handlers: the user named in a body or a stored record, and narrowing a
// listing to a non-admin peer's own account.
void test_handler_side_checks(void**) {
  auto q = req("POST", "/", kAlice);
  assert_false(check_named_user(q, "alice").has_value());
  auto other = check_named_user(q, "bob");
  assert_true(other.has_value());
  assert_int_equal(other->status, 403);
  auto bad = check_named_user(q, "-rf");
  assert_true(bad.has_value());
  assert_int_equal(bad->status, 400);
  for (const Caller& c : {kRoot, kVerifyA, kAdminA}) {
    q.caller = c;
    assert_false(check_named_user(q, "bob").has_value());
    assert_null(own_account_only(c));
  }
  q.caller = kNameless;
  assert_true(check_named_user(q, "bob").has_value());
  assert_non_null(own_account_only(kAlice));
  assert_string_equal(own_account_only(kAlice)->c_str(), "alice");
  assert_true(is_admin_of(kRoot, "a"));
  assert_true(is_admin_of(kAdminA, "a"));
  assert_false(is_admin_of(kAdminA, "b"));
  assert_false(is_admin_of(kVerifyA, "a"));
  assert_false(is_admin_of(kAlice, "system"));
  assert_false(is_admin_of(kAnonymous, "system"));
}

// The real route table: only the health probe and the enrolment link are open; exactly the
// routes docs/openapi.yaml marks x-mfad-unix-socket-only are socket-only; every route under
// /v1/apps/{app} is about that app (no open or identified-only route there).
void test_real_route_table_declares(void**) {
  struct World : mfa::testing::EngineWorld {
    mfa::DaemonConfig config;
    Metrics metrics;
    Services services;
    Router router;
    World() : EngineWorld(1'700'000'000) {
      assert_true(init("defaults: {mode: optional}\n").has_value());
      static_cast<mfa::core::EngineDeps&>(services) = engine->deps();
      services.config = &config;
      services.engine = engine.get();
      services.metrics = &metrics;
      register_health_routes(router, services);
      register_apikey_routes(router, services);
      register_engine_routes(router, services);
    }
  } w;
  std::set<std::string> open, socket;
  std::size_t n = 0;
  for (const Router::Declared& d : w.router.declared()) {
    ++n;
    const std::string route = d.method + " " + d.pattern;
    if (d.access.kind() == Access::Kind::kOpen) open.insert(route);
    if (d.access.is_socket_only()) socket.insert(route);
    if (d.pattern.starts_with("/v1/apps/{app}/")) {
      if (d.access.kind() == Access::Kind::kOpen || d.access.kind() == Access::Kind::kIdentified ||
          d.access.app_from() != AppFrom::kPath) {
        fail_msg("%s: not declared for its app", route.c_str());
      }
    }
  }
  assert_true(n >= 35);
  const std::set<std::string> want_open = {
      "GET /v1/health", "GET /enroll/{token}", "GET /v1/enroll/{token}",
      "POST /v1/enroll/{token}/webauthn", "POST /v1/enroll/{token}/webauthn/{id}"};
  const std::set<std::string> want_socket = {"GET /v1/audit", "POST /v1/pam/conversations",
                                             "POST /v1/pam/conversations/{id}",
                                             "POST /v1/apps/{app}/users/{user}/local-keys"};
  assert_true(open == want_open);
  assert_true(socket == want_socket);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_static_and_params),
      cmocka_unit_test(test_not_found),
      cmocka_unit_test(test_method_not_allowed),
      cmocka_unit_test(test_exception_barrier),
      cmocka_unit_test(test_parse_target),
      cmocka_unit_test(test_secret_segments_are_redacted),
      cmocka_unit_test(test_access_matrix),
      cmocka_unit_test(test_refused_before_the_handler_runs),
      cmocka_unit_test(test_anonymous_reaches_only_open_routes),
      cmocka_unit_test(test_access_needs_its_segments),
      cmocka_unit_test(test_handler_side_checks),
      cmocka_unit_test(test_real_route_table_declares),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
