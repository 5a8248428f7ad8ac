// HTTP/1.1 framing for the client: request head formatting and response head parsing.
// Pure functions on buffers (no I/O) so they can be unit-tested and fuzzed.
#pragma once

#include <stddef.h>

namespace mfa::client {

enum class HeadParse { kIncomplete, kComplete, kBad, kUnsupported, kTooLarge };

struct ResponseHead {
  int status;             // 100..599
  size_t head_len;        // bytes up to and including the blank line
  size_t content_length;  // body length announced by Content-Length
};

// Parses the status line and headers of `buf[0..len)`. kIncomplete: need more bytes.
// Refuses Transfer-Encoding (kUnsupported), a missing/duplicate/invalid Content-Length,
// obsolete line folding and more than kMaxResponseHeaders headers (kBad), and heads longer
// than kMaxResponseHeadBytes (kTooLarge). `ret` is written only on kComplete.
HeadParse mfa_client_parse_head(const char* buf, size_t len, ResponseHead* ret);

// Writes "METHOD PATH HTTP/1.1" + Host/Content-Type/Content-Length/Connection headers, and
// X-Mfa-Deadline-Monotonic-Ms when `deadline_ms` > 0 (CLOCK_MONOTONIC milliseconds after which
// the module no longer waits for the answer; docs/pam-protocol.md). Returns false (and writes
// nothing useful) if the result does not fit `cap` or the method/path contain bytes that would
// break the request line.
bool mfa_client_format_head(char* out, size_t cap, const char* method, const char* path,
                            size_t body_len, long long deadline_ms, size_t* ret_len);

}  // namespace mfa::client
