#include "daemon/core/webauthn_attestation.h"

#include <openssl/x509v3.h>

#include <cstring>
#include <memory>
#include <vector>

namespace mfa::webauthn {
namespace {

// id-fido-gen-ce-aaguid (WebAuthn 8.2.1): the AAGUID as an OCTET STRING inside the extension.
constexpr const char* kAaguidOid = "1.3.6.1.4.1.45724.1.1.4";

struct Asn1ObjectFree {
  void operator()(ASN1_OBJECT* p) const noexcept { ASN1_OBJECT_free(p); }
};
struct BasicConstraintsFree {
  void operator()(BASIC_CONSTRAINTS* p) const noexcept { BASIC_CONSTRAINTS_free(p); }
};
struct OctetStringFree {
  void operator()(ASN1_OCTET_STRING* p) const noexcept { ASN1_OCTET_STRING_free(p); }
};

std::vector<std::uint8_t> signed_data(std::span<const std::uint8_t> auth_data,
                                      std::span<const std::uint8_t> client_data_hash) {
  std::vector<std::uint8_t> m(auth_data.begin(), auth_data.end());
  m.insert(m.end(), client_data_hash.begin(), client_data_hash.end());
  return m;
}

// WebAuthn 8.2.1 "Certificate Requirements for Packed Attestation Statements".
Status check_packed_cert(X509* cert, const std::array<std::uint8_t, 16>& aaguid) {
  if (X509_get_version(cert) != 2)
    return fail(Errc::kInvalidArgument, "attestation certificate is not X.509 v3");
  X509_NAME* subject = X509_get_subject_name(cert);
  char ou[64] = {};
  if (X509_NAME_get_text_by_NID(subject, NID_organizationalUnitName, ou, sizeof ou) <= 0 ||
      std::strcmp(ou, "Authenticator Attestation") != 0) {
    return fail(Errc::kInvalidArgument,
                "attestation certificate OU must be 'Authenticator Attestation'");
  }
  int crit = 0;
  std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsFree> bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &crit, nullptr)));
  if (bc && bc->ca != 0) return fail(Errc::kInvalidArgument, "attestation certificate is a CA");
  std::unique_ptr<ASN1_OBJECT, Asn1ObjectFree> oid(OBJ_txt2obj(kAaguidOid, 1));
  if (!oid) return fail(Errc::kCrypto, "OBJ_txt2obj");
  const int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (idx >= 0) {
    X509_EXTENSION* ext = X509_get_ext(cert, idx);
    if (X509_EXTENSION_get_critical(ext) != 0) {
      return fail(Errc::kInvalidArgument, "AAGUID extension must not be critical");
    }
    const ASN1_OCTET_STRING* outer = X509_EXTENSION_get_data(ext);
    const unsigned char* p = ASN1_STRING_get0_data(outer);
    std::unique_ptr<ASN1_OCTET_STRING, OctetStringFree> inner(
        d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(outer)));
    if (!inner || ASN1_STRING_length(inner.get()) != 16 ||
        std::memcmp(ASN1_STRING_get0_data(inner.get()), aaguid.data(), 16) != 0) {
      return fail(Errc::kInvalidArgument, "attestation certificate AAGUID does not match");
    }
  }
  return {};
}

Result<AttestationResult> verify_packed(const CborValue& st,
                                        std::span<const std::uint8_t> auth_data,
                                        std::span<const std::uint8_t> cdh,
                                        const CosePublicKey& credential_key,
                                        const std::array<std::uint8_t, 16>& aaguid) {
  const CborValue* alg = st.find("alg");
  const CborValue* sig = st.find("sig");
  if (alg == nullptr || !alg->as_int() || sig == nullptr || sig->type != CborValue::Type::kBytes) {
    return fail(Errc::kInvalidArgument, "packed attestation needs alg and sig");
  }
  const std::vector<std::uint8_t> message = signed_data(auth_data, cdh);
  if (const CborValue* x5c = st.find("x5c")) {
    if (x5c->type != CborValue::Type::kArray || x5c->items.empty() ||
        x5c->items[0].type != CborValue::Type::kBytes) {
      return fail(Errc::kInvalidArgument,
                  "packed attestation x5c must be an array of certificates");
    }
    const auto& der = x5c->items[0].bytes;
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert || p != der.data() + der.size()) {
      return fail(Errc::kInvalidArgument, "bad attestation certificate");
    }
    if (!is_supported_alg(*alg->as_int())) {
      return fail(Errc::kInvalidArgument, "unsupported attestation signature algorithm");
    }
    EVP_PKEY* cert_key = X509_get0_pubkey(cert.get());
    if (cert_key == nullptr)
      return fail(Errc::kInvalidArgument, "attestation certificate has no key");
    MFA_TRY(verify_signature(cert_key, *alg->as_int(), message, sig->bytes));
    MFA_TRY(check_packed_cert(cert.get(), aaguid));
    return AttestationResult{"basic"};
  }
  // Self attestation: the statement's alg must be the credential's own (8.2 step "If x5c is
  // not present").
  if (*alg->as_int() != credential_key.alg) {
    return fail(Errc::kInvalidArgument, "self attestation alg differs from the credential key");
  }
  MFA_TRY(verify_signature(credential_key.pkey.get(), credential_key.alg, message, sig->bytes));
  return AttestationResult{"self"};
}

}  // namespace

Result<AttestationResult> verify_attestation(const std::string& fmt, const CborValue& att_stmt,
                                             std::span<const std::uint8_t> auth_data,
                                             std::span<const std::uint8_t> client_data_hash,
                                             const CosePublicKey& credential_key,
                                             const std::array<std::uint8_t, 16>& aaguid) {
  if (att_stmt.type != CborValue::Type::kMap) {
    return fail(Errc::kInvalidArgument, "attStmt is not a map");
  }
  if (fmt == "none") {
    if (!att_stmt.map.empty())
      return fail(Errc::kInvalidArgument, "fmt none needs an empty attStmt");
    return AttestationResult{"none"};
  }
  if (fmt == "packed") {
    return verify_packed(att_stmt, auth_data, client_data_hash, credential_key, aaguid);
  }
  return fail(Errc::kInvalidArgument,
              "attestation format '" + fmt.substr(0, 32) + "' is not supported");
}

}  // namespace mfa::webauthn
