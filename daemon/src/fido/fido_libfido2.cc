#include "daemon/src/fido/fido_libfido2.h"

#include <chrono>
#include <cstring>
#include <mutex>

#include "daemon/core/webauthn/webauthn_cbor.h"
#include "daemon/src/fido/fido_handles.h"
#include "daemon/src/fido/fido_unix_io.h"

namespace mfa::daemon {
namespace {

constexpr int kOpenTimeoutMs = 3'000;  // INIT + getInfo: a present key answers at once

bool is_unix(const std::string& path) {
  return path.rfind(std::string(kUnixDevicePrefix), 0) == 0;
}

// A NUL-terminated copy of the PIN for libfido2, wiped when it goes out of scope.
class PinString {
 public:
  explicit PinString(const SecretBuffer* pin) {
    if (pin != nullptr) s_.assign(pin->view());
    set_ = pin != nullptr;
  }
  ~PinString() { secure_wipe(s_); }
  PinString(const PinString&) = delete;
  PinString& operator=(const PinString&) = delete;
  const char* c_str() const { return set_ ? s_.c_str() : nullptr; }

 private:
  std::string s_;
  bool set_ = false;
};

class Libfido2Device final : public fido::FidoDevice {
 public:
  explicit Libfido2Device(FidoDevPtr dev) : dev_(std::move(dev)) {}

  Result<fido::MadeCredential> make_credential(const fido::MakeCredentialRequest& req) override;
  Result<fido::Assertion> get_assertion(const fido::GetAssertionRequest& req) override;

