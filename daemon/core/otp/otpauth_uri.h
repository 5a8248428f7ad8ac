// otpauth:// Key URI format (github.com/google/google-authenticator/wiki/Key-Uri-Format,
// security.md 2.3). The URI carries the TOTP secret: never log or persist it.
#pragma once

#include <string>
#include <string_view>

#include "daemon/core/base/result.h"
#include "daemon/core/otp/otp.h"

namespace mfa::core {

// otpauth://totp/Issuer:account?secret=...&issuer=...&algorithm=...&digits=...&period=...
// The label is the URL-encoded "issuer:account" (neither may contain ':'; the spec forbids
// it); the issuer parameter equals the label prefix (the spec recommends both, because older
// Google Authenticator versions read only the prefix); the secret is unpadded uppercase
// base32 and must decode. An empty issuer gives a label of just the account and no issuer
// parameter. Params are validated (validate_totp_params) and always written out.
mfa::Result<std::string> make_otpauth_uri(std::string_view issuer, std::string_view account,
                                          std::string_view secret_b32, const TotpParams& params);

struct OtpauthUri {
  std::string type;        // "totp" (hotp URIs are rejected)
  std::string issuer;      // decoded
  std::string account;     // decoded
  std::string secret_b32;  // as in the URI
  TotpParams params;
};

// Strict: scheme otpauth, type totp, well-formed percent-encoding, at most one ':' in the
// label, secret present and valid base32, issuer parameter equal to the label prefix when
// both are present, no duplicate or unknown parameters, params within validate_totp_params.
// For tests and fuzzing; kInvalidArgument on any violation (messages never include the
// secret).
mfa::Result<OtpauthUri> parse_otpauth_uri(std::string_view uri);

// RFC 3986 percent-encoding of everything but unreserved characters (ALPHA DIGIT - . _ ~).
std::string uri_encode(std::string_view s);

}  // namespace mfa::core
