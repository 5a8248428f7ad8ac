// Internals of the SQLite Store backend, shared by the sqlite_store_*.cc files only. Nothing
// outside daemon/core/sqlite_store*.cc includes this; callers use sqlite_store.h.
//
// Threading: mfad calls the store from several threads. One SqliteStore owns one write
// connection, used under `mu_` (run_write's leader, migrations), and for a file database a few
// read-only connections that run_read leases one at a time, so statements, statement caches and
// transactions are never shared between threads. In WAL mode the readers never wait for the
// writer's fsync, and a read that starts after a write returned sees it. Other processes (mfactl, a
// second mfad on the same file) are serialised by SQLite's own file locks with busy_timeout.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/base/result.h"
#include "daemon/core/store/store.h"

namespace mfa::sqlite {

// Maps an SQLite result code to an mfa::Error. Context names the operation and carries
// sqlite3_errmsg, which names tables/columns but never bound values.
Error db_error(sqlite3* db, int rc, std::string_view what);

// A borrowed, cached prepared statement. Parameters are bound in order (`?` placeholders) by
// the chained binders; the statement is reset and its bindings cleared when this goes out of
// scope, so a cached statement never holds a read lock or a stale secret-adjacent value.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) noexcept : db_(db), s_(s) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& text(std::string_view v);
  Stmt& i64(std::int64_t v);
  Stmt& opt_i64(const std::optional<std::int64_t>& v);
  Stmt& blob(std::span<const std::uint8_t> v);

  // One step: true when a row is available, false when the statement is done.
  Result<bool> step();
  // Runs a statement that returns no rows to completion.
  Status exec();
  // sqlite3_changes() after exec(): rows changed by this statement.
  std::int64_t changes() const noexcept;

  std::int64_t col_i64(int i) const noexcept;
  std::optional<std::int64_t> col_opt_i64(int i) const noexcept;
  std::string col_text(int i) const;
  std::vector<std::uint8_t> col_blob(int i) const;

 private:
  void note_bind(int rc) noexcept;

  sqlite3* db_;
  sqlite3_stmt* s_;
  int next_ = 1;
  int bind_rc_ = SQLITE_OK;
};

// The connection plus its statement cache. Not thread-safe by itself: SqliteStore holds the
// mutex around every use.
class Db {
 public:
  explicit Db(SqliteDbPtr db) : db_(std::move(db)) {}
  sqlite3* raw() const noexcept { return db_.get(); }
  // Returns the cached statement for `sql` (a string literal: the cache keys on its text).
  Result<Stmt> prepare(std::string_view sql);
  // Runs SQL without parameters (pragmas, BEGIN/COMMIT, migrations).
  Status exec_script(const char* sql, std::string_view what);

 private:
  SqliteDbPtr db_;
  std::unordered_map<std::string_view, SqliteStmtPtr> cache_;
};

