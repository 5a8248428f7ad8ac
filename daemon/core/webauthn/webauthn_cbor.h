// Bounded CBOR (RFC 8949) decoding for what WebAuthn sends: attestation objects, COSE keys and
// authenticator extensions. libcbor's streaming decoder (cbor_stream_decode) reads the bytes;
// webauthn_cbor.cc builds CborValue from it and enforces our rules: only definite lengths; no
// tags, no floats; nesting depth, item count and lengths are bounded (limits below) and
// checked before anything is allocated, so that hostile input cannot exhaust the stack or
// memory. Duplicate map keys are refused (CTAP2 canonical CBOR has none, and two values for
// one key would let two parsers disagree).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/base/result.h"

namespace mfa::webauthn {

inline constexpr std::size_t kMaxCborDepth = 8;
inline constexpr std::size_t kMaxCborItems = 2048;

struct CborValue {
  enum class Type { kUint, kNint, kBytes, kText, kArray, kMap, kBool, kNull };
  Type type = Type::kNull;
  std::uint64_t uint = 0;  // kUint: the value; kNint: n for the value -1 - n
  bool boolean = false;
  std::vector<std::uint8_t> bytes;
  std::string text;
  std::vector<CborValue> items;
  std::vector<std::pair<CborValue, CborValue>> map;

  // Declared here, defaulted in the .cc: a type that holds pairs of itself is incomplete in its
  // own body, and clang 14 with libstdc++ (make fuzz) rejects the implicit members there.
  CborValue();
  CborValue(const CborValue&);
  CborValue(CborValue&&) noexcept;
  CborValue& operator=(const CborValue&);
  CborValue& operator=(CborValue&&) noexcept;
  ~CborValue();

  // Integer value when it fits in int64 (kUint / kNint), else nullopt.
  std::optional<std::int64_t> as_int() const;
  // Map lookups by integer key (COSE) or text key (attestation objects); null when absent.
  const CborValue* find(std::int64_t key) const;
  const CborValue* find(std::string_view key) const;
};

// Decodes exactly one item from `in`. With `consumed` the item may be followed by more data
// and its encoded length is returned there; without, trailing bytes are an error.
Result<CborValue> cbor_decode(std::span<const std::uint8_t> in, std::size_t* consumed = nullptr);

}  // namespace mfa::webauthn
