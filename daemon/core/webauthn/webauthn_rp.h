// The WebAuthn relying-party ceremonies as pure functions (W3C WebAuthn L2/L3 section 7.1
// "Registering a New Credential" and 7.2 "Verifying an Authentication Assertion"): no store,
// no clock. The engine (webauthn_service.cc) supplies the server-side challenge and the stored
// credential and applies the results. Each failed step returns an error naming the step.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/webauthn/webauthn_config.h"

namespace mfa::webauthn {

struct RegistrationInput {
  std::span<const std::uint8_t> client_data_json;
  std::span<const std::uint8_t> attestation_object;
  std::span<const std::uint8_t> expected_challenge;
  std::vector<std::int64_t> requested_algs;  // pubKeyCredParams of the options
  bool require_uv = false;
};

struct RegisteredCredential {
  std::vector<std::uint8_t> credential_id;
  std::vector<std::uint8_t> cose_key;  // CBOR COSE_Key, stored as is
  std::int64_t alg = 0;
  std::uint32_t sign_count = 0;
  bool uv = false;
  bool backup_eligible = false;
  bool backup_state = false;
  std::string attestation_type;      // none | self | basic
  bool attestation_trusted = false;  // x5c chained to webauthn.attestation_roots
  std::string fmt;
  std::string aaguid_hex;
};

Result<RegisteredCredential> verify_registration(const WebAuthnConfig& rp,
                                                 const RegistrationInput& in);

struct AuthenticatorData;  // webauthn_authdata.h
// What both registration ceremonies (WebAuthn over the API, local keys through libfido2)
// store of an attested credential; the attestation fields are left to the caller.
RegisteredCredential registered_credential(const AuthenticatorData& ad, std::int64_t alg);

struct AssertionInput {
  std::span<const std::uint8_t> client_data_json;
  std::span<const std::uint8_t> authenticator_data;
  std::span<const std::uint8_t> signature;
  std::span<const std::uint8_t> expected_challenge;
  std::span<const std::uint8_t> stored_cose_key;
  std::int64_t stored_sign_count = 0;
  bool require_uv = false;
};

struct AssertionOutcome {
  std::uint32_t sign_count = 0;
  // The counter did not grow (and is not 0/0): a possible clone (7.2 step 21). Reported, not
  // refused here; the caller applies webauthn.refuse_sign_count_regression.
  bool sign_count_regression = false;
  bool uv = false;
  bool backup_state = false;
};

Result<AssertionOutcome> verify_assertion(const WebAuthnConfig& rp, const AssertionInput& in);

// SHA-256, used for rpIdHash and the client data hash.
std::vector<std::uint8_t> sha256(std::span<const std::uint8_t> data);

}  // namespace mfa::webauthn
