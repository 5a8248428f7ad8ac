#include "daemon/core/webauthn/webauthn_authdata.h"

#include <algorithm>

#include "daemon/core/webauthn/webauthn_cbor.h"

namespace mfa::webauthn {
namespace {

constexpr std::size_t kFixedLen = 32 + 1 + 4;

}  // namespace

Result<AuthenticatorData> parse_authenticator_data(std::span<const std::uint8_t> raw) {
  if (raw.size() < kFixedLen) return fail(Errc::kInvalidArgument, "authenticatorData too short");
  AuthenticatorData a;
  std::copy_n(raw.begin(), 32, a.rp_id_hash.begin());
  a.flags = raw[32];
  a.sign_count = (std::uint32_t{raw[33]} << 24) | (std::uint32_t{raw[34]} << 16) |
                 (std::uint32_t{raw[35]} << 8) | std::uint32_t{raw[36]};
  std::size_t pos = kFixedLen;
  if ((a.flags & flag::kAt) != 0) {
    if (raw.size() - pos < 18)
      return fail(Errc::kInvalidArgument, "attested credential data truncated");
    std::copy_n(raw.begin() + static_cast<std::ptrdiff_t>(pos), 16, a.aaguid.begin());
    pos += 16;
    const std::size_t id_len = (std::size_t{raw[pos]} << 8) | raw[pos + 1];
    pos += 2;
    if (id_len == 0 || id_len > kMaxCredentialIdLen) {
      return fail(Errc::kInvalidArgument, "credential id length must be 1..1023 bytes");
    }
    if (raw.size() - pos < id_len) return fail(Errc::kInvalidArgument, "credential id truncated");
    a.credential_id.assign(raw.begin() + static_cast<std::ptrdiff_t>(pos),
                           raw.begin() + static_cast<std::ptrdiff_t>(pos + id_len));
    pos += id_len;
    std::size_t used = 0;
    auto key = cbor_decode(raw.subspan(pos), &used);
    if (!key) return fail(key.error());
    if (key->type != CborValue::Type::kMap) {
      return fail(Errc::kInvalidArgument, "credential public key is not a COSE map");
    }
    a.cose_key.assign(raw.begin() + static_cast<std::ptrdiff_t>(pos),
                      raw.begin() + static_cast<std::ptrdiff_t>(pos + used));
    pos += used;
    a.has_credential = true;
  }
  if ((a.flags & flag::kEd) != 0) {
    std::size_t used = 0;
    auto ext = cbor_decode(raw.subspan(pos), &used);
    if (!ext) return fail(ext.error());
    if (ext->type != CborValue::Type::kMap) {
      return fail(Errc::kInvalidArgument, "authenticator extensions are not a map");
    }
    pos += used;
  }
  if (pos != raw.size()) return fail(Errc::kInvalidArgument, "trailing bytes in authenticatorData");
  return a;
}

}  // namespace mfa::webauthn
