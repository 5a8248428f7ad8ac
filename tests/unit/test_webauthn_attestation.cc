// Packed attestation with an x5c chain (WebAuthn 8.2, 8.2.1, 7.1 steps 23-25) against real
// certificates made here with OpenSSL: a test CA (and an intermediate) issuing attestation
// leaves. A chain to a configured anchor verifies and is `trusted`; an unknown root is refused
// when a trusted attestation is required (and recorded untrusted when not); a leaf with the
// wrong OU, CA:TRUE, a mismatched AAGUID or version 1 is refused whatever the trust; none/self
// attestation is refused under require_trusted; root PEM files are checked when loaded.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/webauthn/webauthn_attestation.h"
#include "daemon/core/webauthn/webauthn_cbor.h"
#include "daemon/core/webauthn/webauthn_config.h"
#include "daemon/core/webauthn/webauthn_cose.h"

// cmocka last: it defines a `fail` macro that would clash with mfa::fail.
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using namespace mfa;
using mfa::webauthn::AttestationTrust;
using mfa::webauthn::CborValue;

namespace {

struct ExtFree {
  void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};
struct OctetFree {
  void operator()(ASN1_OCTET_STRING* p) const noexcept { ASN1_OCTET_STRING_free(p); }
};
struct ObjFree {
  void operator()(ASN1_OBJECT* p) const noexcept { ASN1_OBJECT_free(p); }
};

const std::array<std::uint8_t, 16> kAaguid = {1, 2,  3,  4,  5,  6,  7,  8,
                                              9, 10, 11, 12, 13, 14, 15, 16};

EvpPkeyPtr new_key() {
  EvpPkeyPtr k(EVP_EC_gen("P-256"));
  assert_non_null(k.get());
  return k;
}

struct CertSpec {
  std::string cn = "Test";
  std::string ou = "Authenticator Attestation";
  bool ca = false;
  long version = 2;  // v3
  bool aaguid_ext = true;
  std::array<std::uint8_t, 16> aaguid = kAaguid;
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  assert_non_null(ext.get());
  assert_int_equal(X509_add_ext(cert, ext.get(), -1), 1);
}

// A certificate for `key` issued by (issuer, issuer_key); self-signed when issuer is null.
X509Ptr make_cert(const CertSpec& s, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  static long serial = 1;
  X509Ptr c(X509_new());
  assert_non_null(c.get());
  assert_int_equal(X509_set_version(c.get(), s.version), 1);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 86400L * 365);
  assert_int_equal(X509_set_pubkey(c.get(), key), 1);
  X509_NAME* name = X509_get_subject_name(c.get());
  auto add = [&](const char* field, const std::string& v) {
    assert_int_equal(
        X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0),
        1);
  };
  add("C", "SE");
  add("O", "mfad tests");
  if (!s.ou.empty()) add("OU", s.ou);
  add("CN", s.cn);
  X509* iss = issuer != nullptr ? issuer : c.get();
  assert_int_equal(X509_set_issuer_name(c.get(), X509_get_subject_name(iss)), 1);
  if (s.version == 2) {
    add_ext(c.get(), iss, NID_basic_constraints, s.ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (s.ca) add_ext(c.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (!s.ca && s.aaguid_ext) {
      // id-fido-gen-ce-aaguid: an OCTET STRING holding the DER of an OCTET STRING (8.2.1).
      std::unique_ptr<ASN1_OCTET_STRING, OctetFree> inner(ASN1_OCTET_STRING_new());
      ASN1_OCTET_STRING_set(inner.get(), s.aaguid.data(), 16);
      unsigned char der[32];
      unsigned char* p = der;
      const int n = i2d_ASN1_OCTET_STRING(inner.get(), &p);
      assert_int_equal(n, 18);
      std::unique_ptr<ASN1_OCTET_STRING, OctetFree> outer(ASN1_OCTET_STRING_new());
      ASN1_OCTET_STRING_set(outer.get(), der, n);
      std::unique_ptr<ASN1_OBJECT, ObjFree> oid(OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1));
      std::unique_ptr<X509_EXTENSION, ExtFree> ext(
          X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, outer.get()));
      assert_non_null(ext.get());
      assert_int_equal(X509_add_ext(c.get(), ext.get(), -1), 1);
    }
  }
  assert_true(X509_sign(c.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0);
  return c;
}

