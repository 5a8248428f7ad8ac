#include "daemon/core/webauthn/webauthn_rp.h"

#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "daemon/core/base/secret.h"
#include "daemon/core/encoding/base64url.h"
#include "daemon/core/webauthn/webauthn_attestation.h"
#include "daemon/core/webauthn/webauthn_authdata.h"
#include "daemon/core/webauthn/webauthn_cbor.h"
#include "daemon/core/webauthn/webauthn_cose.h"

namespace mfa::webauthn {
namespace {

constexpr std::size_t kMaxClientDataJson = 4096;

std::string hex(std::span<const std::uint8_t> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t x : b) {
    s.push_back(kDigits[x >> 4]);
    s.push_back(kDigits[x & 15]);
  }
  return s;
}

// 7.1 steps 5-9 / 7.2 steps 10-14: the collected client data.
Status check_client_data(const WebAuthnConfig& rp, std::span<const std::uint8_t> raw,
                         const char* expected_type, std::span<const std::uint8_t> challenge) {
  if (raw.empty() || raw.size() > kMaxClientDataJson) {
    return fail(Errc::kInvalidArgument, "clientDataJSON missing or too large");
  }
  const auto c = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, false);
  if (c.is_discarded() || !c.is_object()) {
    return fail(Errc::kInvalidArgument, "clientDataJSON is not a JSON object");
  }
  auto str = [&c](const char* k) -> std::string {
    auto it = c.find(k);
    return it != c.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str("type") != expected_type) {
    return fail(Errc::kBadCode, std::string("client data type is not ") + expected_type);
  }
  auto got = base64url_decode(str("challenge"));
  if (!got || challenge.empty() || !ct_equal(*got, challenge)) {
    return fail(Errc::kBadCode, "client data challenge does not match");
  }
  const std::string origin = str("origin");
  if (std::find(rp.origins.begin(), rp.origins.end(), origin) == rp.origins.end()) {
    return fail(Errc::kBadCode, "origin '" + origin.substr(0, 128) + "' is not allowed");
  }
  // mfad's pages are never framed: a cross-origin or top-origin ceremony is not ours.
  if (auto it = c.find("crossOrigin"); it != c.end() && it->is_boolean() && it->get<bool>()) {
    return fail(Errc::kBadCode, "cross-origin ceremonies are not allowed");
  }
  if (c.contains("topOrigin")) return fail(Errc::kBadCode, "topOrigin is not expected");
  return {};
}

Status check_rp_and_flags(const WebAuthnConfig& rp, const AuthenticatorData& a, bool require_uv) {
  const std::vector<std::uint8_t> expected =
      sha256(std::span(reinterpret_cast<const std::uint8_t*>(rp.rp_id.data()), rp.rp_id.size()));
  if (!ct_equal(expected, a.rp_id_hash))
    return fail(Errc::kBadCode, "rpIdHash does not match the RP ID");
  if (!a.up()) return fail(Errc::kBadCode, "user presence (UP) flag not set");
  if (require_uv && !a.uv())
    return fail(Errc::kBadCode, "user verification (UV) required but not set");
  if (!a.be() && a.bs()) return fail(Errc::kBadCode, "backup state set without backup eligibility");
  return {};
}

}  // namespace

std::vector<std::uint8_t> sha256(std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) {
    out.assign(32, 0);  // unreachable in practice; a zero hash matches nothing real
  }
  return out;
}

Result<RegisteredCredential> verify_registration(const WebAuthnConfig& rp,
                                                 const RegistrationInput& in) {
  MFA_TRY(check_client_data(rp, in.client_data_json, "webauthn.create", in.expected_challenge));
  const std::vector<std::uint8_t> cdh = sha256(in.client_data_json);
  auto att = cbor_decode(in.attestation_object);
  if (!att) return fail(att.error());
  const CborValue* fmt = att->find("fmt");
  const CborValue* auth_data = att->find("authData");
  const CborValue* att_stmt = att->find("attStmt");
  if (att->type != CborValue::Type::kMap || fmt == nullptr || fmt->type != CborValue::Type::kText ||
      auth_data == nullptr || auth_data->type != CborValue::Type::kBytes || att_stmt == nullptr) {
    return fail(Errc::kInvalidArgument, "attestationObject needs fmt, authData and attStmt");
  }
  auto a = parse_authenticator_data(auth_data->bytes);
  if (!a) return fail(a.error());
  MFA_TRY(check_rp_and_flags(rp, *a, in.require_uv));
  if (!a->has_credential) return fail(Errc::kInvalidArgument, "no attested credential data (AT)");
  auto key = cose_key_parse(a->cose_key);
  if (!key) return fail(key.error());
  if (std::find(in.requested_algs.begin(), in.requested_algs.end(), key->alg) ==
      in.requested_algs.end()) {
    return fail(Errc::kBadCode, "credential algorithm was not requested");
  }
  const AttestationTrust trust{rp.attestation_root_pems, rp.require_trusted_attestation};
  auto attestation =
      verify_attestation(fmt->text, *att_stmt, auth_data->bytes, cdh, *key, a->aaguid, trust);
  if (!attestation) return fail(attestation.error());
  RegisteredCredential out = registered_credential(*a, key->alg);
  out.attestation_type = attestation->type;
  out.attestation_trusted = attestation->trusted;
  out.fmt = fmt->text;
  return out;
}

RegisteredCredential registered_credential(const AuthenticatorData& ad, std::int64_t alg) {
  RegisteredCredential out;
  out.credential_id = ad.credential_id;
  out.cose_key = ad.cose_key;
  out.alg = alg;
  out.sign_count = ad.sign_count;
  out.uv = ad.uv();
  out.backup_eligible = ad.be();
  out.backup_state = ad.bs();
  out.aaguid_hex = hex(ad.aaguid);
  return out;
}

Result<AssertionOutcome> verify_assertion(const WebAuthnConfig& rp, const AssertionInput& in) {
  MFA_TRY(check_client_data(rp, in.client_data_json, "webauthn.get", in.expected_challenge));
  auto a = parse_authenticator_data(in.authenticator_data);
  if (!a) return fail(a.error());
  if (a->has_credential) return fail(Errc::kInvalidArgument, "assertion must not carry AT data");
  MFA_TRY(check_rp_and_flags(rp, *a, in.require_uv));
  auto key = cose_key_parse(in.stored_cose_key);
  if (!key) return fail(key.error());
  // 7.2 step 20: the signature covers authenticatorData || SHA-256(clientDataJSON).
  std::vector<std::uint8_t> message(in.authenticator_data.begin(), in.authenticator_data.end());
  const std::vector<std::uint8_t> cdh = sha256(in.client_data_json);
  message.insert(message.end(), cdh.begin(), cdh.end());
  MFA_TRY(verify_signature(key->pkey.get(), key->alg, message, in.signature));
  AssertionOutcome out;
  out.sign_count = a->sign_count;
  out.uv = a->uv();
  out.backup_state = a->bs();
  // 7.2 step 21: 0/0 is an authenticator without a counter; otherwise it must grow.
  if ((a->sign_count != 0 || in.stored_sign_count != 0) &&
      static_cast<std::int64_t>(a->sign_count) <= in.stored_sign_count) {
    out.sign_count_regression = true;
  }
  return out;
}

}  // namespace mfa::webauthn
