// FactorRecord::params: what each factor type keeps beside its secret (TOTP parameters, the
// sms/email destination, a public-key credential), as JSON in one TEXT column. This is its one
// reader and its one writer: callers get typed fields, parsed once, with bounds. The key names
// are the stored format (no migration); schema v2 also reads $.credential_id of webauthn and
// fido2 rows in SQL (sqlite_store_factors.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/otp/otp.h"
#include "daemon/core/store/store.h"

namespace mfa::core {

// A public-key credential: a browser passkey (webauthn) or a key plugged into this host
// (fido2). Binary values are base64url.
struct CredentialParams {
  std::string user_handle;              // the same for all of a user's credentials
  std::string credential_id;            // empty while a passkey registration is pending
  std::string public_key;               // COSE_Key (RFC 9052 section 7)
  std::int64_t alg = 0;                 // COSE algorithm of public_key
  std::vector<std::string> transports;  // webauthn: the browser's hints, for allowCredentials
  std::string rp_id;                    // fido2: the rp id the key registered it under
  std::string attestation;              // attestation type (none, self, basic, ...)
  bool attestation_trusted = false;     // webauthn: chained to a configured root
  std::string fmt;                      // attestation statement format
  std::string aaguid;                   // hex
  bool uv_initialized = false;          // user verification was performed at registration
  bool backup_eligible = false;         // webauthn: BE flag
  bool backup_state = false;            // webauthn: BS flag
};

struct FactorParams {
  TotpParams totp;              // totp
  std::string destination;      // sms: E.164; email: the address
  CredentialParams credential;  // webauthn, fido2
};

// Parses params of a factor of `type`: only that type's keys are read; missing ones take the
// defaults (a pending passkey holds only its user handle), unknown ones are ignored. TOTP values
// must pass validate_totp_params. kInvalidArgument naming the key for anything else: JSON that
// is not an object, a key of the wrong JSON type, a value out of its bounds.
Result<FactorParams> parse_factor_params(FactorType type, std::string_view json);

// parse_factor_params of a stored factor: a row that does not parse is kInternal (the store
// holds only what factor_params_json wrote).
Result<FactorParams> read_factor_params(const FactorRecord& f);

// The JSON for `type`: that type's keys only (a webauthn credential's keys once it has an id).
std::string factor_params_json(FactorType type, const FactorParams& p);

}  // namespace mfa::core
