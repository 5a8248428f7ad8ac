// A software WebAuthn authenticator + client for tests: real ES256 / EdDSA keys from OpenSSL,
// real attestation (fmt none, packed self) and assertion signatures, and knobs to produce
// every kind of bad response an RP must refuse (wrong origin, rp id, type, flags, counter).
// Header-only so that any test binary can include it without build changes.
#pragma once

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/encoding/base64url.h"
#include "daemon/core/webauthn/webauthn_rp.h"

namespace mfa::testing {

// Minimal canonical CBOR encoder (definite lengths) for what authenticators emit.
class CborWriter {
 public:
  std::vector<std::uint8_t> out;
  CborWriter& head(unsigned major, std::uint64_t n) {
    const auto m = static_cast<std::uint8_t>(major << 5);
    if (n < 24) {
      out.push_back(static_cast<std::uint8_t>(m | n));
    } else if (n <= 0xFF) {
      out.push_back(m | 24);
      out.push_back(static_cast<std::uint8_t>(n));
    } else if (n <= 0xFFFF) {
      out.push_back(m | 25);
      out.push_back(static_cast<std::uint8_t>(n >> 8));
      out.push_back(static_cast<std::uint8_t>(n));
    } else {
      out.push_back(m | 26);
      for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(n >> s));
    }
    return *this;
  }
  CborWriter& integer(std::int64_t v) {
    return v >= 0 ? head(0, static_cast<std::uint64_t>(v))
                  : head(1, static_cast<std::uint64_t>(-1 - v));
  }
  CborWriter& bytes(std::span<const std::uint8_t> b) {
    head(2, b.size());
    out.insert(out.end(), b.begin(), b.end());
    return *this;
  }
  CborWriter& text(std::string_view s) {
    head(3, s.size());
    out.insert(out.end(), s.begin(), s.end());
    return *this;
  }
  CborWriter& map(std::size_t n) { return head(5, n); }
  CborWriter& array(std::size_t n) { return head(4, n); }
  CborWriter& raw(std::span<const std::uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return *this;
  }
};

inline std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

struct SoftCredential {
  std::int64_t alg = -7;
  EvpPkeyPtr key;
  std::vector<std::uint8_t> id;
  std::uint32_t counter = 0;
};

// What the "browser + authenticator" does; every field can be bent by a test.
struct Ceremony {
  std::string origin = "https://app.example.com";
  std::string rp_id = "example.com";
  std::string type;  // default: webauthn.create / webauthn.get
  std::vector<std::uint8_t> challenge;
  std::uint8_t flags = 0x01 | 0x04;  // UP | UV
  bool packed_self = false;          // attestation: packed self instead of none
  bool counter_step = true;          // increment the counter before signing
  bool cross_origin = false;
};

struct Attestation {
  std::string client_data_json;
  std::vector<std::uint8_t> attestation_object;
  std::vector<std::uint8_t> auth_data;
};

struct Assertion {
  std::string client_data_json;
  std::vector<std::uint8_t> auth_data;
  std::vector<std::uint8_t> signature;
};

