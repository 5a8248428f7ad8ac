// Attestation statement verification (WebAuthn section 8) for the formats mfad accepts:
// `none` (empty statement) and `packed` (section 8.2) with self attestation (signed by the
// credential key itself) or basic attestation (signed by the key of the first x5c
// certificate, whose section 8.2.1 requirements are checked). The certificate chain is NOT
// validated against a trust store: mfad records the attestation type and AAGUID but does not
// decide trust from them (no FIDO MDS). Other formats are refused; mfad requests
// attestation "none" by default, for which browsers send fmt "none".
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "daemon/core/result.h"
#include "daemon/core/webauthn_cbor.h"
#include "daemon/core/webauthn_cose.h"

namespace mfa::webauthn {

struct AttestationResult {
  std::string type;  // none | self | basic
};

Result<AttestationResult> verify_attestation(const std::string& fmt, const CborValue& att_stmt,
                                             std::span<const std::uint8_t> auth_data,
                                             std::span<const std::uint8_t> client_data_hash,
                                             const CosePublicKey& credential_key,
                                             const std::array<std::uint8_t, 16>& aaguid);

}  // namespace mfa::webauthn
