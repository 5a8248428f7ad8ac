// SQLite backend: factors and backup codes, including the two replay guards (TOTP last step,
// single-use backup codes), each one compare-and-set UPDATE so that two verifications racing
// on the same code — in this process or another one on the same file — cannot both succeed.
#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {
namespace {

#define MFA_FACTOR_COLS                                                                         \
  "id, app, user, type, label, status, secret_ct, params, last_step, sign_count, created_at_s," \
  " last_used_at_s"

// The UNIQUE factors.credential_id (schema v2) mirrors params.credential_id of passkeys and
// local security keys; a second factor with a registered id fails with kAlreadyExists.
#define MFA_CREDENTIAL_ID_OF(type, params)                             \
  "CASE WHEN " type " IN ('webauthn', 'fido2') AND json_valid(" params \
  ") THEN json_extract(" params ", '$.credential_id') END"

// A type or status outside store_enums.cc's tables is a damaged row, not a default.
Result<FactorRecord> read_factor(const Stmt& st) {
  FactorRecord f;
  f.id = st.col_text(0);
  f.app = st.col_text(1);
  f.user = st.col_text(2);
  auto type = core::parse_factor_type(st.col_text(3));
  if (!type) return fail(Errc::kInternal, "stored factor type unknown");
  f.type = *type;
  f.label = st.col_text(4);
  auto status = core::parse_factor_status(st.col_text(5));
  if (!status) return fail(Errc::kInternal, "stored factor status unknown");
  f.status = *status;
  f.secret_ct = st.col_blob(6);
  f.params = st.col_text(7);
  f.last_step = st.col_i64(8);
  f.sign_count = st.col_i64(9);
  f.created_at_s = st.col_i64(10);
  f.last_used_at_s = st.col_i64(11);
  return f;
}

}  // namespace

Status SqliteStore::insert_factor(const FactorRecord& f) {
  return run_write([&](Db& db) -> Status {
    MFA_TRY(ensure_user_row(db, f.app, f.user, f.created_at_s));
    auto st = db.prepare("INSERT INTO factors(" MFA_FACTOR_COLS
                         ", credential_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                         "?12, " MFA_CREDENTIAL_ID_OF("?4", "?8") ")");
    if (!st) return fail(st.error());
    return st->text(f.id)
        .text(f.app)
        .text(f.user)
        .text(core::to_string(f.type))
        .text(f.label)
        .text(core::to_string(f.status))
        .blob(f.secret_ct)
        .text(f.params)
        .i64(f.last_step)
        .i64(f.sign_count)
        .i64(f.created_at_s)
        .i64(f.last_used_at_s)
        .exec();
  });
}

Result<std::optional<FactorRecord>> SqliteStore::get_factor(const std::string& id) {
  std::optional<FactorRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare("SELECT " MFA_FACTOR_COLS " FROM factors WHERE id = ?");
    if (!st) return fail(st.error());
    auto row = st->text(id).step();
    if (!row) return fail(row.error());
    if (!*row) return {};
    auto f = read_factor(*st);
    if (!f) return fail(f.error());
    out = std::move(*f);
    return {};
  });
  if (!done) return fail(done.error());
  return out;
}

Result<std::vector<FactorRecord>> SqliteStore::list_factors(const std::string& app,
                                                            const std::string& user) {
  std::vector<FactorRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare("SELECT " MFA_FACTOR_COLS
                         " FROM factors WHERE app = ? AND user = ? ORDER BY created_at_s, id");
    if (!st) return fail(st.error());
    st->text(app).text(user);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      auto f = read_factor(*st);
      if (!f) return fail(f.error());
      out.push_back(std::move(*f));
    }
  });
  if (!done) return fail(done.error());
  return out;
}

Status SqliteStore::activate_factor(const std::string& id, std::int64_t step, std::int64_t now_s) {
  return run_write([&](Db& db) -> Status {
    // The step of the activating code is consumed: it can't be replayed for a login.
    // MAX(): activation never moves the replay guard backwards.
    auto st = db.prepare(
        "UPDATE factors SET status = 'active', last_step = MAX(last_step, ?),"
        " last_used_at_s = ? WHERE id = ?");
    if (!st) return fail(st.error());
    MFA_TRY(st->i64(step).i64(now_s).text(id).exec());
    return require_changed(*st, "factor");
  });
}

Status SqliteStore::update_factor_params(const std::string& id, const std::string& params) {
  return run_write([&](Db& db) -> Status {
    auto st = db.prepare("UPDATE factors SET params = ?1, credential_id = " MFA_CREDENTIAL_ID_OF(
        "type", "?1") " WHERE id = ?2");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(params).text(id).exec());
    return require_changed(*st, "factor");
  });
}

