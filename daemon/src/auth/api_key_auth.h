// API keys for TCP callers: format `mfa_<id>_<secret>`. The id ("k_...") is public and
// stored; only the SHA-256 of the secret part is stored, and it is compared in constant time
// (security.md section 5.4). The full key is shown once, at creation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/store/store.h"
#include "daemon/src/api/api_types.h"

namespace mfa {
class Clock;
class Random;
}  // namespace mfa

namespace mfa::daemon {

struct MintedApiKey {
  ApiKeyRecord record;
  std::string full_key;  // returned to the caller once; never logged
};

Result<MintedApiKey> mint_api_key(Random& random, const std::string& app, const std::string& name,
                                  const std::vector<std::string>& scopes, std::int64_t now_s);

// Verifies an `Authorization` header value ("Bearer mfa_..."). kUnauthenticated for a
// missing, malformed, unknown, wrong or revoked key; kStorage when the store fails.
Result<Caller> authenticate_bearer(Store& store, const Clock& clock,
                                   std::string_view authorization);

// Splits "mfa_<id>_<secret>"; false when malformed.
bool split_api_key(std::string_view key, std::string& ret_id, std::string& ret_secret);

}  // namespace mfa::daemon
