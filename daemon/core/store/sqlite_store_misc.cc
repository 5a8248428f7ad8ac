// SQLite backend: remembered logins, seen remote addresses and API keys.
#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {

// ---- remember window / seen addresses ----

Status SqliteStore::remember_login(const std::string& app, const std::string& user,
                                   const std::string& rhost, const std::string& service,
                                   std::int64_t until_s) {
  return run_write(
      [&](Db& db) -> Status { return upsert_remembered(db, app, user, rhost, service, until_s); });
}

Status SqliteStore::upsert_remembered(Db& db, const std::string& app, const std::string& user,
                                      const std::string& rhost, const std::string& service,
                                      std::int64_t until_s) {
  MFA_TRY(ensure_user_row(db, app, user, 0));
  auto st = db.prepare(
      "INSERT INTO remembered_logins(app, user, rhost, service, until_s) VALUES(?, ?, ?, ?, ?)"
      " ON CONFLICT(app, user, rhost, service) DO UPDATE SET until_s = excluded.until_s");
  if (!st) return fail(st.error());
  return st->text(app).text(user).text(rhost).text(service).i64(until_s).exec();
}

Result<std::int64_t> SqliteStore::remembered_until(const std::string& app, const std::string& user,
                                                   const std::string& rhost,
                                                   const std::string& service) {
  std::int64_t until = 0;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare(
        "SELECT until_s FROM remembered_logins WHERE app = ? AND user = ? AND rhost = ?"
        " AND service = ?");
    if (!st) return fail(st.error());
    auto row = st->text(app).text(user).text(rhost).text(service).step();
    if (!row) return fail(row.error());
    if (*row) until = st->col_i64(0);
    return {};
  });
  if (!done) return fail(done.error());
  return until;
}

Result<bool> SqliteStore::rhost_seen(const std::string& app, const std::string& user,
                                     const std::string& rhost) {
  bool seen = false;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare("SELECT 1 FROM seen_rhosts WHERE app = ? AND user = ? AND rhost = ?");
    if (!st) return fail(st.error());
    auto row = st->text(app).text(user).text(rhost).step();
    if (!row) return fail(row.error());
    seen = *row;
    return {};
  });
  if (!done) return fail(done.error());
  return seen;
}

Status SqliteStore::mark_rhost_seen(const std::string& app, const std::string& user,
                                    const std::string& rhost, std::int64_t now_s) {
  return run_write(
      [&](Db& db) -> Status { return upsert_seen_rhost(db, app, user, rhost, now_s); });
}

Status SqliteStore::upsert_seen_rhost(Db& db, const std::string& app, const std::string& user,
                                      const std::string& rhost, std::int64_t now_s) {
  MFA_TRY(ensure_user_row(db, app, user, now_s));
  auto st = db.prepare(
      "INSERT INTO seen_rhosts(app, user, rhost, first_seen_s, last_seen_s)"
      " VALUES(?1, ?2, ?3, ?4, ?4)"
      " ON CONFLICT(app, user, rhost) DO UPDATE SET last_seen_s = excluded.last_seen_s");
  if (!st) return fail(st.error());
  return st->text(app).text(user).text(rhost).i64(now_s).exec();
}

// ---- API keys ----

namespace {

// Scopes are a fixed vocabulary (verify | enroll | admin), stored space-separated.
Result<std::string> join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& s : scopes) {
    if (s.empty() || s.find_first_of(" \t\r\n") != std::string::npos) {
      return fail(Errc::kInvalidArgument, "invalid api key scope");
    }
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

std::vector<std::string> split_scopes(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find(' ', pos);
    if (end == std::string::npos) end = s.size();
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

#define MFA_API_KEY_COLS "id, app, name, hash, scopes, created_at_s, revoked_at_s, last_used_at_s"

ApiKeyRecord read_api_key(const Stmt& st) {
  ApiKeyRecord k;
  k.id = st.col_text(0);
  k.app = st.col_text(1);
  k.name = st.col_text(2);
  k.hash = st.col_blob(3);
  k.scopes = split_scopes(st.col_text(4));
  k.created_at_s = st.col_i64(5);
  k.revoked_at_s = st.col_opt_i64(6);
  k.last_used_at_s = st.col_i64(7);
  return k;
}

}  // namespace

Status SqliteStore::insert_api_key(const ApiKeyRecord& k) {
  auto scopes = join_scopes(k.scopes);
  if (!scopes) return fail(scopes.error());
  return run_write([&](Db& db) -> Status {
    MFA_TRY(ensure_app_row(db, k.app, k.created_at_s));
    auto st =
        db.prepare("INSERT INTO api_keys(" MFA_API_KEY_COLS ") VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return fail(st.error());
    return st->text(k.id)
        .text(k.app)
        .text(k.name)
        .blob(k.hash)
        .text(*scopes)
        .i64(k.created_at_s)
        .opt_i64(k.revoked_at_s)
        .i64(k.last_used_at_s)
        .exec();
  });
}

Result<std::optional<ApiKeyRecord>> SqliteStore::get_api_key(const std::string& id) {
  std::optional<ApiKeyRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare("SELECT " MFA_API_KEY_COLS " FROM api_keys WHERE id = ?");
    if (!st) return fail(st.error());
    auto row = st->text(id).step();
    if (!row) return fail(row.error());
    if (*row) out = read_api_key(*st);
    return {};
  });
  if (!done) return fail(done.error());
  return out;
}

Result<std::vector<ApiKeyRecord>> SqliteStore::list_api_keys(const std::string& app) {
  std::vector<ApiKeyRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare("SELECT " MFA_API_KEY_COLS
                         " FROM api_keys WHERE app = ? ORDER BY created_at_s, id");
    if (!st) return fail(st.error());
    st->text(app);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      out.push_back(read_api_key(*st));
    }
  });
  if (!done) return fail(done.error());
  return out;
}

Result<bool> SqliteStore::revoke_api_key(const std::string& id, std::int64_t now_s) {
  bool revoked = false;
  Status done = run_write([&](Db& db) -> Status {
    // Compare-and-set: the first revocation time is kept; a second revoke reports false.
    auto st =
        db.prepare("UPDATE api_keys SET revoked_at_s = ? WHERE id = ? AND revoked_at_s IS NULL");
    if (!st) return fail(st.error());
    MFA_TRY(st->i64(now_s).text(id).exec());
    revoked = st->changes() == 1;
    return {};
  });
  if (!done) return fail(done.error());
  return revoked;
}

Status SqliteStore::touch_api_key(const std::string& id, std::int64_t now_s) {
  return run_write([&](Db& db) -> Status {
    auto st = db.prepare("UPDATE api_keys SET last_used_at_s = ? WHERE id = ?");
    if (!st) return fail(st.error());
    MFA_TRY(st->i64(now_s).text(id).exec());
    return require_changed(*st, "api key");
  });
}

#undef MFA_API_KEY_COLS

}  // namespace mfa::sqlite
