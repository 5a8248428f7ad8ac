// jsmn lives here and only here (JSMN_STATIC: its functions are internal to this TU).
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>
// clang-format off
#include "client/json.h"
// clang-format on

#include <string.h>

namespace mfa::client {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads 4 hex digits at p (caller checked bounds).
long read_hex4(const char* p) {
  long v = 0;
  for (int k = 0; k < 4; ++k) {
    const int h = hex_value(p[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

bool put_byte(char* out, size_t cap, size_t* n, char c) {
  if (*n + 1 >= cap) return false;  // keep room for the NUL
  out[(*n)++] = c;
  return true;
}

bool put_utf8(char* out, size_t cap, size_t* n, unsigned long cp) {
  char b[4];
  size_t k = 0;
  if (cp < 0x80) {
    b[k++] = static_cast<char>(cp);
  } else if (cp < 0x800) {
    b[k++] = static_cast<char>(0xC0 | (cp >> 6));
    b[k++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    b[k++] = static_cast<char>(0xE0 | (cp >> 12));
    b[k++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[k++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    b[k++] = static_cast<char>(0xF0 | (cp >> 18));
    b[k++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    b[k++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[k++] = static_cast<char>(0x80 | (cp & 0x3F));
  }
  for (size_t j = 0; j < k; ++j) {
    if (!put_byte(out, cap, n, b[j])) return false;
  }
  return true;
}

// Decodes the \uXXXX escape(s) at s[*i] (pointing at 'u'); RFC 8259 section 7 surrogates.
bool decode_u(const char* s, size_t len, size_t* i, unsigned long* ret) {
  if (*i + 5 > len) return false;
  const long hi = read_hex4(s + *i + 1);
  *i += 5;
  if (hi <= 0) return false;  // invalid or \u0000 (would truncate C strings)
  if (hi >= 0xDC00 && hi <= 0xDFFF) return false;
  if (hi < 0xD800 || hi > 0xDBFF) {
    *ret = static_cast<unsigned long>(hi);
    return true;
  }
  if (*i + 6 > len || s[*i] != '\\' || s[*i + 1] != 'u') return false;
  const long lo = read_hex4(s + *i + 2);
  if (lo < 0xDC00 || lo > 0xDFFF) return false;
  *i += 6;
  *ret = 0x10000 + ((static_cast<unsigned long>(hi) - 0xD800) << 10) +
         (static_cast<unsigned long>(lo) - 0xDC00);
  return true;
}

char simple_escape(char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return '\0';
  }
}

}  // namespace

namespace {

// jsmn accepts an object member without a value ({"k"} and {"k":}); then a lookup would walk
// into the parent's next key. Every object member must be a string key with one value.
bool objects_well_formed(const JsonDoc& doc) {
  for (int i = 0; i < doc.count; ++i) {
    if (doc.tok[i].type != JSMN_OBJECT) continue;
    int j = i + 1;
    for (int k = 0; k < doc.tok[i].size; ++k) {
      if (j >= doc.count || doc.tok[j].type != JSMN_STRING || doc.tok[j].size != 1) return false;
      j = mfa_json_skip(doc, j + 1);
    }
  }
  return true;
}

}  // namespace

bool mfa_json_parse(JsonDoc* doc, const char* js, size_t len) {
  // jsmn stops at a NUL byte; a body with one inside is not JSON.
  if (len == 0 || memchr(js, '\0', len) != nullptr) return false;
  jsmn_parser p;
  jsmn_init(&p);
  const int n = jsmn_parse(&p, js, len, doc->tok, static_cast<unsigned>(kMaxJsonTokens));
  if (n <= 0 || doc->tok[0].type != JSMN_OBJECT) return false;
  doc->js = js;
  doc->len = len;
  doc->count = n;
  // One value only: "{}{}" or "{}1" is garbage.
  return mfa_json_skip(*doc, 0) == n && objects_well_formed(*doc);
}

int mfa_json_skip(const JsonDoc& doc, int i) {
  // Each token announces `size` direct children (an object key has its value as child), so
  // walking forward while counting pending children visits exactly the subtree.
  int pending = 1;
  while (pending > 0 && i < doc.count) {
    pending += doc.tok[i].size;
    --pending;
    ++i;
  }
  return i;
}

bool mfa_json_is(const JsonDoc& doc, int i, jsmntype_t type) {
  return i >= 0 && i < doc.count && doc.tok[i].type == type;
}

int mfa_json_find(const JsonDoc& doc, int obj, const char* key) {
  if (!mfa_json_is(doc, obj, JSMN_OBJECT)) return -1;
  const size_t key_len = strlen(key);
  int i = obj + 1;
  for (int k = 0; k < doc.tok[obj].size && i + 1 < doc.count; ++k) {
    const jsmntok_t& t = doc.tok[i];
    // Keys with escapes never match our plain ASCII names: compare raw bytes.
    if (t.type == JSMN_STRING && static_cast<size_t>(t.end - t.start) == key_len &&
        memcmp(doc.js + t.start, key, key_len) == 0) {
      return i + 1;
    }
    i = mfa_json_skip(doc, i + 1);
  }
  return -1;
}

bool mfa_json_string(const JsonDoc& doc, int i, char* out, size_t cap, size_t* ret_len) {
  if (!mfa_json_is(doc, i, JSMN_STRING) || cap == 0) return false;
  const char* s = doc.js + doc.tok[i].start;
  const size_t len = static_cast<size_t>(doc.tok[i].end - doc.tok[i].start);
  size_t n = 0;
  for (size_t k = 0; k < len;) {
    const char c = s[k];
    if (static_cast<unsigned char>(c) < 0x20) return false;  // RFC 8259: must be escaped
    if (c != '\\') {
      if (!put_byte(out, cap, &n, c)) return false;
      ++k;
      continue;
    }
    if (k + 1 >= len) return false;
    if (s[k + 1] == 'u') {
      ++k;
      unsigned long cp = 0;
      if (!decode_u(s, len, &k, &cp) || !put_utf8(out, cap, &n, cp)) return false;
      continue;
    }
    const char e = simple_escape(s[k + 1]);
    if (e == '\0' || !put_byte(out, cap, &n, e)) return false;
    k += 2;
  }
  out[n] = '\0';
  if (ret_len != nullptr) *ret_len = n;
  return true;
}

bool mfa_json_bool(const JsonDoc& doc, int i, bool* ret) {
  if (!mfa_json_is(doc, i, JSMN_PRIMITIVE)) return false;
  const char* s = doc.js + doc.tok[i].start;
  const size_t len = static_cast<size_t>(doc.tok[i].end - doc.tok[i].start);
  if (len == 4 && memcmp(s, "true", 4) == 0) {
    *ret = true;
    return true;
  }
  if (len == 5 && memcmp(s, "false", 5) == 0) {
    *ret = false;
    return true;
  }
  return false;
}

void mfa_json_writer_init(JsonWriter* w, char* buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->overflow = cap == 0;
  if (cap > 0) buf[0] = '\0';
}

namespace {
void put_char(JsonWriter* w, char c) {
  if (w->overflow || w->len + 1 >= w->cap) {
    w->overflow = true;
    return;
  }
  w->buf[w->len++] = c;
  w->buf[w->len] = '\0';
}
}  // namespace

void mfa_json_put_raw(JsonWriter* w, const char* text) {
  for (const char* p = text; *p != '\0'; ++p) put_char(w, *p);
}

void mfa_json_put_string(JsonWriter* w, const char* s) {
  static constexpr char kHex[] = "0123456789abcdef";
  put_char(w, '"');
  for (const char* p = s; *p != '\0'; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\') {
      put_char(w, '\\');
      put_char(w, static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      put_char(w, '\\');
      put_char(w, 'u');
      put_char(w, '0');
      put_char(w, '0');
      put_char(w, kHex[c >> 4]);
      put_char(w, kHex[c & 0xF]);
    } else {
      put_char(w, static_cast<char>(c));
    }
  }
  put_char(w, '"');
}

}  // namespace mfa::client
