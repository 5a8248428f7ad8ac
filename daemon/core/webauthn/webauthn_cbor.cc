#include "daemon/core/webauthn/webauthn_cbor.h"

#include <cbor.h>

namespace mfa::webauthn {
namespace {

// What one cbor_stream_decode call reported: the head of one item. The callbacks only record
// it; every bound is checked by the driver below, which knows how many bytes are left.
struct Head {
  CborValue::Type type = CborValue::Type::kNull;
  std::uint64_t arg = 0;               // integer value, or the entry count of an array/map
  bool boolean = false;                // kBool
  std::span<const std::uint8_t> data;  // kBytes / kText: points into the input
  const char* refused = nullptr;       // set for what we do not accept
};

Head& head(void* ctx) {
  return *static_cast<Head*>(ctx);
}
void set(void* ctx, CborValue::Type t, std::uint64_t v) {
  head(ctx).type = t;
  head(ctx).arg = v;
}
void set_data(void* ctx, CborValue::Type t, cbor_data p, std::size_t len) {
  head(ctx).type = t;
  head(ctx).data = {p, len};
}
void refuse_indefinite(void* ctx) {
  head(ctx).refused = "CBOR indefinite length not supported";
}
void refuse_simple(void* ctx) {
  head(ctx).refused = "CBOR simple value or float not supported";
}
void refuse_float(void* ctx, float) {
  refuse_simple(ctx);
}

// Every callback is set: libcbor's null callbacks would silently drop what we must refuse.
// Reserved and unassigned initial bytes (additional info 28..30, simple values 0..19 and
// 24..31, tags 6..20) never reach a callback: cbor_stream_decode reports CBOR_DECODER_ERROR.
cbor_callbacks make_callbacks() {
  cbor_callbacks cb = cbor_empty_callbacks;
  using T = CborValue::Type;
  cb.uint8 = [](void* c, std::uint8_t v) { set(c, T::kUint, v); };
  cb.uint16 = [](void* c, std::uint16_t v) { set(c, T::kUint, v); };
  cb.uint32 = [](void* c, std::uint32_t v) { set(c, T::kUint, v); };
  cb.uint64 = [](void* c, std::uint64_t v) { set(c, T::kUint, v); };
  cb.negint8 = [](void* c, std::uint8_t v) { set(c, T::kNint, v); };
  cb.negint16 = [](void* c, std::uint16_t v) { set(c, T::kNint, v); };
  cb.negint32 = [](void* c, std::uint32_t v) { set(c, T::kNint, v); };
  cb.negint64 = [](void* c, std::uint64_t v) { set(c, T::kNint, v); };
  cb.byte_string = [](void* c, cbor_data p, std::size_t n) { set_data(c, T::kBytes, p, n); };
  cb.string = [](void* c, cbor_data p, std::size_t n) { set_data(c, T::kText, p, n); };
  cb.array_start = [](void* c, std::size_t n) { set(c, T::kArray, n); };
  cb.map_start = [](void* c, std::size_t n) { set(c, T::kMap, n); };
  cb.boolean = [](void* c, bool b) {
    head(c).type = T::kBool;
    head(c).boolean = b;
  };
  cb.null = [](void* c) { head(c).type = T::kNull; };
  cb.byte_string_start = refuse_indefinite;
  cb.string_start = refuse_indefinite;
  cb.indef_array_start = refuse_indefinite;
  cb.indef_map_start = refuse_indefinite;
  cb.indef_break = refuse_indefinite;
  cb.tag = [](void* c, std::uint64_t) { head(c).refused = "CBOR tags are not supported"; };
  cb.float2 = refuse_float;
  cb.float4 = refuse_float;
  cb.float8 = [](void* c, double) { refuse_simple(c); };
  cb.undefined = refuse_simple;
  return cb;
}

const cbor_callbacks kCallbacks = make_callbacks();

// An array or map still being filled; `left` counts the items it still expects (a map
// entry is two: key and value).
struct Open {
  CborValue value;
  std::uint64_t left = 0;
  std::optional<CborValue> key;  // map: the key read, waiting for its value
};

bool is_key_type(CborValue::Type t) {
  return t == CborValue::Type::kUint || t == CborValue::Type::kNint || t == CborValue::Type::kText;
}

bool same_key(const CborValue& a, const CborValue& b) {
  return a.type == b.type && a.uint == b.uint && a.text == b.text;
}

}  // namespace

CborValue::CborValue() = default;
CborValue::CborValue(const CborValue&) = default;
CborValue::CborValue(CborValue&&) noexcept = default;
CborValue& CborValue::operator=(const CborValue&) = default;
CborValue& CborValue::operator=(CborValue&&) noexcept = default;
CborValue::~CborValue() = default;

std::optional<std::int64_t> CborValue::as_int() const {
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX);
  if (type == Type::kUint && uint <= kMax) return static_cast<std::int64_t>(uint);
  if (type == Type::kNint && uint <= kMax) return -1 - static_cast<std::int64_t>(uint);
  return std::nullopt;
}