std::vector<std::uint8_t> der_of(X509* c) {
  unsigned char* buf = nullptr;
  const int n = i2d_X509(c, &buf);
  assert_true(n > 0);
  std::vector<std::uint8_t> out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

std::string pem_of(X509* c) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  assert_int_equal(PEM_write_bio_X509(bio.get(), c), 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::vector<std::uint8_t> es256_sign(EVP_PKEY* key, const std::vector<std::uint8_t>& msg) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  assert_int_equal(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  std::size_t len = 0;
  assert_int_equal(EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()), 1);
  std::vector<std::uint8_t> sig(len);
  assert_int_equal(EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()), 1);
  sig.resize(len);
  return sig;
}

CborValue text(const char* s) {
  CborValue v;
  v.type = CborValue::Type::kText;
  v.text = s;
  return v;
}
CborValue bytes(std::vector<std::uint8_t> b) {
  CborValue v;
  v.type = CborValue::Type::kBytes;
  v.bytes = std::move(b);
  return v;
}

// Arbitrary authenticator data and client data hash: the packed signature covers both.
const std::vector<std::uint8_t> kAuthData(80, 0xA5);
const std::vector<std::uint8_t> kCdh(32, 0x3C);

// A packed attStmt {alg: -7, sig, x5c: [leaf, ...chain]} signed by leaf_key.
CborValue packed(EVP_PKEY* leaf_key, const std::vector<X509*>& x5c) {
  std::vector<std::uint8_t> msg = kAuthData;
  msg.insert(msg.end(), kCdh.begin(), kCdh.end());
  CborValue alg;
  alg.type = CborValue::Type::kNint;
  alg.uint = 6;  // -7
  CborValue chain;
  chain.type = CborValue::Type::kArray;
  for (X509* c : x5c) chain.items.push_back(bytes(der_of(c)));
  CborValue st;
  st.type = CborValue::Type::kMap;
  st.map.emplace_back(text("alg"), alg);
  st.map.emplace_back(text("sig"), bytes(es256_sign(leaf_key, msg)));
  st.map.emplace_back(text("x5c"), chain);
  return st;
}

webauthn::CosePublicKey credential_key(EVP_PKEY* k) {
  webauthn::CosePublicKey c;
  c.alg = webauthn::kAlgEs256;
  assert_int_equal(EVP_PKEY_up_ref(k), 1);
  c.pkey.reset(k);
  return c;
}

Result<webauthn::AttestationResult> check(const CborValue& st, const AttestationTrust& trust,
                                          const std::array<std::uint8_t, 16>& aaguid = kAaguid,
                                          const char* fmt = "packed") {
  EvpPkeyPtr cred = new_key();
  return webauthn::verify_attestation(fmt, st, kAuthData, kCdh, credential_key(cred.get()), aaguid,
                                      trust);
}

void expect_refused(const Result<webauthn::AttestationResult>& r, const char* what,
                    const char* needle) {
  if (r) {
    print_error("accepted but should be refused: %s\n", what);
    fail();
  }
  if (strstr(r.error().context.c_str(), needle) == nullptr) {
    print_error("%s: unexpected error '%s'\n", what, r.error().context.c_str());
    fail();
  }
}