 private:
  std::int64_t pick_alg(const std::vector<std::int64_t>& wanted);
  FidoDevPtr dev_;
};

using Clock = std::chrono::steady_clock;

bool near_deadline(Clock::time_point start, int timeout_ms) {
  const auto spent =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return spent + 250 >= timeout_ms;
}

// The authenticator's algorithms (getInfo 0x0A, CTAP 2.1): the first wanted one it lists; a
// CTAP 2.0 key lists none and does ES256.
std::int64_t Libfido2Device::pick_alg(const std::vector<std::int64_t>& wanted) {
  FidoCborInfoPtr ci(fido_cbor_info_new());
  if (!ci || fido_dev_get_cbor_info(dev_.get(), ci.get()) != FIDO_OK) return COSE_ES256;
  const std::size_t n = fido_cbor_info_algorithm_count(ci.get());
  if (n == 0) return COSE_ES256;
  for (auto w : wanted) {
    for (std::size_t i = 0; i < n; ++i) {
      if (fido_cbor_info_algorithm_cose(ci.get(), i) == w) return w;
    }
  }
  return COSE_ES256;
}

Result<fido::MadeCredential> Libfido2Device::make_credential(
    const fido::MakeCredentialRequest& req) {
  FidoCredPtr cred(fido_cred_new());
  if (!cred) return fail(Errc::kInternal, "fido_cred_new");
  const std::int64_t alg = pick_alg(req.algs);
  int r = fido_cred_set_type(cred.get(), static_cast<int>(alg));
  if (r == FIDO_OK)
    r = fido_cred_set_clientdata_hash(cred.get(), req.client_data_hash.data(),
                                      req.client_data_hash.size());
  if (r == FIDO_OK) r = fido_cred_set_rp(cred.get(), req.rp_id.c_str(), req.rp_name.c_str());
  if (r == FIDO_OK)
    r = fido_cred_set_user(cred.get(), req.user_id.data(), req.user_id.size(),
                           req.user_name.c_str(), req.user_name.c_str(), nullptr);
  // Non-discoverable (rk omitted = false): the credential id lives in our store, like pam_u2f.
  for (const auto& id : req.exclude) {
    if (r == FIDO_OK) r = fido_cred_exclude(cred.get(), id.data(), id.size());
  }
  if (r != FIDO_OK) return fail(Errc::kInternal, std::string("libfido2: ") + fido_strerr(r));
  (void)fido_dev_set_timeout(dev_.get(), req.timeout_ms);
  const PinString pin(req.pin);
  const auto start = Clock::now();
  r = fido_dev_make_cred(dev_.get(), cred.get(), pin.c_str());
  if (r != FIDO_OK) return fail(fido_error(r, near_deadline(start, req.timeout_ms)));

  fido::MadeCredential out;
  const unsigned char* ad = fido_cred_authdata_raw_ptr(cred.get());
  out.auth_data.assign(ad, ad + fido_cred_authdata_raw_len(cred.get()));
  out.fmt = fido_cred_fmt(cred.get()) != nullptr ? fido_cred_fmt(cred.get()) : "";
  // Attestation (WebAuthn 8.2 packed, 8.6 fido-u2f): with a certificate, its key signed; else
  // a packed statement must be self attestation, signed by the credential key itself.
  if (out.fmt == "none") {
    out.attestation = "none";
  } else if (fido_cred_x5c_len(cred.get()) > 0) {
    if ((r = fido_cred_verify(cred.get())) != FIDO_OK) {
      return fail(Errc::kCrypto, std::string("attestation does not verify: ") + fido_strerr(r));
    }
    out.attestation = "basic";
  } else if (out.fmt == "packed") {
    if ((r = fido_cred_verify_self(cred.get())) != FIDO_OK) {
      return fail(Errc::kCrypto,
                  std::string("self attestation does not verify: ") + fido_strerr(r));
    }
    out.attestation = "self";
  } else {
    return fail(Errc::kCrypto, "unsupported attestation format '" + out.fmt + "'");
  }
  return out;
}

Result<fido::Assertion> Libfido2Device::get_assertion(const fido::GetAssertionRequest& req) {
  if (req.allow.empty()) return fail(Errc::kInvalidArgument, "no credential to ask for");
  FidoAssertPtr a(fido_assert_new());
  if (!a) return fail(Errc::kInternal, "fido_assert_new");
  int r = fido_assert_set_rp(a.get(), req.rp_id.c_str());
  if (r == FIDO_OK)
    r = fido_assert_set_clientdata_hash(a.get(), req.client_data_hash.data(),
                                        req.client_data_hash.size());
  for (const auto& id : req.allow) {
    if (r == FIDO_OK) r = fido_assert_allow_cred(a.get(), id.data(), id.size());
  }
  // UP always (a touch). UV comes from the PIN (pinAuth) when one is given; the uv option is
  // left out since CTAP 2.0 keys without built-in UV refuse it (CTAP 2.1 section 6.2.2).
  if (r == FIDO_OK) r = fido_assert_set_up(a.get(), FIDO_OPT_TRUE);
  if (r != FIDO_OK) return fail(Errc::kInternal, std::string("libfido2: ") + fido_strerr(r));
  (void)fido_dev_set_timeout(dev_.get(), req.timeout_ms);
  const PinString pin(req.pin);
  const auto start = Clock::now();
  r = fido_dev_get_assert(dev_.get(), a.get(), pin.c_str());
  if (r != FIDO_OK) return fail(fido_error(r, near_deadline(start, req.timeout_ms)));
  if (fido_assert_count(a.get()) != 1) {
    return fail(Errc::kBadCode, "the key returned an unexpected number of assertions");
  }
  fido::Assertion out;
  const unsigned char* id = fido_assert_id_ptr(a.get(), 0);
  out.credential_id.assign(id, id + fido_assert_id_len(a.get(), 0));
  if (out.credential_id.empty()) {
    // CTAP 2.1 6.2.2: with a single allowList entry the key may omit the credential.
    out.credential_id = req.allow.front();
    if (req.allow.size() != 1) return fail(Errc::kBadCode, "the key did not name its credential");
  }
  // libfido2 hands authenticatorData out CBOR-wrapped (a byte string).
  const unsigned char* ad = fido_assert_authdata_ptr(a.get(), 0);
  const std::size_t ad_len = fido_assert_authdata_len(a.get(), 0);
  auto wrapped = webauthn::cbor_decode({ad, ad_len});
  if (!wrapped || wrapped->type != webauthn::CborValue::Type::kBytes) {
    return fail(Errc::kBadCode, "authenticator data is not a CBOR byte string");
  }
  out.auth_data = std::move(wrapped->bytes);
  const unsigned char* sig = fido_assert_sig_ptr(a.get(), 0);
  out.signature.assign(sig, sig + fido_assert_sig_len(a.get(), 0));
  return out;
}

}  // namespace

Error fido_error(int r, bool timed_out) {
  const std::string what = fido_strerr(r);
  switch (r) {
    case FIDO_ERR_ACTION_TIMEOUT:
    case FIDO_ERR_USER_ACTION_TIMEOUT:
    case FIDO_ERR_KEEPALIVE_CANCEL:
      return make_error(Errc::kPermissionDenied, "the security key was not touched in time");
    case FIDO_ERR_RX:
      if (timed_out) {
        return make_error(Errc::kPermissionDenied, "the security key was not touched in time");
      }
      return make_error(Errc::kUnavailable, "the security key stopped answering (removed?)");
    case FIDO_ERR_OPERATION_DENIED:
    case FIDO_ERR_UP_REQUIRED:
    case FIDO_ERR_USER_PRESENCE_REQUIRED:
      return make_error(Errc::kPermissionDenied, "the security key refused (no touch)");
    case FIDO_ERR_PIN_INVALID:
    case FIDO_ERR_PIN_AUTH_INVALID: return make_error(Errc::kUnauthenticated, "wrong PIN");
    case FIDO_ERR_PIN_BLOCKED:
    case FIDO_ERR_PIN_AUTH_BLOCKED:
    case FIDO_ERR_UV_BLOCKED:
      return make_error(Errc::kLockedOut, "the security key's PIN is blocked");
    case FIDO_ERR_PIN_NOT_SET:
      return make_error(Errc::kInvalidArgument,
                        "the security key has no PIN set (set one with fido2-token -S)");
    case FIDO_ERR_PIN_REQUIRED:
    case FIDO_ERR_UNSUPPORTED_OPTION:
    case FIDO_ERR_INVALID_OPTION:
      return make_error(Errc::kInvalidArgument,
                        "the security key needs its PIN for this (" + what + ")");
    case FIDO_ERR_NO_CREDENTIALS:
      return make_error(Errc::kNotFound, "this security key is not registered");
    case FIDO_ERR_CREDENTIAL_EXCLUDED:
      return make_error(Errc::kAlreadyExists, "this security key is already registered");
    case FIDO_ERR_UNSUPPORTED_ALGORITHM:
      return make_error(Errc::kInvalidArgument,
                        "the security key supports neither EdDSA nor ES256");
    default: return make_error(Errc::kUnavailable, "security key error: " + what);
  }
}

Libfido2Devices::Libfido2Devices() {
  static std::once_flag once;
  std::call_once(once, [] { fido_init(0); });
}

Result<std::vector<fido::FidoDeviceInfo>> Libfido2Devices::list() {
  FidoDevInfoList infos(fido::kMaxDevices);
  if (infos.get() == nullptr) return fail(Errc::kInternal, "fido_dev_info_new");
  std::size_t n = 0;
  const int r = fido_dev_info_manifest(infos.get(), infos.capacity(), &n);
  if (r != FIDO_OK)
    return fail(Errc::kUnavailable, std::string("enumerating keys: ") + fido_strerr(r));
  std::vector<fido::FidoDeviceInfo> out;
  for (std::size_t i = 0; i < n; ++i) {
    const fido_dev_info_t* di = fido_dev_info_ptr(infos.get(), i);
    auto s = [](const char* p) { return p != nullptr ? std::string(p) : std::string(); };
    out.push_back({s(fido_dev_info_path(di)), s(fido_dev_info_manufacturer_string(di)),
                   s(fido_dev_info_product_string(di))});
  }
  return out;
}

Result<std::unique_ptr<fido::FidoDevice>> Libfido2Devices::open(const std::string& path) {
  FidoDevPtr dev(fido_dev_new());
  if (!dev) return fail(Errc::kInternal, "fido_dev_new");
  if (is_unix(path) && fido_dev_set_io_functions(dev.get(), &unix_fido_io()) != FIDO_OK) {
    return fail(Errc::kInternal, "fido_dev_set_io_functions");
  }
  (void)fido_dev_set_timeout(dev.get(), kOpenTimeoutMs);
  if (fido_dev_open(dev.get(), path.c_str()) != FIDO_OK) {
    return fail(Errc::kUnavailable, "no security key found (is it plugged in?)");
  }
  if (!fido_dev_is_fido2(dev.get())) {
    return fail(Errc::kUnavailable, "the security key does not speak FIDO2 (CTAP2)");
  }
  return std::unique_ptr<fido::FidoDevice>(std::make_unique<Libfido2Device>(std::move(dev)));
}

}  // namespace mfa::daemon
