// HTTP/1.1 response head parsing (RFC 9112) restricted to what mfad sends: a status line,
// a bounded number of headers and a Content-Length body. Anything else is refused so that a
// confused or hostile peer can never make the module read unbounded or ambiguous input.
#include "client/http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client/limits.h"

namespace mfa::client {
namespace {

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Finds "\r\n\r\n" in buf[0..len); returns the offset just past it, or 0.
size_t find_head_end(const char* buf, size_t len) {
  for (size_t i = 0; i + 3 < len; ++i) {
    if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
      return i + 4;
    }
  }
  return 0;
}

// "HTTP/1.1 200 OK" (reason phrase optional). Returns the status or -1.
int parse_status_line(const char* line, size_t len) {
  if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0) return -1;
  if (line[7] != '0' && line[7] != '1') return -1;
  if (line[8] != ' ') return -1;
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) return -1;
  if (len > 12 && line[12] != ' ') return -1;
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100 || status > 599) return -1;
  return status;
}

bool parse_content_length(const char* v, size_t len, size_t* ret) {
  if (len == 0 || len > 9) return false;  // 9 digits is far beyond kMaxResponseBytes
  size_t n = 0;
  for (size_t i = 0; i < len; ++i) {
    if (!is_digit(v[i])) return false;
    n = n * 10 + static_cast<size_t>(v[i] - '0');
  }
  *ret = n;
  return true;
}

bool name_is(const char* name, size_t len, const char* want) {
  return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

}  // namespace

HeadParse mfa_client_parse_head(const char* buf, size_t len, ResponseHead* ret) {
  const size_t scan = len < kMaxResponseHeadBytes ? len : kMaxResponseHeadBytes;
  const size_t head_len = find_head_end(buf, scan);
  if (head_len == 0)
    return len >= kMaxResponseHeadBytes ? HeadParse::kTooLarge : HeadParse::kIncomplete;

  const char* end = buf + head_len - 2;  // the final CRLF
  const char* line = buf;
  const char* eol = static_cast<const char*>(memchr(line, '\r', static_cast<size_t>(end - line)));
  if (eol == nullptr || eol[1] != '\n') return HeadParse::kBad;
  const int status = parse_status_line(line, static_cast<size_t>(eol - line));
  if (status < 200) return HeadParse::kBad;  // 1xx: we never send Expect

  bool have_length = false;
  size_t length = 0;
  size_t count = 0;
  for (line = eol + 2; line < end; line = eol + 2) {
    eol = static_cast<const char*>(memchr(line, '\r', static_cast<size_t>(end - line) + 1));
    if (eol == nullptr || eol[1] != '\n') return HeadParse::kBad;
    if (++count > kMaxResponseHeaders) return HeadParse::kBad;
    const char* colon =
        static_cast<const char*>(memchr(line, ':', static_cast<size_t>(eol - line)));
    if (colon == nullptr || colon == line) return HeadParse::kBad;  // also rejects obs-fold
    for (const char* p = line; p < colon; ++p) {
      if (!is_tchar(*p)) return HeadParse::kBad;
    }
    const char* v = colon + 1;
    const char* ve = eol;
    while (v < ve && (*v == ' ' || *v == '\t')) ++v;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) --ve;
    for (const char* p = v; p < ve; ++p) {
      if (*p == '\0' || *p == '\n' || *p == '\r') return HeadParse::kBad;
    }
    const size_t name_len = static_cast<size_t>(colon - line);
    if (name_is(line, name_len, "transfer-encoding")) return HeadParse::kUnsupported;
    if (name_is(line, name_len, "content-length")) {
      size_t n = 0;
      // RFC 9112 section 6.3: differing or invalid Content-Length is unrecoverable.
      if (have_length || !parse_content_length(v, static_cast<size_t>(ve - v), &n)) {
        return HeadParse::kBad;
      }
      have_length = true;
      length = n;
    }
  }
  if (!have_length) {
    if (status != 204) return HeadParse::kBad;
    length = 0;
  }
  if (length > kMaxResponseBytes - head_len) return HeadParse::kTooLarge;
  ret->status = status;
  ret->head_len = head_len;
  ret->content_length = length;
  return HeadParse::kComplete;
}

bool mfa_client_format_head(char* out, size_t cap, const char* method, const char* path,
                            size_t body_len, long long deadline_ms, size_t* ret_len) {
  for (const char* p = method; *p != '\0'; ++p) {
    if (*p < 'A' || *p > 'Z') return false;
  }
  if (path[0] != '/') return false;
  for (const char* p = path; *p != '\0'; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  char deadline[64] = "";
  if (deadline_ms > 0) {
    const int d =
        snprintf(deadline, sizeof deadline, "X-Mfa-Deadline-Monotonic-Ms: %lld\r\n", deadline_ms);
    if (d < 0 || static_cast<size_t>(d) >= sizeof deadline) return false;
  }
  const int n = snprintf(out, cap,
                         "%s %s HTTP/1.1\r\nHost: mfad\r\nContent-Type: application/json\r\n"
                         "Accept: application/json\r\nContent-Length: %zu\r\n"
                         "%sConnection: close\r\n\r\n",
                         method, path, body_len, deadline);
  if (n < 0 || static_cast<size_t>(n) >= cap) return false;
  *ret_len = static_cast<size_t>(n);
  return true;
}

}  // namespace mfa::client