struct Pki {
  EvpPkeyPtr root_key = new_key();
  X509Ptr root;
  EvpPkeyPtr inter_key = new_key();
  X509Ptr inter;
  EvpPkeyPtr leaf_key = new_key();
  Pki() {
    static int n = 0;
    ++n;
    CertSpec r;
    r.cn = "mfad test root " + std::to_string(n);  // distinct subjects: lookup is by name
    r.ou = "";
    r.ca = true;
    root = make_cert(r, root_key.get(), nullptr, nullptr);
    CertSpec i = r;
    i.cn = "mfad test intermediate " + std::to_string(n);
    inter = make_cert(i, inter_key.get(), root.get(), root_key.get());
  }
  X509Ptr leaf(const CertSpec& s = {}, bool via_intermediate = false) {
    return via_intermediate ? make_cert(s, leaf_key.get(), inter.get(), inter_key.get())
                            : make_cert(s, leaf_key.get(), root.get(), root_key.get());
  }
};

void test_chain_to_configured_root(void**) {
  Pki pki;
  AttestationTrust trust{{pem_of(pki.root.get())}, true};
  X509Ptr leaf = pki.leaf();
  auto r = check(packed(pki.leaf_key.get(), {leaf.get()}), trust);
  if (!r) print_error("%s\n", r.error().context.c_str());
  assert_true(r.has_value());
  assert_string_equal(r->type.c_str(), "basic");
  assert_true(r->trusted);
  // Through an intermediate carried in x5c.
  X509Ptr leaf2 = pki.leaf({}, true);
  r = check(packed(pki.leaf_key.get(), {leaf2.get(), pki.inter.get()}), trust);
  if (!r) print_error("%s\n", r.error().context.c_str());
  assert_true(r.has_value() && r->trusted);
  // The same leaf without its intermediate does not reach the root.
  expect_refused(check(packed(pki.leaf_key.get(), {leaf2.get()}), trust), "missing intermediate",
                 "not trusted");
  // A leaf without the (optional) AAGUID extension is fine.
  CertSpec no_ext;
  no_ext.aaguid_ext = false;
  X509Ptr leaf3 = pki.leaf(no_ext);
  r = check(packed(pki.leaf_key.get(), {leaf3.get()}), trust);
  assert_true(r.has_value() && r->trusted);
}

void test_untrusted_root(void**) {
  Pki pki;
  Pki other;
  X509Ptr leaf = pki.leaf();
  const CborValue st = packed(pki.leaf_key.get(), {leaf.get()});
  // Required: a chain to another CA is refused.
  expect_refused(check(st, AttestationTrust{{pem_of(other.root.get())}, true}), "unknown root",
                 "not trusted");
  // Not required: registered, recorded untrusted.
  auto r = check(st, AttestationTrust{{pem_of(other.root.get())}, false});
  assert_true(r.has_value());
  assert_string_equal(r->type.c_str(), "basic");
  assert_false(r->trusted);
  // No anchors configured: accepted as today, untrusted.
  r = check(st, AttestationTrust{});
  assert_true(r.has_value() && !r->trusted);
  // Several anchors (a bundle): the right one among them is found.
  r = check(st, AttestationTrust{{pem_of(other.root.get()) + pem_of(pki.root.get())}, true});
  assert_true(r.has_value() && r->trusted);
  // A signature by another key than the leaf's is refused before any trust question.
  expect_refused(check(packed(other.leaf_key.get(), {leaf.get()}), AttestationTrust{}),
                 "signature by another key", "signature");
}

