#include "daemon/core/webauthn_json.h"

#include "daemon/core/base64url.h"
#include "daemon/core/webauthn_service.h"

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

std::string factor_param(const FactorRecord& f, const char* key) {
  const json p = json::parse(f.params, nullptr, false);
  return p.is_object() && p.contains(key) && p[key].is_string() ? p[key].get<std::string>() : "";
}

}  // namespace mfa::core
