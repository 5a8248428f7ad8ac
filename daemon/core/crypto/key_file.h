// The at-rest encryption key file (aead.h): 32 raw bytes, mode 0400, owned by mfad's user,
// kept outside the database directory so a copy of the DB alone does not reveal TOTP seeds
// (RFC 4226 7.5, NIST SP 800-63B 5.1.4.2 "strongly protected against compromise").
#pragma once

#include <string>

#include "daemon/core/base/result.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/crypto/random.h"

namespace mfa {

inline constexpr std::size_t kKeyFileSize = 32;

// Returns the key stored at `path`, creating the file first if it does not exist.
// Creation: O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0400, 32 bytes from `rng`, then fsync of
// the file and of its directory (the key must not vanish after a crash once data was sealed
// under it). An existing file is opened with O_NOFOLLOW and checked on the open descriptor
// (no check-then-open race): a regular file, owned by the effective uid, no group/other
// permission bits, exactly 32 bytes. Any violation is kConfigInvalid naming the path and what
// is wrong (e.g. "key file /x/secret.key has mode 0644; it must be 0400 or 0600").
Result<SecretBuffer> load_or_create_key_file(const std::string& path, Random& rng);
// Same, with OpenSSL's CSPRNG (OsRandom).
Result<SecretBuffer> load_or_create_key_file(const std::string& path);

}  // namespace mfa
