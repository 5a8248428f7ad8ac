// Router: pattern matching with {params}, 404 vs 405 (+ Allow), the exception barrier (a
// throwing handler yields a JSON 500, never a crash), the matched pattern for metrics; and the
// request-target decoder the listeners use (url.h).
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "daemon/src/router.h"
#include "daemon/src/url.h"

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
  r.add("GET", "/v1/health", [](ApiRequest&) { return text(200, "health"); });
  r.add("GET", "/v1/apps/{app}/users/{user}/mfa", [](ApiRequest& q) {
    return text(200, q.path_params.at("app") + "|" + q.path_params.at("user"));
  });
  r.add("POST", "/v1/apps/{app}/apikeys", [](ApiRequest&) { return text(201, "created"); });
  r.add("GET", "/v1/apps/{app}/apikeys", [](ApiRequest&) { return text(200, "list"); });
  r.add("GET", "/v1/boom", [](ApiRequest&) -> ApiResponse { throw std::runtime_error("secret"); });
  r.add("GET", "/v1/boom2", [](ApiRequest&) -> ApiResponse { throw 42; });
  return r;
}

ApiRequest req(std::string method, std::string path) {
  ApiRequest q;
  q.method = std::move(method);
  q.path = std::move(path);
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
  r.add("GET", "/v1/enroll/{token:secret}",
        [](ApiRequest& q) { return text(200, q.path_params.at("token")); });
  r.add("POST", "/v1/enroll/{token:secret}/webauthn/{id}", [](ApiRequest& q) {
    return text(200, q.path_params.at("token") + "|" + q.path_params.at("id"));
  });
  r.add("GET", "/v1/apps/{app}/users/{user}", [](ApiRequest&) { return text(200, "u"); });
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

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_static_and_params),
      cmocka_unit_test(test_not_found),
      cmocka_unit_test(test_method_not_allowed),
      cmocka_unit_test(test_exception_barrier),
      cmocka_unit_test(test_parse_target),
      cmocka_unit_test(test_secret_segments_are_redacted),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
