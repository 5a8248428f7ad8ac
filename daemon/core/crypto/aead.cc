#include "daemon/core/crypto/aead.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <climits>

#include "daemon/core/base/c_handles.h"

namespace mfa {
namespace {

void put_u32(std::uint8_t* out, std::uint32_t v) {
  out[0] = static_cast<std::uint8_t>(v >> 24);
  out[1] = static_cast<std::uint8_t>(v >> 16);
  out[2] = static_cast<std::uint8_t>(v >> 8);
  out[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get_u32(const std::uint8_t* in) {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) |
         std::uint32_t{in[3]};
}

void append_field(std::string& out, std::string_view v) {
  std::array<std::uint8_t, 4> len{};
  put_u32(len.data(), static_cast<std::uint32_t>(v.size()));
  out.append(reinterpret_cast<const char*>(len.data()), len.size());
  out.append(v);
}

constexpr std::size_t kMaxChunk = static_cast<std::size_t>(INT_MAX);

// Feeds AAD: the record header first, then the caller's AAD.
bool feed_aad(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t> header, std::string_view aad) {
  int outl = 0;
  if (EVP_CipherUpdate(ctx, nullptr, &outl, header.data(), static_cast<int>(header.size())) != 1) {
    return false;
  }
  if (aad.empty()) return true;
  return EVP_CipherUpdate(ctx, nullptr, &outl, reinterpret_cast<const std::uint8_t*>(aad.data()),
                          static_cast<int>(aad.size())) == 1;
}

}  // namespace

Aead::Aead(SecretBuffer key, std::uint32_t key_id, Random& rng)
    : key_(std::move(key)), key_id_(key_id), rng_(rng) {}

Result<std::vector<std::uint8_t>> Aead::seal(std::span<const std::uint8_t> plaintext,
                                             std::string_view aad) {
  if (key_.size() != kKeySize) return fail(Errc::kCrypto, "encryption key has the wrong size");
  if (plaintext.size() > kMaxChunk - kOverhead || aad.size() > kMaxChunk) {
    return fail(Errc::kInvalidArgument, "plaintext too large");
  }
  // Count first, so a failure later still consumes an invocation (conservative).
  if (invocations_.fetch_add(1) >= kMaxInvocations) {
    return fail(Errc::kCrypto,
                "encryption key usage limit (2^32, SP 800-38D 8.3) reached; "
                "rotate the key");
  }

  std::vector<std::uint8_t> rec(kOverhead + plaintext.size());
  rec[0] = kVersion;
  put_u32(rec.data() + 1, key_id_);
  std::uint8_t* nonce = rec.data() + kHeaderSize;
  std::uint8_t* ct = nonce + kNonceSize;
  std::uint8_t* tag = ct + plaintext.size();
  MFA_TRY(rng_.fill(std::span(nonce, kNonceSize)));

  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return fail(Errc::kCrypto, "EVP_CIPHER_CTX_new failed");
  int outl = 0;
  int finl = 0;
  const bool ok =
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) == 1 &&
      feed_aad(ctx.get(), std::span(rec.data(), kHeaderSize), aad) &&
      (plaintext.empty() || EVP_EncryptUpdate(ctx.get(), ct, &outl, plaintext.data(),
                                              static_cast<int>(plaintext.size())) == 1) &&
      EVP_EncryptFinal_ex(ctx.get(), ct + outl, &finl) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize), tag) == 1;
  if (!ok || static_cast<std::size_t>(outl + finl) != plaintext.size()) {
    return fail(Errc::kCrypto, "AES-256-GCM encryption failed");
  }
  return rec;
}

Result<SecretBuffer> Aead::open(std::span<const std::uint8_t> record, std::string_view aad) const {
  // One error for every way a record can be bad: callers (and attackers) learn nothing more.
  auto bad = [] { return fail(Errc::kCrypto, "encrypted secret failed authentication"); };
  if (key_.size() != kKeySize) return fail(Errc::kCrypto, "encryption key has the wrong size");
  if (record.size() < kOverhead || record.size() > kMaxChunk || aad.size() > kMaxChunk) {
    return bad();
  }
  if (record[0] != kVersion || get_u32(record.data() + 1) != key_id_) return bad();

  const std::uint8_t* nonce = record.data() + kHeaderSize;
  const std::uint8_t* ct = nonce + kNonceSize;
  const std::size_t ct_len = record.size() - kOverhead;
  std::array<std::uint8_t, kTagSize> tag{};
  std::copy_n(ct + ct_len, kTagSize, tag.begin());

  SecretBuffer plain(ct_len);
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return fail(Errc::kCrypto, "EVP_CIPHER_CTX_new failed");
  int outl = 0;
  int finl = 0;
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) == 1 &&
      feed_aad(ctx.get(), record.first(kHeaderSize), aad) &&
      (ct_len == 0 ||
       EVP_DecryptUpdate(ctx.get(), plain.data(), &outl, ct, static_cast<int>(ct_len)) == 1) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                          tag.data()) == 1 &&
      // The tag is checked here; on mismatch the plaintext must not be used (wiped below).
      EVP_DecryptFinal_ex(ctx.get(), plain.data() + outl, &finl) == 1;
  if (!ok || static_cast<std::size_t>(outl + finl) != ct_len) {
    plain.wipe();
    return bad();
  }
  return plain;
}

std::string factor_aad(std::string_view app, std::string_view user, std::string_view factor_id) {
  std::string out;
  out.reserve(4 * 4 + 13 + app.size() + user.size() + factor_id.size());
  append_field(out, "factor-secret");
  append_field(out, app);
  append_field(out, user);
  append_field(out, factor_id);
  return out;
}

}  // namespace mfa
