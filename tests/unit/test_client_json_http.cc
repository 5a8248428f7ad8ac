// Unit tests of the libc-only client's pure parts: JSON reading/unescaping/writing (jsmn) and
// HTTP response head parsing. The client sources are compiled into this TU directly (they are
// libc-only and not part of libmfad/libmfacore).
#include "client/http.cc"
#include "client/json.cc"

#include <cstring>
#include <memory>
#include <string>
// clang-format off: cmocka.h needs these first and defines fail(), so it comes last
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using namespace mfa::client;

namespace {

// The document points into `js`: callers keep the string alive while they use the result.
std::unique_ptr<JsonDoc> parse(const std::string& js, bool* ok) {
  auto doc = std::make_unique<JsonDoc>();
  *ok = mfa_json_parse(doc.get(), js.data(), js.size());
  return doc;
}

std::string str_of(const std::string& js, const char* key, bool* ok, size_t cap = 256) {
  bool parsed = false;
  auto doc = parse(js, &parsed);  // js outlives doc: it is our parameter
  assert_true(parsed);
  char out[1024];
  *ok = mfa_json_string(*doc, mfa_json_find(*doc, 0, key), out, cap, nullptr);
  return *ok ? std::string(out) : std::string();
}

void test_json_rejects_garbage(void**) {
  bool ok = true;
  for (const char* bad : {"", "[]", "\"x\"", "{", "{\"a\":", "{}{}", "{} 1", "{\"a\":1,}x",
                          "{\"a\":tru e}", "<html>"}) {
    parse(bad, &ok);
    assert_false(ok);
  }
  const std::string with_nul("{\"a\":\"b\"}\0x", 11);
  parse(with_nul, &ok);
  assert_false(ok);
  parse("{\"a\":{\"b\":[1,2,{\"c\":true}]},\"d\":\"e\"}", &ok);
  assert_true(ok);
}

void test_json_find_skips_nested(void**) {
  bool ok = false;
  const std::string js = R"({"x":{"step":1},"arr":[{"step":2}],"step":{"type":"done"}})";
  auto doc = parse(js, &ok);
  assert_true(ok);
  const int step = mfa_json_find(*doc, 0, "step");
  assert_true(mfa_json_is(*doc, step, JSMN_OBJECT));
  char out[16];
  assert_true(mfa_json_string(*doc, mfa_json_find(*doc, step, "type"), out, sizeof out, nullptr));
  assert_string_equal(out, "done");
  assert_int_equal(mfa_json_find(*doc, 0, "missing"), -1);
  assert_int_equal(mfa_json_find(*doc, step + 1, "type"), -1);  // a string is not an object
}

void test_json_unescape(void**) {
  bool ok = false;
  assert_string_equal(str_of(R"({"t":"a\nb\"c\\d\/e\tf"})", "t", &ok).c_str(), "a\nb\"c\\d/e\tf");
  assert_true(ok);
  assert_string_equal(str_of(R"({"t":"caf\u00e9 \u20ac"})", "t", &ok).c_str(),
                      "caf\xc3\xa9 \xe2\x82\xac");
  assert_string_equal(str_of(R"({"t":"\ud83d\udd11"})", "t", &ok).c_str(), "\xf0\x9f\x94\x91");
  for (const char* bad : {R"({"t":"\u0000"})", R"({"t":"\ud83d"})", R"({"t":"\udd11"})",
                          R"({"t":"\ud83dx"})", R"({"t":"\x"})", R"({"t":1})"}) {
    // Refused either by jsmn (strict escapes) or by the unescaper.
    bool parsed = false;
    const std::string js = bad;
    auto doc = parse(js, &parsed);
    char out[64];
    assert_false(parsed &&
                 mfa_json_string(*doc, mfa_json_find(*doc, 0, "t"), out, sizeof out, nullptr));
  }
  // Too long for the buffer: refused, never truncated silently.
  str_of(R"({"t":"0123456789"})", "t", &ok, 10);
  assert_false(ok);
  assert_string_equal(str_of(R"({"t":"0123456789"})", "t", &ok, 11).c_str(), "0123456789");
}

