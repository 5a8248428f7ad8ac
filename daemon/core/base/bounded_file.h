// The one way the daemon reads a file it is configured with (mfad.yaml, the policy, WebAuthn
// attestation roots, TLS certificates and keys, CA files, the SMTP password, the at-rest key):
// bounded, and checked on the open descriptor rather than on the path.
//
// - open first (O_RDONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK, O_NOFOLLOW when symbolic links are
//   refused), then fstat that descriptor: no stat-then-open race (CWE-367) can swap the file
//   between the check and the read. O_NONBLOCK keeps a FIFO put at the path from hanging the
//   start; the fstat then refuses it like any file that is not a regular file (a directory, a
//   device).
// - a size cap (a limits:: constant) checked on st_size, and again while reading: at most
//   cap + 1 bytes are ever read, so a file that grows after the fstat is refused as well and
//   a huge file is never loaded (CWE-400).
// - the secret variant reads into a SecretBuffer, which wipes itself, so no copy of a password
//   or private key stays behind in freed memory (no std::string, no stream buffers).
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "daemon/core/base/errc.h"
#include "daemon/core/base/result.h"
#include "daemon/core/base/secret.h"

namespace mfa {

struct FileReadRules {
  // A larger file is refused ("... is larger than N bytes").
  std::size_t max_bytes = 0;
  // Whether a symbolic link as the last path component is followed. Files an admin provides
  // (config, policy, certificates, the SMTP password) may be links (config management,
  // certbot's live/ directory); the at-rest key file, which mfad creates itself, may not.
  bool follow_symlinks = true;
  // Names the file in errors, e.g. "policy file", "delivery.smtp.password_file".
  std::string_view what = "file";
  // The error code of every failure (kConfigInvalid, kPolicyInvalid for the policy).
  Errc errc = Errc::kConfigInvalid;
  // Further checks on the descriptor's fstat (owner, mode), run after the regular-file check
  // and before the size check; its error is returned as it is.
  std::function<Status(const struct stat&)> check = nullptr;
};

// The whole content of the regular file at `path`, at most rules.max_bytes long. Errors name
// the path: "<path>: cannot open <what>: <reason>", "<path>: <what> is not a regular file",
// "<path>: <what> is larger than <max> bytes", "<path>: <what> is a symbolic link; refusing
// to follow it". An empty file is an empty result, not an error.
Result<std::string> read_bounded_file(const std::string& path, const FileReadRules& rules);

// Same, into a buffer that wipes itself; every intermediate buffer is wiped too, on success
// and on failure.
Result<SecretBuffer> read_bounded_secret_file(const std::string& path, const FileReadRules& rules);

}  // namespace mfa
