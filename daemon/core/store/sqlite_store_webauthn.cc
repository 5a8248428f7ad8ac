// SQLite backend: the two WebAuthn lookups. Credential ids live in the factor's params JSON
// (json1 is built into SQLite >= 3.38); schema version 2 derives factors.credential_id from it
// with a UNIQUE index, which this lookup uses.
#include "daemon/core/store/sqlite_store_impl.h"

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

Status SqliteStore::insert_passkey_login(const std::string& app, const std::string& id,
                                         const std::string& challenge_b64url,
                                         std::int64_t created_at_s, std::int64_t expires_at_s) {
  return run_write([&](Db& db) -> Status {
    // Expired rows are dropped here, so the table stays as small as the live ceremonies.
    auto gc = db.prepare("DELETE FROM passkey_logins WHERE expires_at_s < ?");
    if (!gc) return fail(gc.error());
    MFA_TRY(gc->i64(created_at_s - 3600).exec());
    auto st = db.prepare(
        "INSERT INTO passkey_logins(id, app, challenge, created_at_s, expires_at_s) "
        "VALUES(?, ?, ?, ?, ?)");
    if (!st) return fail(st.error());
    return st->text(id).text(app).text(challenge_b64url).i64(created_at_s).i64(expires_at_s).exec();
  });
}

Result<std::optional<std::string>> SqliteStore::take_passkey_login(const std::string& app,
                                                                   const std::string& id,
                                                                   std::int64_t now_s) {
  std::optional<std::string> out;
  Status done = run_write([&](Db& db) -> Status {
    auto st = db.prepare(
        "UPDATE passkey_logins SET status = 'used' WHERE id = ? AND app = ? AND "
        "status = 'pending' AND expires_at_s > ? RETURNING challenge");
    if (!st) return fail(st.error());
    auto row = st->text(id).text(app).i64(now_s).step();
    if (!row) return fail(row.error());
    if (*row) out = st->col_text(0);
    return {};
  });
  if (!done) return fail(done.error());
  return out;
}

}  // namespace mfa::sqlite
