// SQLite backend: apps and users.
#include <algorithm>
#include <cstdint>

#include "daemon/core/base/limits.h"
#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {
namespace {

UserRecord read_user(const Stmt& st) {
  UserRecord u;
  u.app = st.col_text(0);
  u.user = st.col_text(1);
  u.email = st.col_text(2);
  u.phone = st.col_text(3);
  u.display_name = st.col_text(4);
  u.status = st.col_text(5);
  u.grace_deadline_s = st.col_opt_i64(6);
  u.created_at_s = st.col_i64(7);
  return u;
}

std::int64_t clamp_page(std::size_t n) {
  return static_cast<std::int64_t>(std::min(n, limits::kMaxListPage));
}

}  // namespace

Status SqliteStore::ensure_app(const std::string& app, std::int64_t now_s) {
  return run_write([&](Db& db) { return ensure_app_row(db, app, now_s); });
}

Result<std::vector<std::string>> SqliteStore::list_apps() {
  std::vector<std::string> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare("SELECT name FROM apps ORDER BY name");
    if (!st) return fail(st.error());
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      out.push_back(st->col_text(0));
    }
  });
  if (!done) return fail(done.error());
  return out;
}

Status SqliteStore::upsert_user(const UserRecord& u) {
  return run_write([&](Db& db) -> Status {
    MFA_TRY(ensure_app_row(db, u.app, u.created_at_s));
    // created_at_s is kept from the first insert; a NULL grace deadline never clears a stored
    // one (only set_grace_deadline_once and delete_user touch it), see store.h.
    auto st = db.prepare(
        "INSERT INTO users(app, user, email, phone, display_name, status, grace_deadline_s,"
        " created_at_s) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(app, user) DO UPDATE SET email = excluded.email,"
        " phone = excluded.phone, display_name = excluded.display_name,"
        " status = excluded.status,"
        " grace_deadline_s = COALESCE(excluded.grace_deadline_s, users.grace_deadline_s)");
    if (!st) return fail(st.error());
    return st->text(u.app)
        .text(u.user)
        .text(u.email)
        .text(u.phone)
        .text(u.display_name)
        .text(u.status)
        .opt_i64(u.grace_deadline_s)
        .i64(u.created_at_s)
        .exec();
  });
}

Result<std::optional<UserRecord>> SqliteStore::get_user(const std::string& app,
                                                        const std::string& user) {
  std::optional<UserRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare(
        "SELECT app, user, email, phone, display_name, status, grace_deadline_s, created_at_s"
        " FROM users WHERE app = ? AND user = ?");
    if (!st) return fail(st.error());
    st->text(app).text(user);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (*row) out = read_user(*st);
    return {};
  });
  if (!done) return fail(done.error());
  return out;
}

Result<std::vector<UserRecord>> SqliteStore::list_users(const std::string& app, std::size_t limit,
                                                        std::size_t offset) {
  std::vector<UserRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare(
        "SELECT app, user, email, phone, display_name, status, grace_deadline_s, created_at_s"
        " FROM users WHERE app = ? ORDER BY user LIMIT ? OFFSET ?");
    if (!st) return fail(st.error());
    st->text(app)
        .i64(clamp_page(limit))
        .i64(static_cast<std::int64_t>(
            std::min<std::size_t>(offset, static_cast<std::size_t>(INT64_MAX))));
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      out.push_back(read_user(*st));
    }
  });
  if (!done) return fail(done.error());
  return out;
}

Status SqliteStore::delete_user(const std::string& app, const std::string& user) {
  return run_write([&](Db& db) -> Status {
    // ON DELETE CASCADE removes factors, backup codes, challenges (and their events),
    // remembered logins and seen addresses in the same transaction.
    auto st = db.prepare("DELETE FROM users WHERE app = ? AND user = ?");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(app).text(user).exec());
    return require_changed(*st, "user");
  });
}

Result<std::int64_t> SqliteStore::set_grace_deadline_once(const std::string& app,
                                                          const std::string& user,
                                                          std::int64_t deadline_s,
                                                          std::int64_t now_s) {
  std::int64_t stored = deadline_s;
  Status done = run_write([&](Db& db) -> Status {
    MFA_TRY(ensure_user_row(db, app, user, now_s));
    {
      auto st = db.prepare(
          "UPDATE users SET grace_deadline_s = ? WHERE app = ? AND user = ?"
          " AND grace_deadline_s IS NULL");
      if (!st) return fail(st.error());
      MFA_TRY(st->i64(deadline_s).text(app).text(user).exec());
    }
    auto st = db.prepare("SELECT grace_deadline_s FROM users WHERE app = ? AND user = ?");
    if (!st) return fail(st.error());
    auto row = st->text(app).text(user).step();
    if (!row) return fail(row.error());
    if (*row) stored = st->col_i64(0);
    return {};
  });
  if (!done) return fail(done.error());
  return stored;
}

}  // namespace mfa::sqlite
