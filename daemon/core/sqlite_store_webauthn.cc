// SQLite backend: the two WebAuthn lookups. Credential ids live in the factor's params JSON
// (json1 is built into SQLite >= 3.38); schema version 2 derives factors.credential_id from it
// with a UNIQUE index, which this lookup uses.
#include "daemon/core/sqlite_store_impl.h"

namespace mfa::sqlite {

Result<std::optional<FactorRecord>> SqliteStore::find_webauthn_credential(
    const std::string& credential_id_b64url) {
  std::string id;
  Status done = run_read([&](Db& db) -> Status {
    auto st =
        db.prepare("SELECT id FROM factors WHERE credential_id = ? AND type = 'webauthn' LIMIT 1");
    if (!st) return fail(st.error());
    auto row = st->text(credential_id_b64url).step();
    if (!row) return fail(row.error());
    if (*row) id = st->col_text(0);
    return {};
  });
  if (!done) return fail(done.error());
  if (id.empty()) return std::optional<FactorRecord>();
  return get_factor(id);
}

Result<bool> SqliteStore::attach_webauthn_challenge(const std::string& id,
                                                    const std::string& challenge_b64url) {
  bool set = false;
  Status done = run_write([&](Db& db) -> Status {
    // Set once: a second options request must not replace a challenge a browser may be
    // signing right now.
    auto st = db.prepare(
        "UPDATE challenges SET data = json_set(CASE WHEN json_valid(data) THEN data ELSE '{}' "
        "END, '$.webauthn_challenge', ?) WHERE id = ? AND status = 'pending' AND "
        "(NOT json_valid(data) OR json_extract(data, '$.webauthn_challenge') IS NULL)");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(challenge_b64url).text(id).exec());
    set = st->changes() == 1;
    return {};
  });
  if (!done) return fail(done.error());
  return set;
}

}  // namespace mfa::sqlite