Result<bool> SqliteStore::cas_totp_step(Db& db, const std::string& id, std::int64_t step,
                                        std::int64_t now_s) {
  // RFC 6238 section 5.2: the verifier MUST NOT accept the second attempt of an OTP. One
  // conditional UPDATE is the compare-and-set: equal or older steps change no row.
  auto st = db.prepare(
      "UPDATE factors SET last_step = ?, last_used_at_s = ? WHERE id = ? AND last_step < ?");
  if (!st) return fail(st.error());
  MFA_TRY(st->i64(step).i64(now_s).text(id).i64(step).exec());
  if (st->changes() == 1) return true;
  // Rare path: tell "replayed" apart from "no such factor".
  auto chk = db.prepare("SELECT 1 FROM factors WHERE id = ?");
  if (!chk) return fail(chk.error());
  auto row = chk->text(id).step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::kNotFound, "factor not found");
  return false;
}

Status SqliteStore::set_sign_count(Db& db, const std::string& id, std::int64_t sign_count,
                                   std::int64_t now_s) {
  auto st = db.prepare("UPDATE factors SET sign_count = ?, last_used_at_s = ? WHERE id = ?");
  if (!st) return fail(st.error());
  MFA_TRY(st->i64(sign_count).i64(now_s).text(id).exec());
  return require_changed(*st, "factor");
}

Status SqliteStore::update_sign_count(const std::string& id, std::int64_t sign_count,
                                      std::int64_t now_s) {
  return run_write([&](Db& db) -> Status { return set_sign_count(db, id, sign_count, now_s); });
}

Status SqliteStore::touch_factor(const std::string& id, std::int64_t now_s) {
  return run_write([&](Db& db) -> Status {
    auto st = db.prepare("UPDATE factors SET last_used_at_s = ? WHERE id = ?");
    if (!st) return fail(st.error());
    MFA_TRY(st->i64(now_s).text(id).exec());
    return require_changed(*st, "factor");
  });
}

Status SqliteStore::delete_factor(const std::string& id) {
  return run_write([&](Db& db) -> Status {
    auto st = db.prepare("DELETE FROM factors WHERE id = ?");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(id).exec());
    return require_changed(*st, "factor");
  });
}

Result<std::size_t> SqliteStore::delete_all_factors(const std::string& app,
                                                    const std::string& user) {
  std::size_t n = 0;
  Status done = run_write([&](Db& db) -> Status {
    auto st = db.prepare("DELETE FROM factors WHERE app = ? AND user = ?");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(app).text(user).exec());
    n = static_cast<std::size_t>(st->changes());
    return {};
  });
  if (!done) return fail(done.error());
  return n;
}

// ---- backup codes ----

Status SqliteStore::replace_backup_codes(const std::string& app, const std::string& user,
                                         const std::vector<BackupCodeRecord>& codes) {
  return run_write([&](Db& db) -> Status {
    // One transaction: either the whole new set replaces the old one or nothing changes
    // (a crash mid-regeneration must not leave the user with half a sheet).
    MFA_TRY(ensure_user_row(db, app, user, 0));
    {
      auto del = db.prepare("DELETE FROM backup_codes WHERE app = ? AND user = ?");
      if (!del) return fail(del.error());
      MFA_TRY(del->text(app).text(user).exec());
    }
    for (const BackupCodeRecord& c : codes) {
      auto st = db.prepare(
          "INSERT INTO backup_codes(app, user, salt, hash, used_at_s) VALUES(?, ?, ?, ?, ?)");
      if (!st) return fail(st.error());
      MFA_TRY(st->text(app).text(user).blob(c.salt).blob(c.hash).opt_i64(c.used_at_s).exec());
    }
    return {};
  });
}

Result<std::vector<BackupCodeRecord>> SqliteStore::unused_backup_codes(const std::string& app,
                                                                       const std::string& user) {
  std::vector<BackupCodeRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare(
        "SELECT id, app, user, salt, hash, used_at_s FROM backup_codes"
        " WHERE app = ? AND user = ? AND used_at_s IS NULL ORDER BY id");
    if (!st) return fail(st.error());
    st->text(app).text(user);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      BackupCodeRecord c;
      c.id = st->col_i64(0);
      c.app = st->col_text(1);
      c.user = st->col_text(2);
      c.salt = st->col_blob(3);
      c.hash = st->col_blob(4);
      c.used_at_s = st->col_opt_i64(5);
      out.push_back(std::move(c));
    }
  });
  if (!done) return fail(done.error());
  return out;
}

Result<bool> SqliteStore::cas_backup_code(Db& db, std::int64_t id, std::int64_t now_s) {
  // Compare-and-set: of two parallel uses only one UPDATE finds used_at_s still NULL.
  auto st = db.prepare("UPDATE backup_codes SET used_at_s = ? WHERE id = ? AND used_at_s IS NULL");
  if (!st) return fail(st.error());
  MFA_TRY(st->i64(now_s).i64(id).exec());
  return st->changes() == 1;
}

#undef MFA_FACTOR_COLS

}  // namespace mfa::sqlite
