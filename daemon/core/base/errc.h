// The one project-wide error enum. Core code returns these inside mfa::Error; the daemon maps
// them to HTTP statuses at the boundary (daemon/src/api/http_errors.cc). No I/O here.
#pragma once

#include <string_view>

namespace mfa {

enum class Errc {
  kOk = 0,
  kInvalidArgument,  // malformed input from a caller
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,  // caller may not do this
  kFactorNotAllowed,  // the policy does not allow this factor for this login or enrolment
  kUnauthenticated,   // no or bad credentials (API key)
  kBadCode,           // wrong OTP / backup code / assertion
  kReplayed,          // a code or step that was already used
  kExpired,
  kLockedOut,  // too many failures; Error::retry_after_s says for how long
  kRateLimited,
  kConflict,       // state does not allow this (e.g. challenge not pending)
  kLimitExceeded,  // a named limit from limits.h
  kPolicyInvalid,
  kConfigInvalid,
  kCrypto,       // decryption/authentication failure, RNG failure
  kStorage,      // database error
  kBusy,         // database busy past the timeout
  kUnavailable,  // a dependency (delivery, device) is down
  kInternal,
};

std::string_view to_string(Errc code) noexcept;

}  // namespace mfa
