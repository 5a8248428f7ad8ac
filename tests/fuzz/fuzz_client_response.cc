// The libc-only client's parsing of what comes back over the socket (client/http.cc,
// client/json.cc): the response head, then the JSON body walked the way pam_module/
// conversation.cc walks it (find keys, unescape every string into small and large buffers,
// read bools, skip subtrees). Also a writer round trip: any NUL-free text written with
// mfa_json_put_string and read back with mfa_json_string is unchanged.
// Compiled like tests/unit/test_client_json_http.cc: the client sources are included directly.
#include "client/http.cc"
#include "client/json.cc"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.h"

using namespace mfa::client;

namespace {

void walk(const JsonDoc& doc) {
  FUZZ_CHECK(doc.count >= 1 && doc.tok[0].type == JSMN_OBJECT);
  FUZZ_CHECK(mfa_json_skip(doc, 0) == doc.count);
  static const char* const kKeys[] = {"id",     "messages", "step",  "type", "text", "echo",
                                      "result", "message",  "error", "code", "style"};
  char small[8];
  char big[kMaxResponseBytes + 1];
  for (int i = 0; i < doc.count; ++i) {
    const jsmntok_t& t = doc.tok[i];
    FUZZ_CHECK(t.start >= 0 && t.end >= t.start && static_cast<size_t>(t.end) <= doc.len);
    const int next = mfa_json_skip(doc, i);
    FUZZ_CHECK(next > i && next <= doc.count);
    if (t.type == JSMN_OBJECT) {
      for (const char* key : kKeys) {
        const int v = mfa_json_find(doc, i, key);
        FUZZ_CHECK(v == -1 || (v > i && v < next));
      }
    }
    size_t n = 0;
    const bool ok_big = mfa_json_string(doc, i, big, sizeof big, &n);
    if (ok_big) {
      FUZZ_CHECK(n < sizeof big && big[n] == '\0' && std::strlen(big) == n);
      size_t m = 0;
      const bool ok_small = mfa_json_string(doc, i, small, sizeof small, &m);
      FUZZ_CHECK(ok_small == (n < sizeof small));
      if (ok_small) FUZZ_CHECK(m == n && std::memcmp(small, big, n + 1) == 0);
    } else {
      FUZZ_CHECK(!mfa_json_string(doc, i, small, sizeof small, &n));
    }
    bool b = false;
    (void)mfa_json_bool(doc, i, &b);
  }
}

void writer_round_trip(const char* text, size_t len) {
  std::string s(text, len);
  s = s.substr(0, s.find('\0'));
  std::vector<char> buf(s.size() * 6 + 16);
  JsonWriter w;
  mfa_json_writer_init(&w, buf.data(), buf.size());
  mfa_json_put_raw(&w, "{\"k\":");
  mfa_json_put_string(&w, s.c_str());
  mfa_json_put_raw(&w, "}");
  FUZZ_CHECK(!w.overflow);
  auto doc = std::make_unique<JsonDoc>();
  // JSMN_STRICT rejects nothing the writer produces, whatever the bytes (UTF-8 or not).
  FUZZ_CHECK(mfa_json_parse(doc.get(), w.buf, w.len));
  std::vector<char> out(s.size() + 1);
  size_t n = 0;
  FUZZ_CHECK(mfa_json_string(*doc, mfa_json_find(*doc, 0, "k"), out.data(), out.size(), &n));
  FUZZ_CHECK(n == s.size() && std::memcmp(out.data(), s.data(), n) == 0);
  // One byte short of room must fail, never truncate silently.
  if (!s.empty()) {
    FUZZ_CHECK(!mfa_json_string(*doc, mfa_json_find(*doc, 0, "k"), out.data(), s.size(), &n));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxResponseBytes) return 0;  // the transport never reads more (kTooLarge)
  const char* buf = reinterpret_cast<const char*>(data);
  // The transport calls this on every growing prefix; two prefixes and the whole buffer
  // exercise kIncomplete as well as kComplete.
  ResponseHead head = {};
  for (size_t len : {size / 3, size / 2, size}) {
    ResponseHead h = {};
    const HeadParse r = mfa_client_parse_head(buf, len, &h);
    if (r == HeadParse::kComplete) {
      FUZZ_CHECK(h.status >= 200 && h.status <= 599);
      FUZZ_CHECK(h.head_len >= 4 && h.head_len <= len && h.head_len <= kMaxResponseHeadBytes);
      FUZZ_CHECK(std::memcmp(buf + h.head_len - 4, "\r\n\r\n", 4) == 0);
      head = h;
    }
  }
  if (head.head_len > 0 && head.head_len + head.content_length <= size) {
    auto doc = std::make_unique<JsonDoc>();
    if (mfa_json_parse(doc.get(), buf + head.head_len, head.content_length)) walk(*doc);
  }
  // No head: treat the whole input as a body (the PAM module parses bodies of any 2xx/4xx).
  auto doc = std::make_unique<JsonDoc>();
  if (mfa_json_parse(doc.get(), buf, size)) walk(*doc);
  writer_round_trip(buf, size);
  // Request heads: the input split at the first space as method and path must either be
  // refused or produce a head whose request line is exactly "METHOD PATH HTTP/1.1".
  std::string in(buf, size);
  in = in.substr(0, in.find('\0'));
  const size_t sp = in.find(' ');
  if (sp != std::string::npos) {
    const std::string method = in.substr(0, sp), path = in.substr(sp + 1);
    char out[kMaxRequestHeadBytes];
    size_t n = 0;
    if (mfa_client_format_head(out, sizeof out, method.c_str(), path.c_str(), size, 0, &n)) {
      const std::string line = method + " " + path + " HTTP/1.1\r\n";
      FUZZ_CHECK(n <= sizeof out && n >= line.size());
      FUZZ_CHECK(std::memcmp(out, line.data(), line.size()) == 0);
      FUZZ_CHECK(std::string(out, n).find("\r\n\r\n") == n - 4);
    }
  }
  return 0;
}
