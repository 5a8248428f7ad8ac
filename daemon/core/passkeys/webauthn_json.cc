#include "daemon/core/passkeys/webauthn_json.h"

#include "daemon/core/encoding/base64url.h"
#include "daemon/core/passkeys/webauthn_service.h"

namespace mfa::core {

using nlohmann::json;

Result<std::vector<std::uint8_t>> webauthn_b64_field(const json& obj, const char* name,
                                                     bool required) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    if (required) return fail(Errc::kInvalidArgument, std::string("missing field ") + name);
    return std::vector<std::uint8_t>();
  }
  if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxWebAuthnFieldLen) {
    return fail(Errc::kInvalidArgument, std::string(name) + " must be a base64url string");
  }
  auto v = base64url_decode(it->get_ref<const std::string&>());
  if (!v) return fail(Errc::kInvalidArgument, std::string(name) + " is not base64url");
  return std::move(*v);
}

Result<AssertionEnvelope> parse_assertion_envelope(const json& assertion) {
  if (!assertion.is_object() || assertion.value("type", "") != "public-key") {
    return fail(Errc::kInvalidArgument, "assertion type must be public-key");
  }
  auto raw_id = webauthn_b64_field(assertion, "rawId", true);
  auto id = raw_id ? webauthn_b64_field(assertion, "id", true) : raw_id;
  if (!id) return fail(id.error());
  if (*id != *raw_id) return fail(Errc::kInvalidArgument, "assertion id and rawId differ");
  auto r = assertion.find("response");
  if (r == assertion.end() || !r->is_object()) {
    return fail(Errc::kInvalidArgument, "assertion response must be an object");
  }
  auto cdj = webauthn_b64_field(*r, "clientDataJSON", true);
  auto ad = cdj ? webauthn_b64_field(*r, "authenticatorData", true) : cdj;
  auto sig = ad ? webauthn_b64_field(*r, "signature", true) : ad;
  auto handle = sig ? webauthn_b64_field(*r, "userHandle", false) : sig;
  if (!handle) return fail(handle.error());
  return AssertionEnvelope{std::move(*raw_id), std::move(*cdj), std::move(*ad), std::move(*sig),
                           std::move(*handle)};
}

}  // namespace mfa::core
