#include "daemon/core/encoding/oath_library.h"

#include <liboath/oath.h>

#include <string>

namespace mfa::core {
namespace {

struct InitOutcome {
  int rc = OATH_OK;
  bool version_ok = false;
};

InitOutcome init_once() {
  InitOutcome o;
  // Checked first: oath_check_version may be called before oath_init (liboath's manual).
  o.version_ok = oath_check_version("2.6.0") != nullptr;
  o.rc = oath_init();
  return o;
}

}  // namespace

mfa::Status oath_library_ready() {
  // A function-local static is initialised exactly once, and concurrent callers wait for that
  // initialisation to finish ([stmt.dcl]/4), so this is std::call_once without a mutable flag.
  static const InitOutcome kOutcome = init_once();
  if (!kOutcome.version_ok) {
    return mfa::fail(mfa::Errc::kInternal, "liboath older than 2.6.0 (no HMAC-SHA256/512 TOTP)");
  }
  if (kOutcome.rc != OATH_OK) return mfa::fail(oath_library_error(kOutcome.rc, "oath_init"));
  return {};
}

mfa::Error oath_library_error(int rc, std::string_view what) {
  mfa::Errc code = mfa::Errc::kInternal;
  switch (rc) {
    case OATH_INVALID_DIGITS:
    case OATH_INVALID_BASE32: code = mfa::Errc::kInvalidArgument; break;
    case OATH_BASE32_OVERFLOW: code = mfa::Errc::kLimitExceeded; break;
    case OATH_CRYPTO_ERROR: code = mfa::Errc::kCrypto; break;
    default: break;  // OATH_MALLOC_ERROR, OATH_PRINTF_ERROR, anything newer: our bug or the host's
  }
  const char* name = oath_strerror_name(rc);
  std::string context = "liboath ";
  context += what;
  context += ": ";
  context += name != nullptr ? name : "unknown error " + std::to_string(rc);
  return mfa::make_error(code, std::move(context));
}

}  // namespace mfa::core
