// Attestation statement verification (WebAuthn section 8) for the formats mfad accepts:
// `none` (empty statement) and `packed` (section 8.2) with self attestation (signed by the
// credential key itself) or basic attestation (signed by the key of the first x5c
// certificate, whose section 8.2.1 requirements are checked: version 3, subject OU
// "Authenticator Attestation", not a CA, the AAGUID extension matching authData). The x5c
// chain is validated with OpenSSL's X509_verify_cert against the configured trust anchors
// (webauthn.attestation_roots, WebAuthn 7.1 steps 23-24): the result says whether it chains
// to one (`trusted`). With require_trusted, anything else (none, self, an untrusted or
// unverifiable chain) is refused (step 25). There is no FIDO MDS lookup. Other formats are
// refused; mfad requests attestation "none" by default, for which browsers send fmt "none".
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/result.h"
#include "daemon/core/webauthn/webauthn_cbor.h"
#include "daemon/core/webauthn/webauthn_config.h"
#include "daemon/core/webauthn/webauthn_cose.h"

namespace mfa::webauthn {

inline constexpr std::size_t kMaxX5cCerts = 8;
// All root files together (limits.h).
inline constexpr std::size_t kMaxAttestationRootsPem = limits::kMaxAttestationRootsBytes;

struct AttestationResult {
  std::string type;      // none | self | basic
  bool trusted = false;  // the x5c chain verified to a configured trust anchor
};

struct AttestationTrust {
  std::vector<std::string> root_pems;  // PEM text of the trust anchors; empty = none
  bool require_trusted = false;
};

Result<AttestationResult> verify_attestation(const std::string& fmt, const CborValue& att_stmt,
                                             std::span<const std::uint8_t> auth_data,
                                             std::span<const std::uint8_t> client_data_hash,
                                             const CosePublicKey& credential_key,
                                             const std::array<std::uint8_t, 16>& aaguid,
                                             const AttestationTrust& trust = {});

// The certificates of a PEM text (at least one; kInvalidArgument otherwise). Used to check
// webauthn.attestation_roots when the config is loaded.
Result<std::vector<X509Ptr>> parse_pem_certificates(std::string_view pem);

// Reads every file of rp.attestation_roots into rp.attestation_root_pems (at most
// kMaxAttestationRootsPem bytes in all), each required to hold at least one certificate.
Status load_attestation_roots(WebAuthnConfig& rp);

}  // namespace mfa::webauthn
