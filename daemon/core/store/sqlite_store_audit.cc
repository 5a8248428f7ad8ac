// SQLite backend: the audit trail and lockout counters.
#include <algorithm>

#include "daemon/core/base/limits.h"
#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {
namespace {

// Empty filter fields mean "any". Two statements rather than a computed ORDER BY so that both
// directions can walk the primary key.
#define MFA_AUDIT_QUERY(ORDER)                                                          \
  "SELECT id, at_ms, app, user, event, actor, remote_addr, detail, client_addr"         \
  " FROM audit_events"                                                                  \
  " WHERE (?1 = '' OR app = ?1) AND (?2 = '' OR user = ?2) AND (?3 = '' OR event = ?3)" \
  " AND id > ?4 AND (?7 = 0 OR id < ?7) AND at_ms >= ?5 ORDER BY id " ORDER " LIMIT ?6"

}  // namespace

Result<std::int64_t> SqliteStore::insert_audit(Db& db, const AuditEvent& e) {
  auto st = db.prepare(
      "INSERT INTO audit_events(at_ms, app, user, event, actor, remote_addr, detail,"
      " client_addr) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return fail(st.error());
  MFA_TRY(st->i64(e.at_ms)
              .text(e.app)
              .text(e.user)
              .text(e.event)
              .text(e.actor)
              .text(e.remote_addr)
              .text(e.detail)
              .text(e.client_addr)
              .exec());
  // AUTOINCREMENT: ids only grow, even after deletions, so `--follow` (after_id) never
  // skips or repeats an event.
  return sqlite3_last_insert_rowid(db.raw());
}

Result<std::int64_t> SqliteStore::append_audit(const AuditEvent& e) {
  std::int64_t id = 0;
  Status done = run_write([&](Db& db) -> Status {
    auto r = insert_audit(db, e);
    if (!r) return fail(r.error());
    id = *r;
    return {};
  });
  if (!done) return fail(done.error());
  return id;
}

Result<std::vector<AuditEvent>> SqliteStore::query_audit(const AuditFilter& f) {
  std::vector<AuditEvent> out;
  Status done = run_read([&](Db& db) -> Status {
    auto st =
        f.newest_first ? db.prepare(MFA_AUDIT_QUERY("DESC")) : db.prepare(MFA_AUDIT_QUERY("ASC"));
    if (!st) return fail(st.error());
    const auto limit = static_cast<std::int64_t>(std::min(f.limit, limits::kMaxAuditPage));
    st->text(f.app)
        .text(f.user)
        .text(f.event)
        .i64(f.after_id)
        .i64(f.since_ms)
        .i64(limit)
        .i64(f.before_id);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      AuditEvent e;
      e.id = st->col_i64(0);
      e.at_ms = st->col_i64(1);
      e.app = st->col_text(2);
      e.user = st->col_text(3);
      e.event = st->col_text(4);
      e.actor = st->col_text(5);
      e.remote_addr = st->col_text(6);
      e.detail = st->col_text(7);
      e.client_addr = st->col_text(8);
      out.push_back(std::move(e));
    }
  });
  if (!done) return fail(done.error());
  return out;
}

// ---- lockouts ----

namespace {

Result<LockoutState> read_lockout(Db& db, const std::string& key) {
  auto st =
      db.prepare("SELECT failures, window_start_s, locked_until_s FROM lockouts WHERE key = ?");
  if (!st) return fail(st.error());
  auto row = st->text(key).step();
  if (!row) return fail(row.error());
  LockoutState s;
  s.key = key;
  if (*row) {
    s.failures = st->col_i64(0);
    s.window_start_s = st->col_i64(1);
    s.locked_until_s = st->col_i64(2);
  }
  return s;
}

}  // namespace

Result<LockoutState> SqliteStore::get_lockout(const std::string& key) {
  LockoutState out;
  Status done = run_read([&](Db& db) -> Status {
    auto r = read_lockout(db, key);
    if (!r) return fail(r.error());
    out = std::move(*r);
    return {};
  });
  if (!done) return fail(done.error());
  return out;
}

Result<LockoutState> SqliteStore::record_failure(const std::string& key, std::int64_t now_s,
                                                 std::int64_t window_s, std::int64_t max_failures,
                                                 std::int64_t lock_s) {
  LockoutState out;
  // Read-modify-write inside one BEGIN IMMEDIATE transaction: the write lock is held from the
  // read on, so failures counted by two processes on one file are never lost (RFC 4226 7.3:
  // the throttle must hold across sessions, hence in the store).
  Status done = run_write([&](Db& db) -> Status {
    auto cur = read_lockout(db, key);
    if (!cur) return fail(cur.error());
    LockoutState s = std::move(*cur);
    if (s.failures == 0 || now_s - s.window_start_s >= window_s) {
      s.failures = 0;
      s.window_start_s = now_s;
    }
    s.failures += 1;
    if (max_failures > 0 && s.failures >= max_failures) s.locked_until_s = now_s + lock_s;
    auto st = db.prepare(
        "INSERT INTO lockouts(key, failures, window_start_s, locked_until_s) VALUES(?, ?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET failures = excluded.failures,"
        " window_start_s = excluded.window_start_s, locked_until_s = excluded.locked_until_s");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(key).i64(s.failures).i64(s.window_start_s).i64(s.locked_until_s).exec());
    out = std::move(s);
    return {};
  });
  if (!done) return fail(done.error());
  return out;
}

Status SqliteStore::delete_lockout(Db& db, const std::string& key) {
  auto st = db.prepare("DELETE FROM lockouts WHERE key = ?");
  if (!st) return fail(st.error());
  return st->text(key).exec();
}

Status SqliteStore::clear_lockout(const std::string& key) {
  return run_write([&](Db& db) -> Status { return delete_lockout(db, key); });
}

#undef MFA_AUDIT_QUERY

}  // namespace mfa::sqlite
