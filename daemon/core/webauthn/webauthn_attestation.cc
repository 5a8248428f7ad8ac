#include "daemon/core/webauthn/webauthn_attestation.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <climits>
#include <cstring>
#include <memory>
#include <vector>

#include "daemon/core/base/bounded_file.h"

namespace mfa::webauthn {
namespace {

// id-fido-gen-ce-aaguid (WebAuthn 8.2.1): the AAGUID as an OCTET STRING inside the extension.
constexpr const char* kAaguidOid = "1.3.6.1.4.1.45724.1.1.4";

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
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &crit, nullptr)));
  if (bc && bc->ca != 0) return fail(Errc::kInvalidArgument, "attestation certificate is a CA");
  Asn1ObjectPtr oid(OBJ_txt2obj(kAaguidOid, 1));
  if (!oid) return fail(Errc::kCrypto, "OBJ_txt2obj");
  const int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (idx >= 0) {
    X509_EXTENSION* ext = X509_get_ext(cert, idx);
    if (X509_EXTENSION_get_critical(ext) != 0) {
      return fail(Errc::kInvalidArgument, "AAGUID extension must not be critical");
    }
    const ASN1_OCTET_STRING* outer = X509_EXTENSION_get_data(ext);
    const unsigned char* p = ASN1_STRING_get0_data(outer);
    Asn1OctetStringPtr inner(d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(outer)));
    if (!inner || ASN1_STRING_length(inner.get()) != 16 ||
        std::memcmp(ASN1_STRING_get0_data(inner.get()), aaguid.data(), 16) != 0) {
      return fail(Errc::kInvalidArgument, "attestation certificate AAGUID does not match");
    }
  }
  return {};
}

// WebAuthn 7.1 step 24: the attestation trust path (x5c: leaf first, then intermediates) must
// chain to one of the configured anchors. Returns false (not an error) when it does not, so
// the caller applies the policy; kCrypto only when OpenSSL itself fails.
Result<bool> chain_is_trusted(X509* leaf, const std::vector<X509Ptr>& intermediates,
                              const AttestationTrust& trust) {
  if (trust.root_pems.empty()) return false;
  X509StorePtr store(X509_STORE_new());
  if (!store) return fail(Errc::kCrypto, "X509_STORE_new");
  for (const std::string& pem : trust.root_pems) {
    auto roots = parse_pem_certificates(pem);
    if (!roots) return fail(roots.error());
    for (const X509Ptr& root : *roots) {
      // X509_STORE_add_cert takes its own reference.
      if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
        ERR_clear_error();  // a duplicate anchor is harmless
      }
    }
  }
  X509StackPtr chain(sk_X509_new_null());
  if (!chain) return fail(Errc::kCrypto, "sk_X509_new_null");
  for (const X509Ptr& c : intermediates) {
    if (X509_up_ref(c.get()) != 1) return fail(Errc::kCrypto, "X509_up_ref");
    X509Ptr ref(c.get());  // the reference the stack takes over once pushed
    if (sk_X509_push(chain.get(), ref.get()) <= 0) return fail(Errc::kCrypto, "sk_X509_push");
    (void)ref.release();
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx) return fail(Errc::kCrypto, "X509_STORE_CTX_new");
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain.get()) != 1) {
    return fail(Errc::kCrypto, "X509_STORE_CTX_init");
  }
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

Result<AttestationResult> verify_packed(const CborValue& st,
                                        std::span<const std::uint8_t> auth_data,
                                        std::span<const std::uint8_t> cdh,
                                        const CosePublicKey& credential_key,
                                        const std::array<std::uint8_t, 16>& aaguid,
                                        const AttestationTrust& trust) {
  const CborValue* alg = st.find("alg");
  const CborValue* sig = st.find("sig");
  if (alg == nullptr || !alg->as_int() || sig == nullptr || sig->type != CborValue::Type::kBytes) {
    return fail(Errc::kInvalidArgument, "packed attestation needs alg and sig");
  }
  const std::vector<std::uint8_t> message = signed_data(auth_data, cdh);
  if (const CborValue* x5c = st.find("x5c")) {
    if (x5c->type != CborValue::Type::kArray || x5c->items.empty() ||
        x5c->items.size() > kMaxX5cCerts) {
      return fail(Errc::kInvalidArgument,
                  "packed attestation x5c must be an array of 1 to 8 certificates");
    }
    std::vector<X509Ptr> certs;
    for (const CborValue& item : x5c->items) {
      if (item.type != CborValue::Type::kBytes || item.bytes.size() > INT_MAX) {
        return fail(Errc::kInvalidArgument, "packed attestation x5c entries must be certificates");
      }
      const unsigned char* p = item.bytes.data();
      X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(item.bytes.size())));
      if (!cert || p != item.bytes.data() + item.bytes.size()) {
        ERR_clear_error();
        return fail(Errc::kInvalidArgument, "bad attestation certificate");
      }
      certs.push_back(std::move(cert));
    }
    X509* leaf = certs.front().get();
    if (!is_supported_alg(*alg->as_int())) {
      return fail(Errc::kInvalidArgument, "unsupported attestation signature algorithm");
    }
    EVP_PKEY* cert_key = X509_get0_pubkey(leaf);
    if (cert_key == nullptr)
      return fail(Errc::kInvalidArgument, "attestation certificate has no key");
    MFA_TRY(verify_signature(cert_key, *alg->as_int(), message, sig->bytes));
    MFA_TRY(check_packed_cert(leaf, aaguid));
    const std::vector<X509Ptr> intermediates(std::make_move_iterator(certs.begin() + 1),
                                             std::make_move_iterator(certs.end()));
    auto trusted = chain_is_trusted(leaf, intermediates, trust);
    if (!trusted) return fail(trusted.error());
    return AttestationResult{"basic", *trusted};
  }
  // Self attestation: the statement's alg must be the credential's own (8.2 step "If x5c is
  // not present").
  if (*alg->as_int() != credential_key.alg) {
    return fail(Errc::kInvalidArgument, "self attestation alg differs from the credential key");
  }
  MFA_TRY(verify_signature(credential_key.pkey.get(), credential_key.alg, message, sig->bytes));
  return AttestationResult{"self", false};
}

