// FidoDevice: a FIDO2 authenticator plugged into this host, as the daemon sees it (issue 7,
// "local keys"; DESIGN.md section 3 "Local FIDO2 keys"). The daemon owns device I/O; the PAM
// module only shows the daemon's "touch your security key" step. The real implementation is
// libfido2 (daemon/src/fido/fido_libfido2.cc); tests point it at a software authenticator over a
// Unix socket (tests/tools/soft_ctap2.py). Core code only sees this interface.
//
// Errors are values with distinct codes so that callers can tell the user what happened (the
// context is a short sentence fit to show to the person at the key):
//   kUnavailable       no key found, key removed, I/O failure, key busy
//   kPermissionDenied  no touch: the key refused (CTAP2_ERR_OPERATION_DENIED) or was not touched
//                      in time (CTAP2_ERR_USER_ACTION_TIMEOUT, or silence until the timeout)
//   kUnauthenticated   wrong PIN (CTAP2_ERR_PIN_INVALID); the key counts its own retries
//   kLockedOut         the key's PIN is blocked (CTAP2_ERR_PIN_BLOCKED / PIN_AUTH_BLOCKED)
//   kInvalidArgument   the key needs its PIN for this (CTAP2_ERR_PIN_REQUIRED), or a bad request
//   kNotFound          none of the allowed credentials is on this key (CTAP2_ERR_NO_CREDENTIALS)
//   kAlreadyExists     an excluded credential is on this key (CTAP2_ERR_CREDENTIAL_EXCLUDED)
//   kCrypto            the attestation did not verify
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/base/secret.h"

namespace mfa::fido {

// CTAP 2.1 section 6.5.1: a PIN is at most 63 bytes of UTF-8.
inline constexpr std::size_t kMaxPinLen = 63;
inline constexpr std::size_t kMaxDevices = 64;  // enumerated at most

using Bytes = std::vector<std::uint8_t>;

struct MakeCredentialRequest {
  std::string rp_id;  // e.g. "pam://host"
  std::string rp_name;
  Bytes user_id;  // the user handle (random, no user name in it)
  std::string user_name;
  std::array<std::uint8_t, 32> client_data_hash{};
  std::vector<std::int64_t> algs;     // COSE algorithms by preference; the first the key offers
  std::vector<Bytes> exclude;         // credential ids already registered for the user
  const SecretBuffer* pin = nullptr;  // non-null: clientPIN, the key then sets UV
  int timeout_ms = 30'000;
};

struct MadeCredential {
  Bytes auth_data;          // raw authenticatorData, with the attested credential data
  std::string fmt;          // attestation statement format (packed, none, fido-u2f)
  std::string attestation;  // none | self | basic (checked by the device layer)
};

struct GetAssertionRequest {
  std::string rp_id;
  std::array<std::uint8_t, 32> client_data_hash{};
  std::vector<Bytes> allow;  // credential ids (never empty: local keys are not discoverable)
  const SecretBuffer* pin = nullptr;
  int timeout_ms = 30'000;
};

struct Assertion {
  Bytes credential_id;
  Bytes auth_data;  // raw authenticatorData
  Bytes signature;  // over auth_data || client_data_hash (CTAP 2.1 section 6.2)
};

class FidoDevice {
 public:
  virtual ~FidoDevice() = default;
  // authenticatorMakeCredential (CTAP 2.1 section 6.1): UP always, non-discoverable.
  virtual Result<MadeCredential> make_credential(const MakeCredentialRequest& req) = 0;
  // authenticatorGetAssertion (section 6.2) with an allowList; UP always.
  virtual Result<Assertion> get_assertion(const GetAssertionRequest& req) = 0;
};

struct FidoDeviceInfo {
  std::string path;  // /dev/hidrawN, or unix:/path for a socket-attached authenticator
  std::string manufacturer;
  std::string product;
};

// The keys of this host. `list` enumerates what is plugged in now; `open` opens one by path.
class FidoDevices {
 public:
  virtual ~FidoDevices() = default;
  virtual Result<std::vector<FidoDeviceInfo>> list() = 0;
  virtual Result<std::unique_ptr<FidoDevice>> open(const std::string& path) = 0;
};

// The configured device when `path` is set, else the first one plugged in (kUnavailable when
// there is none).
Result<std::unique_ptr<FidoDevice>> open_local_key(FidoDevices& devices, const std::string& path);

}  // namespace mfa::fido
