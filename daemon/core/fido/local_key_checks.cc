#include "daemon/core/fido/local_key_checks.h"

#include <algorithm>

#include "daemon/core/base/secret.h"
#include "daemon/core/webauthn/webauthn_authdata.h"
#include "daemon/core/webauthn/webauthn_cose.h"

namespace mfa::fido {
namespace {

// rpIdHash (WebAuthn 7.1 step 13 / 7.2 step 15), UP (step 14/16), UV when required (15/17).
Status common(const webauthn::AuthenticatorData& ad, const std::string& rp_id, bool require_uv) {
  const std::string_view id(rp_id);
  const auto want = webauthn::sha256({reinterpret_cast<const std::uint8_t*>(id.data()), id.size()});
  if (!ct_equal(std::span<const std::uint8_t>(want), std::span<const std::uint8_t>(ad.rp_id_hash)))
    return fail(Errc::kBadCode, "rpIdHash does not match");
  if (!ad.up()) return fail(Errc::kBadCode, "the key did not confirm user presence (UP)");
  if (require_uv && !ad.uv()) {
    return fail(Errc::kBadCode, "user verification (PIN) is required but UV is not set");
  }
  return {};
}

}  // namespace

Result<webauthn::RegisteredCredential> check_local_registration(const LocalRegistrationCheck& in,
                                                                const MadeCredential& made) {
  auto ad = webauthn::parse_authenticator_data(made.auth_data);
  if (!ad) return fail(Errc::kBadCode, "authenticator data: " + ad.error().context);
  MFA_TRY(common(*ad, in.rp_id, in.require_uv));
  if (!ad->has_credential) return fail(Errc::kBadCode, "no attested credential data");
  auto key = webauthn::cose_key_parse(ad->cose_key);
  if (!key) return fail(Errc::kBadCode, "credential public key: " + key.error().context);
  if (std::find(in.requested_algs.begin(), in.requested_algs.end(), key->alg) ==
      in.requested_algs.end()) {
    return fail(Errc::kBadCode, "the key chose an algorithm that was not requested");
  }
  webauthn::RegisteredCredential out = webauthn::registered_credential(*ad, key->alg);
  out.attestation_type = made.attestation;
  out.fmt = made.fmt;
  return out;
}

Result<webauthn::AssertionOutcome> check_local_assertion(const LocalAssertionCheck& in,
                                                         const Assertion& a) {
  if (in.client_data_hash.size() != 32) return fail(Errc::kInternal, "clientDataHash size");
  auto ad = webauthn::parse_authenticator_data(a.auth_data);
  if (!ad) return fail(Errc::kBadCode, "authenticator data: " + ad.error().context);
  MFA_TRY(common(*ad, in.rp_id, in.require_uv));
  if (ad->has_credential) return fail(Errc::kBadCode, "unexpected attested credential data");
  auto key = webauthn::cose_key_parse(in.stored_cose_key);
  if (!key) return fail(Errc::kInternal, "stored public key unreadable");
  // 7.2 step 20: the signature covers authData || hash(clientData).
  std::vector<std::uint8_t> signed_data(a.auth_data);
  signed_data.insert(signed_data.end(), in.client_data_hash.begin(), in.client_data_hash.end());
  auto v = webauthn::verify_signature(key->pkey.get(), key->alg, signed_data, a.signature);
  if (!v) {
    return fail(v.error().code == Errc::kBadCode ? Errc::kBadCode : v.error().code,
                "the key's signature does not verify");
  }
  webauthn::AssertionOutcome out;
  out.sign_count = ad->sign_count;
  out.uv = ad->uv();
  out.backup_state = ad->bs();
  // 7.2 step 21: both zero means the key has no counter.
  out.sign_count_regression = (ad->sign_count != 0 || in.stored_sign_count != 0) &&
                              static_cast<std::int64_t>(ad->sign_count) <= in.stored_sign_count;
  return out;
}

Result<std::unique_ptr<FidoDevice>> open_local_key(FidoDevices& devices, const std::string& path) {
  if (!path.empty()) return devices.open(path);
  auto found = devices.list();
  if (!found) return fail(found.error());
  if (found->empty()) return fail(Errc::kUnavailable, "no security key found");
  return devices.open(found->front().path);
}

}  // namespace mfa::fido