Result<AttestationResult> check_statement(const std::string& fmt, const CborValue& att_stmt,
                                          std::span<const std::uint8_t> auth_data,
                                          std::span<const std::uint8_t> client_data_hash,
                                          const CosePublicKey& credential_key,
                                          const std::array<std::uint8_t, 16>& aaguid,
                                          const AttestationTrust& trust) {
  if (att_stmt.type != CborValue::Type::kMap) {
    return fail(Errc::kInvalidArgument, "attStmt is not a map");
  }
  if (fmt == "none") {
    if (!att_stmt.map.empty())
      return fail(Errc::kInvalidArgument, "fmt none needs an empty attStmt");
    return AttestationResult{"none", false};
  }
  if (fmt == "packed") {
    return verify_packed(att_stmt, auth_data, client_data_hash, credential_key, aaguid, trust);
  }
  return fail(Errc::kInvalidArgument,
              "attestation format '" + fmt.substr(0, 32) + "' is not supported");
}

}  // namespace

Result<std::vector<X509Ptr>> parse_pem_certificates(std::string_view pem) {
  if (pem.size() > kMaxAttestationRootsPem || pem.size() > INT_MAX) {
    return fail(Errc::kLimitExceeded, "PEM text too large");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(Errc::kCrypto, "BIO_new_mem_buf");
  std::vector<X509Ptr> out;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (out.size() >= 256) return fail(Errc::kLimitExceeded, "too many certificates");
    out.push_back(std::move(cert));
  }
  ERR_clear_error();  // the loop ends on "no start line"
  if (out.empty()) return fail(Errc::kInvalidArgument, "no PEM certificate found");
  return out;
}

Result<AttestationResult> verify_attestation(const std::string& fmt, const CborValue& att_stmt,
                                             std::span<const std::uint8_t> auth_data,
                                             std::span<const std::uint8_t> client_data_hash,
                                             const CosePublicKey& credential_key,
                                             const std::array<std::uint8_t, 16>& aaguid,
                                             const AttestationTrust& trust) {
  auto r =
      check_statement(fmt, att_stmt, auth_data, client_data_hash, credential_key, aaguid, trust);
  if (!r) return r;
  // WebAuthn 7.1 step 25: with require_trusted, only an attestation whose chain reaches a
  // configured anchor registers; none and self attestation carry no trust path at all.
  if (trust.require_trusted && !r->trusted) {
    return fail(Errc::kBadCode, r->type == "basic"
                                    ? "attestation certificate chain is not trusted"
                                    : "a trusted attestation is required (got " + r->type + ")");
  }
  return r;
}

Status load_attestation_roots(WebAuthnConfig& rp) {
  rp.attestation_root_pems.clear();
  std::size_t total = 0;
  for (const std::string& path : rp.attestation_roots) {
    // Each file gets what the ones before it left of the limit.
    const std::string what = total == 0
                                 ? std::string("attestation root file")
                                 : "attestation root file (after the ones before it, of the " +
                                       std::to_string(kMaxAttestationRootsPem) + " bytes for all)";
    auto text =
        read_bounded_file(path, {.max_bytes = kMaxAttestationRootsPem - total, .what = what});
    if (!text) return fail(text.error());
    total += text->size();
    auto certs = parse_pem_certificates(*text);
    if (!certs) return fail(Errc::kConfigInvalid, path + ": " + certs.error().context);
    rp.attestation_root_pems.push_back(std::move(*text));
  }
  return {};
}

}  // namespace mfa::webauthn