void test_leaf_requirements(void**) {
  Pki pki;
  const AttestationTrust trust{{pem_of(pki.root.get())}, false};
  CertSpec wrong_ou;
  wrong_ou.ou = "Something Else";
  X509Ptr a = pki.leaf(wrong_ou);
  expect_refused(check(packed(pki.leaf_key.get(), {a.get()}), trust), "wrong OU", "OU");
  CertSpec no_ou;
  no_ou.ou = "";
  X509Ptr b = pki.leaf(no_ou);
  expect_refused(check(packed(pki.leaf_key.get(), {b.get()}), trust), "no OU", "OU");
  CertSpec ca;
  ca.ca = true;
  X509Ptr c = pki.leaf(ca);
  expect_refused(check(packed(pki.leaf_key.get(), {c.get()}), trust), "CA:TRUE", "CA");
  CertSpec other_aaguid;
  other_aaguid.aaguid[0] = 0xFF;
  X509Ptr d = pki.leaf(other_aaguid);
  expect_refused(check(packed(pki.leaf_key.get(), {d.get()}), trust), "AAGUID mismatch", "AAGUID");
  CertSpec v1;
  v1.version = 0;
  X509Ptr e = pki.leaf(v1);
  expect_refused(check(packed(pki.leaf_key.get(), {e.get()}), trust), "X.509 v1", "v3");
  // Garbage in x5c, and too many certificates.
  CborValue st = packed(pki.leaf_key.get(), {pki.leaf().get()});
  st.map[2].second.items.push_back(bytes({0x30, 0x03, 0x02, 0x01, 0x01}));
  expect_refused(check(st, trust), "garbage certificate", "bad attestation certificate");
  CborValue many = packed(pki.leaf_key.get(), {pki.leaf().get()});
  while (many.map[2].second.items.size() <= webauthn::kMaxX5cCerts)
    many.map[2].second.items.push_back(many.map[2].second.items[0]);
  expect_refused(check(many, trust), "9 certificates", "1 to 8");
}

void test_require_trusted_refuses_none_and_self(void**) {
  Pki pki;
  const AttestationTrust trust{{pem_of(pki.root.get())}, true};
  CborValue empty;
  empty.type = CborValue::Type::kMap;
  expect_refused(check(empty, trust, kAaguid, "none"), "fmt none", "trusted attestation");
  assert_true(check(empty, AttestationTrust{}, kAaguid, "none").has_value());
  // Self attestation: signed by the credential key, no x5c.
  EvpPkeyPtr cred = new_key();
  std::vector<std::uint8_t> msg = kAuthData;
  msg.insert(msg.end(), kCdh.begin(), kCdh.end());
  CborValue alg;
  alg.type = CborValue::Type::kNint;
  alg.uint = 6;
  CborValue st;
  st.type = CborValue::Type::kMap;
  st.map.emplace_back(text("alg"), alg);
  st.map.emplace_back(text("sig"), bytes(es256_sign(cred.get(), msg)));
  auto self = webauthn::verify_attestation("packed", st, kAuthData, kCdh,
                                           credential_key(cred.get()), kAaguid, AttestationTrust{});
  assert_true(self.has_value());
  assert_string_equal(self->type.c_str(), "self");
  self = webauthn::verify_attestation("packed", st, kAuthData, kCdh, credential_key(cred.get()),
                                      kAaguid, trust);
  expect_refused(self, "self attestation", "trusted attestation");
}

void test_load_roots(void**) {
  Pki pki;
  char tmpl[] = "/tmp/mfa-attroots-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  const std::string dir = tmpl;
  std::ofstream(dir + "/root.pem") << pem_of(pki.root.get());
  std::ofstream(dir + "/junk.pem") << "not a certificate\n";
  WebAuthnConfig w;
  w.attestation_roots = {dir + "/root.pem"};
  assert_true(webauthn::load_attestation_roots(w).has_value());
  assert_int_equal(w.attestation_root_pems.size(), 1);
  assert_true(webauthn::parse_pem_certificates(w.attestation_root_pems[0]).has_value());
  w.attestation_roots = {dir + "/root.pem", dir + "/junk.pem"};
  auto r = webauthn::load_attestation_roots(w);
  assert_false(r.has_value());
  assert_non_null(strstr(r.error().context.c_str(), "junk.pem"));
  w.attestation_roots = {dir + "/missing.pem"};
  r = webauthn::load_attestation_roots(w);
  assert_false(r.has_value());
  assert_non_null(strstr(r.error().context.c_str(), "cannot open"));
  std::filesystem::remove_all(dir);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chain_to_configured_root),
      cmocka_unit_test(test_untrusted_root),
      cmocka_unit_test(test_leaf_requirements),
      cmocka_unit_test(test_require_trusted_refuses_none_and_self),
      cmocka_unit_test(test_load_roots),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
