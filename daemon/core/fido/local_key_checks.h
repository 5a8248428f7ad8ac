// Verification of what a local FIDO2 key returned, as pure functions (no store, no device):
// the daemon is both the client and the relying party here, so the checks are WebAuthn's
// (sections 7.1 and 7.2) minus the client data, which the daemon made itself: the
// clientDataHash is 32 fresh random bytes per ceremony (CTAP 2.1 section 6.1/6.2).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/fido/fido_device.h"
#include "daemon/core/webauthn/webauthn_rp.h"

namespace mfa::fido {

struct LocalRegistrationCheck {
  std::string rp_id;
  std::vector<std::int64_t> requested_algs;
  bool require_uv = false;
};

// rpIdHash, UP, (UV), attested credential data present, COSE key parsed and of a requested
// algorithm. The attestation statement itself was checked by the device layer.
Result<webauthn::RegisteredCredential> check_local_registration(const LocalRegistrationCheck& in,
                                                                const MadeCredential& made);

struct LocalAssertionCheck {
  std::string rp_id;  // the one stored with the credential
  std::span<const std::uint8_t> client_data_hash;
  std::span<const std::uint8_t> stored_cose_key;
  std::int64_t stored_sign_count = 0;
  bool require_uv = false;
};

// rpIdHash, UP, (UV), no attested data, the signature over authData || clientDataHash with the
// stored key, and the sign count (a regression is reported, not refused, here).
Result<webauthn::AssertionOutcome> check_local_assertion(const LocalAssertionCheck& in,
                                                         const Assertion& a);

}  // namespace mfa::fido