class SoftAuthenticator {
 public:
  static SoftCredential new_credential(std::int64_t alg, std::uint8_t id_seed = 1) {
    SoftCredential c;
    c.alg = alg;
    c.key.reset(alg == -8 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    c.id.assign(32, id_seed);
    for (std::size_t i = 0; i < c.id.size(); ++i) c.id[i] = static_cast<std::uint8_t>(c.id[i] + i);
    return c;
  }

  static std::vector<std::uint8_t> cose_key(const SoftCredential& c) {
    CborWriter w;
    if (c.alg == -8) {
      std::vector<std::uint8_t> x(32);
      std::size_t len = x.size();
      EVP_PKEY_get_raw_public_key(c.key.get(), x.data(), &len);
      w.map(4)
          .integer(1)
          .integer(1)
          .integer(3)
          .integer(-8)
          .integer(-1)
          .integer(6)
          .integer(-2)
          .bytes(x);
    } else {
      std::vector<std::uint8_t> pt(65);
      std::size_t len = 0;
      EVP_PKEY_get_octet_string_param(c.key.get(), OSSL_PKEY_PARAM_PUB_KEY, pt.data(), pt.size(),
                                      &len);
      w.map(5).integer(1).integer(2).integer(3).integer(-7).integer(-1).integer(1);
      w.integer(-2)
          .bytes(std::span(pt).subspan(1, 32))
          .integer(-3)
          .bytes(std::span(pt).subspan(33, 32));
    }
    return w.out;
  }

  static std::string client_data(const Ceremony& c, const char* default_type) {
    std::string j = "{\"type\":\"" + (c.type.empty() ? std::string(default_type) : c.type) +
                    "\",\"challenge\":\"" + base64url_encode(c.challenge) + "\",\"origin\":\"" +
                    c.origin + "\"";
    if (c.cross_origin) j += ",\"crossOrigin\":true";
    return j + "}";
  }

  static std::vector<std::uint8_t> sign(const SoftCredential& c,
                                        std::span<const std::uint8_t> msg) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_DigestSignInit(ctx.get(), nullptr, c.alg == -8 ? nullptr : EVP_sha256(), nullptr,
                       c.key.get());
    std::size_t len = 0;
    EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size());
    std::vector<std::uint8_t> sig(len);
    EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size());
    sig.resize(len);
    return sig;
  }

  static std::vector<std::uint8_t> auth_data(const Ceremony& c, std::uint32_t counter,
                                             const SoftCredential* attested) {
    std::vector<std::uint8_t> a = webauthn::sha256(bytes_of(c.rp_id));
    a.push_back(static_cast<std::uint8_t>(c.flags | (attested != nullptr ? 0x40 : 0)));
    for (int s = 24; s >= 0; s -= 8) a.push_back(static_cast<std::uint8_t>(counter >> s));
    if (attested != nullptr) {
      a.insert(a.end(), 16, 0xAA);  // AAGUID
      a.push_back(static_cast<std::uint8_t>(attested->id.size() >> 8));
      a.push_back(static_cast<std::uint8_t>(attested->id.size()));
      a.insert(a.end(), attested->id.begin(), attested->id.end());
      const auto k = cose_key(*attested);
      a.insert(a.end(), k.begin(), k.end());
    }
    return a;
  }

  static Attestation make_credential(SoftCredential& cred, const Ceremony& c) {
    Attestation out;
    out.client_data_json = client_data(c, "webauthn.create");
    out.auth_data = auth_data(c, cred.counter, &cred);
    CborWriter w;
    w.map(3).text("fmt").text(c.packed_self ? "packed" : "none").text("attStmt");
    if (c.packed_self) {
      std::vector<std::uint8_t> msg = out.auth_data;
      const auto cdh = webauthn::sha256(bytes_of(out.client_data_json));
      msg.insert(msg.end(), cdh.begin(), cdh.end());
      w.map(2).text("alg").integer(cred.alg).text("sig").bytes(sign(cred, msg));
    } else {
      w.map(0);
    }
    w.text("authData").bytes(out.auth_data);
    out.attestation_object = w.out;
    return out;
  }

  static Assertion get_assertion(SoftCredential& cred, const Ceremony& c) {
    if (c.counter_step) ++cred.counter;
    Assertion out;
    out.client_data_json = client_data(c, "webauthn.get");
    out.auth_data = auth_data(c, cred.counter, nullptr);
    std::vector<std::uint8_t> msg = out.auth_data;
    const auto cdh = webauthn::sha256(bytes_of(out.client_data_json));
    msg.insert(msg.end(), cdh.begin(), cdh.end());
    out.signature = sign(cred, msg);
    return out;
  }
};

}  // namespace mfa::testing
