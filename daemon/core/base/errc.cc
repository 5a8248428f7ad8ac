#include "daemon/core/base/errc.h"

namespace mfa {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::kOk: return "ok";
    case Errc::kInvalidArgument: return "invalid_argument";
    case Errc::kNotFound: return "not_found";
    case Errc::kAlreadyExists: return "already_exists";
    case Errc::kPermissionDenied: return "permission_denied";
    case Errc::kFactorNotAllowed: return "factor_not_allowed";
    case Errc::kUnauthenticated: return "unauthenticated";
    case Errc::kBadCode: return "bad_code";
    case Errc::kReplayed: return "replayed";
    case Errc::kExpired: return "expired";
    case Errc::kLockedOut: return "locked_out";
    case Errc::kRateLimited: return "rate_limited";
    case Errc::kConflict: return "conflict";
    case Errc::kLimitExceeded: return "limit_exceeded";
    case Errc::kPolicyInvalid: return "policy_invalid";
    case Errc::kConfigInvalid: return "config_invalid";
    case Errc::kCrypto: return "crypto_error";
    case Errc::kStorage: return "storage_error";
    case Errc::kBusy: return "busy";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace mfa