const CborValue* CborValue::find(std::int64_t key) const {
  for (const auto& kv : map) {
    if (kv.first.type != Type::kText && kv.first.as_int() == key) return &kv.second;
  }
  return nullptr;
}

const CborValue* CborValue::find(std::string_view key) const {
  for (const auto& kv : map) {
    if (kv.first.type == Type::kText && kv.first.text == key) return &kv.second;
  }
  return nullptr;
}

// libcbor's streaming decoder reads one item head per call (integers, string lengths and
// contents, collection counts) and checks that a string's bytes are in the input before it
// reports it. cbor_load is not used: libcbor 0.8 allocates a declared array or map size
// before reading any element, so 5 bytes (9a 10 00 00 00) cost 2 GiB. Here the collections
// are built one item at a time with an explicit stack (no recursion), after the bounds.
Result<CborValue> cbor_decode(std::span<const std::uint8_t> in, std::size_t* consumed) {
  std::vector<Open> stack;  // at most kMaxCborDepth + 1 entries
  std::size_t pos = 0;
  std::size_t items = 0;
  for (;;) {
    if (stack.size() > kMaxCborDepth) return fail(Errc::kInvalidArgument, "CBOR nested too deeply");
    if (++items > kMaxCborItems) return fail(Errc::kInvalidArgument, "CBOR has too many items");
    Head h;
    const cbor_decoder_result r =
        cbor_stream_decode(in.data() + pos, in.size() - pos, &kCallbacks, &h);
    if (r.status == CBOR_DECODER_NEDATA) return fail(Errc::kInvalidArgument, "CBOR truncated");
    if (r.status != CBOR_DECODER_FINISHED) {
      return fail(Errc::kInvalidArgument, "CBOR reserved or unassigned initial byte");
    }
    if (h.refused != nullptr) return fail(Errc::kInvalidArgument, h.refused);
    pos += r.read;
    const std::size_t rest = in.size() - pos;

    CborValue v;
    v.type = h.type;
    v.boolean = h.boolean;
    if (h.type == CborValue::Type::kUint || h.type == CborValue::Type::kNint) v.uint = h.arg;
    if (h.type == CborValue::Type::kBytes) v.bytes.assign(h.data.begin(), h.data.end());
    if (h.type == CborValue::Type::kText) {
      v.text.assign(reinterpret_cast<const char*>(h.data.data()), h.data.size());
    }
    // Each element takes at least one byte, each map entry two: a larger count is a lie,
    // refused before anything is allocated for it.
    if (h.type == CborValue::Type::kArray && h.arg > rest) {
      return fail(Errc::kInvalidArgument, "CBOR array truncated");
    }
    if (h.type == CborValue::Type::kMap && h.arg > rest / 2) {
      return fail(Errc::kInvalidArgument, "CBOR map truncated");
    }
    if (!stack.empty() && stack.back().value.type == CborValue::Type::kMap && !stack.back().key) {
      if (!is_key_type(v.type)) {
        return fail(Errc::kInvalidArgument, "CBOR map key must be an integer or text");
      }
      for (const auto& kv : stack.back().value.map) {
        if (same_key(kv.first, v)) {
          return fail(Errc::kInvalidArgument, "CBOR map has a duplicate key");
        }
      }
    }
    const bool collection = v.type == CborValue::Type::kArray || v.type == CborValue::Type::kMap;
    if (collection && h.arg > 0) {
      const std::uint64_t left = v.type == CborValue::Type::kMap ? 2 * h.arg : h.arg;
      stack.push_back(Open{std::move(v), left, std::nullopt});
      continue;
    }
    // `v` is complete: hand it to its parent, closing every collection it fills.
    for (;;) {
      if (stack.empty()) {
        if (consumed != nullptr) {
          *consumed = pos;
        } else if (pos != in.size()) {
          return fail(Errc::kInvalidArgument, "trailing bytes after CBOR item");
        }
        return v;
      }
      Open& top = stack.back();
      if (top.value.type == CborValue::Type::kArray) {
        top.value.items.push_back(std::move(v));
      } else if (!top.key) {
        top.key = std::move(v);
      } else {
        top.value.map.emplace_back(std::move(*top.key), std::move(v));
        top.key.reset();
      }
      if (--top.left > 0) break;
      v = std::move(top.value);
      stack.pop_back();
    }
  }
}

}  // namespace mfa::webauthn
