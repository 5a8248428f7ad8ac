#include "daemon/core/otp/backup_codes.h"

#include <openssl/evp.h>

#include <climits>
#include <set>

#include "daemon/core/base/secret.h"

namespace mfa::core {

std::vector<std::uint8_t> hash_backup_code(std::string_view code,
                                           const std::vector<std::uint8_t>& salt) {
  std::vector<std::uint8_t> out(kBackupCodeHashBytes);
  if (code.size() > static_cast<std::size_t>(INT_MAX) ||
      salt.size() > static_cast<std::size_t>(INT_MAX) ||
      PKCS5_PBKDF2_HMAC(code.data(), static_cast<int>(code.size()), salt.data(),
                        static_cast<int>(salt.size()), kBackupCodeIterations, EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    return {};
  }
  return out;
}

mfa::Result<GeneratedBackupCodes> generate_backup_codes(mfa::Random& rng, const std::string& app,
                                                        const std::string& user, std::size_t count,
                                                        std::size_t digits) {
  if (count < 1 || count > kMaxBackupCodes) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "backup code count out of range");
  }
  if (digits < kMinBackupCodeDigits || digits > kMaxBackupCodeDigits) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "backup code length out of range");
  }
  GeneratedBackupCodes out;
  out.codes.reserve(count);
  out.records.reserve(count);
  std::set<std::string> seen;
  // Duplicates are astronomically rare at 8 digits but would make a code usable twice;
  // the attempt bound guards against a broken (constant) injected generator.
  for (std::size_t attempts = 0; out.codes.size() < count; ++attempts) {
    if (attempts > count * 10) {
      return mfa::fail(mfa::Errc::kCrypto, "random generator keeps repeating codes");
    }
    auto code = rng.digits(digits);
    if (!code) return mfa::fail(code.error());
    if (!seen.insert(*code).second) continue;
    mfa::BackupCodeRecord rec;
    rec.app = app;
    rec.user = user;
    rec.salt.resize(kBackupCodeSaltBytes);
    MFA_TRY(rng.fill(rec.salt));
    rec.hash = hash_backup_code(*code, rec.salt);
    if (rec.hash.empty()) return mfa::fail(mfa::Errc::kCrypto, "PBKDF2 failed");
    out.records.push_back(std::move(rec));
    out.codes.push_back(std::move(*code));
  }
  for (auto it = seen.begin(); it != seen.end();) {
    std::string s = std::move(seen.extract(it++).value());
    mfa::secure_wipe(s);
  }
  return out;
}

std::string normalize_backup_code(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9' || out.size() >= kMaxBackupCodeDigits) {
      mfa::secure_wipe(out);
      return {};
    }
    out.push_back(c);
  }
  return out;
}

std::optional<std::int64_t> match_backup_code(std::string_view typed,
                                              const std::vector<mfa::BackupCodeRecord>& unused) {
  std::string code = normalize_backup_code(typed);
  if (code.empty()) return std::nullopt;
  std::optional<std::int64_t> found;
  for (const mfa::BackupCodeRecord& rec : unused) {
    const std::vector<std::uint8_t> digest = hash_backup_code(code, rec.salt);
    // Every record is hashed and compared (security.md 5.4): the time does not depend on
    // which code matched. The branch below only picks the first match, after the work.
    const bool eq = !digest.empty() && mfa::ct_equal(digest, rec.hash);
    if (eq && !found) found = rec.id;
  }
  mfa::secure_wipe(code);
  return found;
}

std::string format_backup_code(std::string_view code) {
  std::string out;
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(code[i]);
  }
  return out;
}

}  // namespace mfa::core
