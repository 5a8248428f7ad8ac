// Small readers shared by the WebAuthn ceremonies: bounded base64url fields of a
// PublicKeyCredential JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/core/base/result.h"

namespace mfa::core {

// A base64url field of at most kMaxWebAuthnFieldLen characters; "" (empty) when absent or
// null and !required. kInvalidArgument names the field otherwise.
Result<std::vector<std::uint8_t>> webauthn_b64_field(const nlohmann::json& obj, const char* name,
                                                     bool required);

// The parts of a PublicKeyCredential assertion JSON {id, rawId, type: "public-key", response:
// {clientDataJSON, authenticatorData, signature, userHandle}}, decoded (WebAuthn 7.2 steps 1-6
// input). kInvalidArgument for a wrong type, id != rawId, or a missing/oversized field.
struct AssertionEnvelope {
  std::vector<std::uint8_t> raw_id;
  std::vector<std::uint8_t> client_data_json;
  std::vector<std::uint8_t> authenticator_data;
  std::vector<std::uint8_t> signature;
  std::vector<std::uint8_t> user_handle;  // empty when the authenticator sent none
};
Result<AssertionEnvelope> parse_assertion_envelope(const nlohmann::json& assertion);

}  // namespace mfa::core
