// Bounded JSON reading (jsmn tokens over the response body) and writing (escaped strings into
// a fixed buffer) for the libc-only tiers. jsmn is header-only: its implementation is compiled
// into client/json.cc alone (JSMN_STATIC); every other includer sees only the types.
#pragma once

#include <stddef.h>

#ifndef JSMN_STATIC
#define JSMN_STATIC
#endif
#ifndef JSMN_STRICT
#define JSMN_STRICT
#endif
#ifndef JSMN_HEADER
#define JSMN_HEADER
#define MFA_CLIENT_JSMN_HEADER_DEFINED
#endif
#include <jsmn.h>
#ifdef MFA_CLIENT_JSMN_HEADER_DEFINED
#undef JSMN_HEADER
#undef MFA_CLIENT_JSMN_HEADER_DEFINED
#endif

#include "client/limits.h"

namespace mfa::client {

struct JsonDoc {
  const char* js;
  size_t len;
  int count;
  jsmntok_t tok[kMaxJsonTokens];
};

// Parses `js[0..len)`: exactly one top-level object, no NUL byte, at most kMaxJsonTokens tokens.
[[nodiscard]] bool mfa_json_parse(JsonDoc* doc, const char* js, size_t len);
// Index of the token after the subtree rooted at `i`.
int mfa_json_skip(const JsonDoc& doc, int i);
// Value token of `key` in the object at `obj`, or -1 (absent, or `obj` is not an object).
int mfa_json_find(const JsonDoc& doc, int obj, const char* key);
// Unescapes the string token `i` (\n \" \\ \/ \b \f \r \t \uXXXX incl. surrogate pairs -> UTF-8)
// into out[0..cap) NUL-terminated. Fails on non-strings, \u0000, lone surrogates, raw control
// bytes, bad escapes, or when the text does not fit.
[[nodiscard]] bool mfa_json_string(const JsonDoc& doc, int i, char* out, size_t cap,
                                   size_t* ret_len);
[[nodiscard]] bool mfa_json_bool(const JsonDoc& doc, int i, bool* ret);
bool mfa_json_is(const JsonDoc& doc, int i, jsmntype_t type);

// Appends to a fixed buffer; once anything does not fit, `overflow` sticks and the text is
// unusable. The buffer is always NUL-terminated.
struct JsonWriter {
  char* buf;
  size_t cap;
  size_t len;
  bool overflow;
};
void mfa_json_writer_init(JsonWriter* w, char* buf, size_t cap);
void mfa_json_put_raw(JsonWriter* w, const char* text);
// Writes `s` as a quoted JSON string (", \\ and control bytes escaped).
void mfa_json_put_string(JsonWriter* w, const char* s);

}  // namespace mfa::client