void test_json_bool(void**) {
  bool ok = false;
  const std::string js = R"({"a":true,"b":false,"c":"true","d":nul})";
  auto doc = parse(js, &ok);
  assert_true(ok);
  bool v = false;
  assert_true(mfa_json_bool(*doc, mfa_json_find(*doc, 0, "a"), &v));
  assert_true(v);
  assert_true(mfa_json_bool(*doc, mfa_json_find(*doc, 0, "b"), &v));
  assert_false(v);
  assert_false(mfa_json_bool(*doc, mfa_json_find(*doc, 0, "c"), &v));
  assert_false(mfa_json_bool(*doc, mfa_json_find(*doc, 0, "d"), &v));
}

void test_json_writer(void**) {
  char buf[64];
  JsonWriter w;
  mfa_json_writer_init(&w, buf, sizeof buf);
  mfa_json_put_raw(&w, "{\"a\":");
  mfa_json_put_string(&w, "q\"b\\\n\x01");
  mfa_json_put_raw(&w, "}");
  assert_false(w.overflow);
  assert_string_equal(buf, "{\"a\":\"q\\\"b\\\\\\u000a\\u0001\"}");
  char small[8];
  mfa_json_writer_init(&w, small, sizeof small);
  mfa_json_put_string(&w, "0123456789");
  assert_true(w.overflow);
}

HeadParse head(const std::string& s, ResponseHead* h) {
  return mfa_client_parse_head(s.data(), s.size(), h);
}

void test_http_head(void**) {
  ResponseHead h{};
  assert_int_equal(static_cast<int>(head("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", &h)),
                   static_cast<int>(HeadParse::kComplete));
  assert_int_equal(h.status, 200);
  assert_int_equal(h.content_length, 12);
  assert_int_equal(h.head_len, 39);
  assert_int_equal(
      static_cast<int>(head("HTTP/1.1 404 Not Found\r\ncontent-length:2 \r\nX: y\r\n\r\n{}", &h)),
      static_cast<int>(HeadParse::kComplete));
  assert_int_equal(h.status, 404);
  assert_int_equal(static_cast<int>(head("HTTP/1.1 200 OK\r\nContent-Len", &h)),
                   static_cast<int>(HeadParse::kIncomplete));
  for (const char* bad :
       {"HTTP/1.1 200 OK\r\n\r\n",  // no length
        "HTTP/2 200 OK\r\nContent-Length: 1\r\n\r\n", "hello world\r\n\r\n",
        "HTTP/1.1 2000 OK\r\nContent-Length: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",  // duplicate
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n folded\r\n\r\n", "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n"}) {
    assert_int_equal(static_cast<int>(head(bad, &h)), static_cast<int>(HeadParse::kBad));
  }
  assert_int_equal(
      static_cast<int>(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &h)),
      static_cast<int>(HeadParse::kUnsupported));
  assert_int_equal(static_cast<int>(head("HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\n", &h)),
                   static_cast<int>(HeadParse::kTooLarge));
  assert_int_equal(static_cast<int>(head(std::string(kMaxResponseHeadBytes, 'a'), &h)),
                   static_cast<int>(HeadParse::kTooLarge));
}

void test_http_format(void**) {
  char out[256];
  size_t n = 0;
  assert_true(mfa_client_format_head(out, sizeof out, "POST", "/v1/pam/conversations", 5, 0, &n));
  assert_int_equal(n, strlen(out));
  assert_non_null(strstr(out, "POST /v1/pam/conversations HTTP/1.1\r\n"));
  assert_non_null(strstr(out, "Content-Length: 5\r\n"));
  assert_null(strstr(out, "X-Mfa-Deadline"));  // no deadline given: no header
  assert_true(mfa_client_format_head(out, sizeof out, "POST", "/a", 2, 123456789, &n));
  assert_non_null(strstr(out, "\r\nX-Mfa-Deadline-Monotonic-Ms: 123456789\r\n"));
  assert_non_null(strstr(out, "\r\n\r\n"));
  assert_false(mfa_client_format_head(out, sizeof out, "POST", "/a b", 0, 0, &n));
  assert_false(mfa_client_format_head(out, sizeof out, "POST", "/a\r\nX: y", 0, 0, &n));
  assert_false(mfa_client_format_head(out, sizeof out, "post", "/a", 0, 0, &n));
  assert_false(mfa_client_format_head(out, 16, "POST", "/a", 0, 0, &n));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_rejects_garbage), cmocka_unit_test(test_json_find_skips_nested),
      cmocka_unit_test(test_json_unescape),        cmocka_unit_test(test_json_bool),
      cmocka_unit_test(test_json_writer),          cmocka_unit_test(test_http_head),
      cmocka_unit_test(test_http_format),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
