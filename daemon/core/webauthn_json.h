// Small readers shared by the WebAuthn ceremonies: bounded base64url fields of a
// PublicKeyCredential JSON, and string values of a factor's params JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/core/result.h"
#include "daemon/core/store.h"

namespace mfa::core {

// A base64url field of at most kMaxWebAuthnFieldLen characters; "" (empty) when absent or
// null and !required. kInvalidArgument names the field otherwise.
Result<std::vector<std::uint8_t>> webauthn_b64_field(const nlohmann::json& obj, const char* name,
                                                     bool required);

// params[key] when it is a string, "" otherwise (also for unparseable params).
std::string factor_param(const FactorRecord& f, const char* key);

}  // namespace mfa::core
