#include "daemon/core/webauthn_cbor.h"

namespace mfa::webauthn {
namespace {

class Decoder {
 public:
  explicit Decoder(std::span<const std::uint8_t> in) : in_(in) {}
  std::size_t pos() const { return pos_; }

  Result<CborValue> item(std::size_t depth) {
    if (depth > kMaxCborDepth) return fail(Errc::kInvalidArgument, "CBOR nested too deeply");
    if (++items_ > kMaxCborItems) return fail(Errc::kInvalidArgument, "CBOR has too many items");
    if (pos_ >= in_.size()) return fail(Errc::kInvalidArgument, "CBOR truncated");
    const std::uint8_t initial = in_[pos_++];
    const unsigned major = initial >> 5;
    const unsigned info = initial & 0x1F;
    CborValue v;
    if (major == 7) {
      switch (info) {
        case 20:
          v.type = CborValue::Type::kBool;
          v.boolean = false;
          return v;
        case 21:
          v.type = CborValue::Type::kBool;
          v.boolean = true;
          return v;
        case 22: v.type = CborValue::Type::kNull; return v;
        default: return fail(Errc::kInvalidArgument, "CBOR simple value or float not supported");
      }
    }
    auto arg = argument(info);
    if (!arg) return fail(arg.error());
    const std::uint64_t n = *arg;
    switch (major) {
      case 0:
        v.type = CborValue::Type::kUint;
        v.uint = n;
        return v;
      case 1:
        v.type = CborValue::Type::kNint;
        v.uint = n;
        return v;
      case 2:
      case 3: {
        if (n > in_.size() - pos_) return fail(Errc::kInvalidArgument, "CBOR string truncated");
        const auto len = static_cast<std::size_t>(n);
        const auto* p = in_.data() + pos_;
        if (major == 2) {
          v.type = CborValue::Type::kBytes;
          v.bytes.assign(p, p + len);
        } else {
          v.type = CborValue::Type::kText;
          v.text.assign(reinterpret_cast<const char*>(p), len);
        }
        pos_ += len;
        return v;
      }
      case 4: {
        // Each element takes at least one byte: a count larger than the rest is a lie.
        if (n > in_.size() - pos_) return fail(Errc::kInvalidArgument, "CBOR array truncated");
        v.type = CborValue::Type::kArray;
        for (std::uint64_t i = 0; i < n; ++i) {
          auto e = item(depth + 1);
          if (!e) return fail(e.error());
          v.items.push_back(std::move(*e));
        }
        return v;
      }
      case 5: {
        if (n > (in_.size() - pos_) / 2) return fail(Errc::kInvalidArgument, "CBOR map truncated");
        v.type = CborValue::Type::kMap;
        for (std::uint64_t i = 0; i < n; ++i) {
          auto k = item(depth + 1);
          if (!k) return fail(k.error());
          if (k->type != CborValue::Type::kUint && k->type != CborValue::Type::kNint &&
              k->type != CborValue::Type::kText) {
            return fail(Errc::kInvalidArgument, "CBOR map key must be an integer or text");
          }
          for (const auto& kv : v.map) {
            if (kv.first.type == k->type && kv.first.uint == k->uint && kv.first.text == k->text) {
              return fail(Errc::kInvalidArgument, "CBOR map has a duplicate key");
            }
          }
          auto val = item(depth + 1);
          if (!val) return fail(val.error());
          v.map.emplace_back(std::move(*k), std::move(*val));
        }
        return v;
      }
      default: return fail(Errc::kInvalidArgument, "CBOR tags are not supported");
    }
  }

 private:
  Result<std::uint64_t> argument(unsigned info) {
    if (info < 24) return info;
    std::size_t len = 0;
    switch (info) {
      case 24: len = 1; break;
      case 25: len = 2; break;
      case 26: len = 4; break;
      case 27: len = 8; break;
      default: return fail(Errc::kInvalidArgument, "CBOR indefinite length not supported");
    }
    if (len > in_.size() - pos_) return fail(Errc::kInvalidArgument, "CBOR truncated");
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < len; ++i) n = (n << 8) | in_[pos_++];
    return n;
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::size_t items_ = 0;
};

}  // namespace

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

Result<CborValue> cbor_decode(std::span<const std::uint8_t> in, std::size_t* consumed) {
  Decoder d(in);
  auto v = d.item(0);
  if (!v) return fail(v.error());
  if (consumed != nullptr) {
    *consumed = d.pos();
  } else if (d.pos() != in.size()) {
    return fail(Errc::kInvalidArgument, "trailing bytes after CBOR item");
  }
  return v;
}

}  // namespace mfa::webauthn
