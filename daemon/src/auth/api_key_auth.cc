#include "daemon/src/auth/api_key_auth.h"

#include <openssl/evp.h>

#include <array>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/crypto/random.h"

namespace mfa::daemon {
namespace {

constexpr std::string_view kPrefix = "mfa_";
constexpr std::size_t kMaxKeyLen = 256;

Result<std::vector<std::uint8_t>> sha256(std::string_view s) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(s.data(), s.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    return fail(Errc::kCrypto, "sha256 failed");
  }
  return std::vector<std::uint8_t>(md.begin(), md.begin() + len);
}

// `credentials = auth-scheme [ 1*SP token68 ]` (RFC 9110 section 11.4); the scheme is a
// case-insensitive token (section 11.1), so "bearer" and "BEARER" are Bearer (RFC 6750 2.1).
bool bearer_token(std::string_view value, std::string_view& token) {
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = value[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) return false;
  }
  std::string_view rest = value.substr(kScheme.size());
  if (rest.front() != ' ') return false;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return false;
  token = rest;
  return true;
}

Unexpected unauthenticated() {
  return fail(Errc::kUnauthenticated, "invalid API key");
}

}  // namespace

bool split_api_key(std::string_view key, std::string& ret_id, std::string& ret_secret) {
  if (key.size() > kMaxKeyLen || key.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view rest = key.substr(kPrefix.size());
  const std::size_t cut = rest.rfind('_');
  if (cut == std::string_view::npos || cut == 0 || cut + 1 >= rest.size()) return false;
  ret_id = std::string(rest.substr(0, cut));
  ret_secret = std::string(rest.substr(cut + 1));
  return true;
}

Result<MintedApiKey> mint_api_key(Random& random, const std::string& app, const std::string& name,
                                  const std::vector<std::string>& scopes, std::int64_t now_s) {
  auto id = random.id("k_");
  if (!id) return fail(id.error());
  // 256 bits of secret, encoded like ids (base32, no '_'), so a key is one opaque token.
  auto secret = random.id("");
  auto secret2 = random.id("");
  if (!secret || !secret2) return fail(Errc::kCrypto, "random failed");
  std::string secret_text = *secret + *secret2;
  auto hash = sha256(secret_text);
  if (!hash) return fail(hash.error());
  MintedApiKey out;
  out.record.id = *id;
  out.record.app = app;
  out.record.name = name;
  out.record.hash = std::move(*hash);
  out.record.scopes = scopes;
  out.record.created_at_s = now_s;
  out.full_key = std::string(kPrefix) + *id + "_" + secret_text;
  secure_wipe(secret_text);
  return out;
}

Result<Caller> authenticate_bearer(Store& store, const Clock& clock,
                                   std::string_view authorization) {
  std::string_view token;
  if (!bearer_token(authorization, token)) return unauthenticated();
  std::string id, secret;
  if (!split_api_key(token, id, secret)) return unauthenticated();
  auto hash = sha256(secret);
  secure_wipe(secret);
  if (!hash) return fail(hash.error());
  auto rec = store.get_api_key(id);
  if (!rec) return fail(rec.error());
  if (!*rec) return unauthenticated();
  const ApiKeyRecord& k = **rec;
  if (!ct_equal(std::span<const std::uint8_t>(k.hash), std::span<const std::uint8_t>(*hash)) ||
      k.revoked_at_s.has_value()) {
    return unauthenticated();
  }
  // "Last used" is shown to a minute: touching it on every request cost one durable commit
  // per API call (half of a verification's fsyncs, bench/RESULTS.md).
  const std::int64_t now = clock.now_s();
  if (now - k.last_used_at_s >= limits::kApiKeyTouchIntervalS) {
    (void)store.touch_api_key(k.id, now);
  }
  Caller c;
  c.kind = Caller::Kind::kApiKey;
  c.key_id = k.id;
  c.app = k.app;
  c.scopes.insert(k.scopes.begin(), k.scopes.end());
  return c;
}

}  // namespace mfa::daemon