// Runs the numbered migrations (sqlite_migrations.cc) inside one transaction.
Status migrate(Db& db);
// The highest schema version this build knows.
int latest_schema_version() noexcept;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteDbPtr db) : db_(std::move(db)) {}
  // Pragmas (WAL unless in memory, synchronous=FULL, foreign_keys, ...) then migrations.
  Status init(bool memory);
  // Adds a read-only connection to the same file for run_read (after init: the schema exists).
  // Without any, reads share the write connection (an in-memory database has no other).
  void add_reader(SqliteDbPtr db);

  Result<int> schema_version() override;

  Status ensure_app(const std::string& app, std::int64_t now_s) override;
  Result<std::vector<std::string>> list_apps() override;

  Status upsert_user(const UserRecord& u) override;
  Result<std::optional<UserRecord>> get_user(const std::string& app,
                                             const std::string& user) override;
  Result<std::vector<UserRecord>> list_users(const std::string& app, std::size_t limit,
                                             std::size_t offset) override;
  Status delete_user(const std::string& app, const std::string& user) override;
  Result<std::int64_t> set_grace_deadline_once(const std::string& app, const std::string& user,
                                               std::int64_t deadline_s,
                                               std::int64_t now_s) override;

  Status insert_factor(const FactorRecord& f) override;
  Result<std::optional<FactorRecord>> get_factor(const std::string& id) override;
  Result<std::vector<FactorRecord>> list_factors(const std::string& app,
                                                 const std::string& user) override;
  Status activate_factor(const std::string& id, std::int64_t step, std::int64_t now_s) override;
  Status update_factor_params(const std::string& id, const std::string& params) override;
  Status update_sign_count(const std::string& id, std::int64_t sign_count,
                           std::int64_t now_s) override;
  Status touch_factor(const std::string& id, std::int64_t now_s) override;
  Status delete_factor(const std::string& id) override;
  Result<std::size_t> delete_all_factors(const std::string& app, const std::string& user) override;

  Status replace_backup_codes(const std::string& app, const std::string& user,
                              const std::vector<BackupCodeRecord>& codes) override;
  Result<std::vector<BackupCodeRecord>> unused_backup_codes(const std::string& app,
                                                            const std::string& user) override;
  Result<VerificationOutcome> commit_verification(const VerificationCommit& c,
                                                  std::int64_t* audit_id) override;

  Status insert_challenge(const ChallengeRecord& c) override;
  Result<std::optional<ChallengeRecord>> get_challenge(const std::string& id) override;
  Result<std::vector<ChallengeRecord>> list_challenges(const ChallengeFilter& f) override;
  Result<bool> transition_challenge(const std::string& id, core::ChallengeStatus expected_status,
                                    core::ChallengeStatus new_status,
                                    const ChallengeEvent& ev) override;
  Status record_challenge_failure(const std::string& id, const ChallengeEvent& ev,
                                  bool close) override;
  Status update_challenge_code(const std::string& id, const std::vector<std::uint8_t>& code_hash,
                               std::int64_t expires_at_s, const ChallengeEvent& ev) override;
  Status set_challenge_delivery(const std::string& id, const std::string& factor_id,
                                const std::vector<std::uint8_t>& code_hash,
                                std::int64_t expires_at_s, const std::string& data,
                                const ChallengeEvent& ev) override;
  Status insert_passkey_login(const std::string& app, const std::string& id,
                              const std::string& challenge_b64url, std::int64_t created_at_s,
                              std::int64_t expires_at_s) override;
  Result<std::optional<std::string>> take_passkey_login(const std::string& app,
                                                        const std::string& id,
                                                        std::int64_t now_s) override;
  Result<bool> attach_webauthn_challenge(const std::string& id,
                                         const std::string& challenge_b64url) override;
  Result<std::optional<FactorRecord>> find_webauthn_credential(
      const std::string& credential_id_b64url) override;
  Result<std::size_t> count_pending_challenges(const std::string& app, const std::string& user,
                                               std::int64_t now_s) override;

  Result<std::int64_t> append_audit(const AuditEvent& e) override;
  Result<std::vector<AuditEvent>> query_audit(const AuditFilter& f) override;

  Result<LockoutState> get_lockout(const std::string& key) override;
  Result<LockoutState> record_failure(const std::string& key, std::int64_t now_s,
                                      std::int64_t window_s, std::int64_t max_failures,
                                      std::int64_t lock_s) override;
  Status clear_lockout(const std::string& key) override;
  Result<ReservedAttempt> reserve_attempt(const AttemptReservation& r) override;
  Status release_attempt(const AttemptRelease& r) override;

  Status remember_login(const std::string& app, const std::string& user, const std::string& rhost,
                        const std::string& service, std::int64_t until_s) override;
  Result<std::int64_t> remembered_until(const std::string& app, const std::string& user,
                                        const std::string& rhost,
                                        const std::string& service) override;
  Result<bool> rhost_seen(const std::string& app, const std::string& user,
                          const std::string& rhost) override;
  Status mark_rhost_seen(const std::string& app, const std::string& user, const std::string& rhost,
                         std::int64_t now_s) override;

  Status insert_api_key(const ApiKeyRecord& k) override;
  Result<std::optional<ApiKeyRecord>> get_api_key(const std::string& id) override;
  Result<std::vector<ApiKeyRecord>> list_api_keys(const std::string& app) override;
  Result<bool> revoke_api_key(const std::string& id, std::int64_t now_s) override;
  Status touch_api_key(const std::string& id, std::int64_t now_s) override;

 private:
  // What a write's COMMIT waits for. kFull: the WAL fsync (synchronous=FULL), survives power
  // loss. kProcessCrash: the WAL write only (synchronous=NORMAL), survives kill -9 and is
  // synced by the next kFull commit; for attempt reservations (store.h), which must not cost a
  // login a second fsync.
  enum class Durability { kFull, kProcessCrash };
  // Every write goes through run_write: the mutex, BEGIN IMMEDIATE (takes the write lock up
  // front, so the busy handler applies instead of a deadlock-avoidance SQLITE_BUSY), `fn`, then
  // COMMIT — which with synchronous=FULL returns only after the WAL is fsync'd. On any error
  // the transaction is rolled back and the error returned.
  //
  // Group commit: concurrent run_write calls share one transaction and one fsync. Each fn
  // runs under its own SAVEPOINT (a failing fn rolls back alone); the caller that finds no
  // batch in progress leads: it runs the queued fns, COMMITs once, then wakes the others (see
  // sqlite_store.cc). Callers and the Store interface do not change: a method still returns
  // only after the commit that contains its write.
  Status run_write(const std::function<Status(Db&)>& fn, Durability durability = Durability::kFull);
  // One queued write of the group commit: the caller's fn, its result, and whether the batch
  // that ran it has finished (committed or failed).
  struct PendingWrite {
    const std::function<Status(Db&)>* fn;
    Durability durability;
    Status result;
    bool done;
    std::condition_variable cv;  // this writer's wake-up (under queue_mu_)
  };
  // Runs `batch` as one transaction (the leader, under mu_); sets every result. The batch
  // commits with synchronous=FULL when any of its writes asks for kFull.
  void commit_batch(const std::vector<PendingWrite*>& batch);
  // Reads run in a deferred transaction so multi-statement reads (a challenge and its events)
  // see one snapshot.
  Status run_read(const std::function<Status(Db&)>& fn);

  // Creates the app / user rows when missing (insert helpers' upsert semantics; store.h).
  static Status ensure_app_row(Db& db, const std::string& app, std::int64_t now_s);
  static Status ensure_user_row(Db& db, const std::string& app, const std::string& user,
                                std::int64_t now_s);
  static Status add_challenge_event(Db& db, const std::string& id, const ChallengeEvent& ev);
  // The single statements behind the public methods, for use inside one transaction
  // (commit_verification runs several of them under one run_write).
  static Result<bool> cas_totp_step(Db& db, const std::string& id, std::int64_t step,
                                    std::int64_t now_s);
  static Result<bool> cas_backup_code(Db& db, std::int64_t id, std::int64_t now_s);
  static Result<bool> cas_challenge_status(Db& db, const std::string& id,
                                           core::ChallengeStatus expected_status,
                                           core::ChallengeStatus new_status,
                                           const ChallengeEvent& ev);
  static Result<std::int64_t> insert_audit(Db& db, const AuditEvent& e);
  static Status delete_lockout(Db& db, const std::string& key);
  static Status apply_release(Db& db, const AttemptRelease& r);
  static Status set_sign_count(Db& db, const std::string& id, std::int64_t sign_count,
                               std::int64_t now_s);
  static Status upsert_remembered(Db& db, const std::string& app, const std::string& user,
                                  const std::string& rhost, const std::string& service,
                                  std::int64_t until_s);
  static Status upsert_seen_rhost(Db& db, const std::string& app, const std::string& user,
                                  const std::string& rhost, std::int64_t now_s);
  // kNotFound when an UPDATE/DELETE by id touched no row.
  static Status require_changed(const Stmt& st, std::string_view what);

  // Leases a reader connection (waits while all are busy); nullptr when there are none.
  Db* acquire_reader();
  void release_reader(Db* db);

  std::mutex mu_;
  Db db_;
  bool sync_full_ = true;  // the write connection's synchronous setting (under mu_)
  // Read connections: all of them, and the ones not leased right now.
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Db>> readers_;
  std::vector<Db*> free_readers_;
  // Group commit queue (run_write): writers waiting for the next batch, and whether a leader
  // is running one. Lock order: queue_mu_ is never held while taking mu_.
  std::mutex queue_mu_;
  std::vector<PendingWrite*> queue_;
  bool batch_active_ = false;
};

}  // namespace mfa::sqlite
