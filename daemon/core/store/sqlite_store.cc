// SQLite backend: opening, pragmas, the statement cache and the read/write transaction paths.
// The per-table methods live in sqlite_store_{users,factors,challenges,audit,misc}.cc.
#include "daemon/core/store/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "daemon/core/base/limits.h"
#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {

Error db_error(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  std::string ctx(what);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return make_error(Errc::kBusy, ctx + ": database is busy");
  }
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return make_error(Errc::kAlreadyExists, ctx + ": " + msg);
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return make_error(Errc::kNotFound, ctx + ": referenced row does not exist");
  }
  return make_error(Errc::kStorage, ctx + ": " + msg);
}

// ---- Stmt ----

Stmt::~Stmt() {
  if (s_ != nullptr) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
}

Stmt::Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_), next_(o.next_), bind_rc_(o.bind_rc_) {
  o.s_ = nullptr;
}

void Stmt::note_bind(int rc) noexcept {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  ++next_;
}

Stmt& Stmt::text(std::string_view v) {
  // SQLITE_TRANSIENT: SQLite copies, so the caller's string may die before step().
  if (v.size() > static_cast<std::size_t>(INT_MAX)) {
    note_bind(SQLITE_TOOBIG);
  } else {
    note_bind(sqlite3_bind_text(s_, next_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  return *this;
}

Stmt& Stmt::i64(std::int64_t v) {
  note_bind(sqlite3_bind_int64(s_, next_, v));
  return *this;
}

Stmt& Stmt::opt_i64(const std::optional<std::int64_t>& v) {
  note_bind(v ? sqlite3_bind_int64(s_, next_, *v) : sqlite3_bind_null(s_, next_));
  return *this;
}

Stmt& Stmt::blob(std::span<const std::uint8_t> v) {
  if (v.size() > static_cast<std::size_t>(INT_MAX)) {
    note_bind(SQLITE_TOOBIG);
  } else {
    // A zero-length blob (not NULL) for empty input: columns are NOT NULL.
    note_bind(sqlite3_bind_blob(s_, next_, v.empty() ? "" : static_cast<const void*>(v.data()),
                                static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  return *this;
}

Result<bool> Stmt::step() {
  if (bind_rc_ != SQLITE_OK) return fail(db_error(db_, bind_rc_, "bind"));
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(db_error(db_, rc, "step"));
}

Status Stmt::exec() {
  auto r = step();
  if (!r) return fail(r.error());
  return {};
}

std::int64_t Stmt::changes() const noexcept {
  return sqlite3_changes64(db_);
}

std::int64_t Stmt::col_i64(int i) const noexcept {
  return sqlite3_column_int64(s_, i);
}

std::optional<std::int64_t> Stmt::col_opt_i64(int i) const noexcept {
  if (sqlite3_column_type(s_, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s_, i);
}

std::string Stmt::col_text(int i) const {
  const auto* p = sqlite3_column_text(s_, i);
  const int n = sqlite3_column_bytes(s_, i);
  if (p == nullptr || n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::vector<std::uint8_t> Stmt::col_blob(int i) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, i));
  const int n = sqlite3_column_bytes(s_, i);
  if (p == nullptr || n <= 0) return {};
  return std::vector<std::uint8_t>(p, p + n);
}

// ---- Db ----

Result<Stmt> Db::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* raw_stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw_stmt, nullptr);
    if (rc != SQLITE_OK) return fail(db_error(db_.get(), rc, "prepare"));
    it = cache_.emplace(sql, SqliteStmtPtr(raw_stmt)).first;
  }
  return Stmt(db_.get(), it->second.get());
}

Status Db::exec_script(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(db_error(db_.get(), rc, what));
  return {};
}

// ---- SqliteStore: transaction paths and shared helpers ----

// Group commit (leader/follower, no extra thread). Each writer queues its `fn`; whoever finds
// no batch in progress becomes the leader, takes the whole queue and runs it as ONE
// transaction: every fn under its own SAVEPOINT (a failing fn rolls back alone and gets its
// own error), then one COMMIT, so one WAL fsync (synchronous=FULL) covers the batch. Writers
// that arrive meanwhile queue up for the next batch. Every caller returns only after the
// COMMIT that contains its write (or with an error when that COMMIT failed), so each Store
// method keeps its contract: atomic, and durable when it returns success. Fns run in queue
// order inside the transaction, so a compare-and-set (commit_verification's replay guards,
// transition_challenge) sees the writes queued before it and exactly one of two racing
// callers wins, as before. Callers' fns run on the leader's thread while the callers are
// blocked here, so the references they capture stay valid.
//
// A batch made only of kProcessCrash writes (attempt reservations, store.h) commits with
// synchronous=NORMAL: the WAL is written, not fsync'd, which survives kill -9; the next FULL
// commit's fsync of the same WAL file makes those frames durable too. So a login that
// reserves its attempt and then commits its verification still waits for one fsync.
//
// Wake-ups are targeted (each waiter sleeps on its own condition variable): a finished batch
// wakes its own writers and the first queued one, which leads the next batch. Waking every
// waiter instead made the daemon spend most of its CPU in context switches under load.
Status SqliteStore::run_write(const std::function<Status(Db&)>& fn, Durability durability) {
  PendingWrite me{&fn, durability, {}, false, {}};
  std::unique_lock<std::mutex> queue_lock(queue_mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (batch_active_) {
      me.cv.wait(queue_lock);
      continue;
    }
    batch_active_ = true;
    std::vector<PendingWrite*> batch;
    batch.swap(queue_);
    queue_lock.unlock();
    try {
      commit_batch(batch);
    } catch (...) {
      // A unit that throws (bad_alloc) must not leave the queue leaderless or the transaction
      // open: the whole batch is rolled back and every caller gets an error.
      std::lock_guard<std::mutex> lock(mu_);
      sqlite3_exec(db_.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
      for (PendingWrite* w : batch) w->result = fail(Errc::kInternal, "write batch aborted");
    }
    queue_lock.lock();
    batch_active_ = false;
    for (PendingWrite* w : batch) {
      w->done = true;
      if (w != &me) w->cv.notify_one();
    }
    if (!queue_.empty()) queue_.front()->cv.notify_one();
  }
  return me.result;
}

void SqliteStore::commit_batch(const std::vector<PendingWrite*>& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  // synchronous applies per connection and per COMMIT; it is set outside the transaction.
  const bool full = std::any_of(batch.begin(), batch.end(), [](const PendingWrite* w) {
    return w->durability == Durability::kFull;
  });
  if (full != sync_full_) {
    Status set = db_.exec_script(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                                 "set synchronous");
    if (!set) {
      for (PendingWrite* w : batch) w->result = set;
      return;
    }
    sync_full_ = full;
  }
  Status begin = db_.exec_script("BEGIN IMMEDIATE", "begin write");
  if (!begin) {
    for (PendingWrite* w : batch) w->result = begin;
    return;
  }
  if (batch.size() == 1) {  // no savepoint needed: the transaction is the fn's alone
    batch[0]->result = (*batch[0]->fn)(db_);
  } else {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Status st = db_.exec_script("SAVEPOINT group_write", "savepoint");
      if (st) st = (*batch[i]->fn)(db_);
      if (st) st = db_.exec_script("RELEASE group_write", "release savepoint");
      batch[i]->result = st;
      if (st) continue;
      if (sqlite3_get_autocommit(db_.raw()) != 0) {
        // SQLite rolled the whole transaction back (SQLITE_FULL, IOERR, ...): the earlier
        // writes of this batch are gone and later ones must not run outside a transaction.
        for (PendingWrite* w : batch) {
          if (w->result || w == batch[i]) w->result = st;
        }
        for (std::size_t j = i + 1; j < batch.size(); ++j) batch[j]->result = st;
        return;
      }
      sqlite3_exec(db_.raw(), "ROLLBACK TO group_write; RELEASE group_write", nullptr, nullptr,
                   nullptr);
    }
  }
  bool any_ok = false;
  for (PendingWrite* w : batch) any_ok = any_ok || static_cast<bool>(w->result);
  Status commit = any_ok ? db_.exec_script("COMMIT", "commit") : Status{};
  if (!any_ok || !commit) {
    // ROLLBACK fails harmlessly when SQLite already rolled back (e.g. after SQLITE_FULL).
    sqlite3_exec(db_.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  if (!commit) {
    for (PendingWrite* w : batch) {
      if (w->result) w->result = commit;
    }
  }
}

void SqliteStore::add_reader(SqliteDbPtr db) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  readers_.push_back(std::make_unique<Db>(std::move(db)));
  free_readers_.push_back(readers_.back().get());
}

Db* SqliteStore::acquire_reader() {
  std::unique_lock<std::mutex> lock(readers_mu_);
  if (readers_.empty()) return nullptr;
  readers_cv_.wait(lock, [this] { return !free_readers_.empty(); });
  Db* db = free_readers_.back();
  free_readers_.pop_back();
  return db;
}

void SqliteStore::release_reader(Db* db) {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    free_readers_.push_back(db);
  }
  readers_cv_.notify_one();
}

namespace {

Status read_transaction(Db& db, const std::function<Status(Db&)>& fn) {
  MFA_TRY(db.exec_script("BEGIN", "begin read"));
  Status st = fn(db);
  if (st) st = db.exec_script("COMMIT", "end read");
  if (!st) sqlite3_exec(db.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
  return st;
}

}  // namespace

Status SqliteStore::run_read(const std::function<Status(Db&)>& fn) {
  Db* reader = acquire_reader();
  if (reader == nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    return read_transaction(db_, fn);
  }
  struct Lease {
    SqliteStore* self;
    Db* db;
    ~Lease() { self->release_reader(db); }
  } lease{this, reader};
  return read_transaction(*reader, fn);
}

Status SqliteStore::ensure_app_row(Db& db, const std::string& app, std::int64_t now_s) {
  auto st = db.prepare("INSERT INTO apps(name, created_at_s) VALUES(?, ?) ON CONFLICT DO NOTHING");
  if (!st) return fail(st.error());
  return st->text(app).i64(now_s).exec();
}

Status SqliteStore::ensure_user_row(Db& db, const std::string& app, const std::string& user,
                                    std::int64_t now_s) {
  MFA_TRY(ensure_app_row(db, app, now_s));
  auto st = db.prepare(
      "INSERT INTO users(app, user, created_at_s) VALUES(?, ?, ?) ON CONFLICT DO NOTHING");
  if (!st) return fail(st.error());
  return st->text(app).text(user).i64(now_s).exec();
}

Status SqliteStore::require_changed(const Stmt& st, std::string_view what) {
  if (st.changes() == 0) return fail(Errc::kNotFound, std::string(what) + " not found");
  return {};
}

Result<int> SqliteStore::schema_version() {
  int v = 0;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare("PRAGMA user_version");
    if (!st) return fail(st.error());
    auto row = st->step();
    if (!row) return fail(row.error());
    v = *row ? static_cast<int>(st->col_i64(0)) : 0;
    return {};
  });
  if (!done) return fail(done.error());
  return v;
}

Status SqliteStore::init(bool memory) {
  std::lock_guard<std::mutex> lock(mu_);
  // WAL: readers never block the writer; with synchronous=FULL each COMMIT fsyncs the WAL, so
  // a method that returned survives kill -9 and power loss (attempt reservations: kill -9
  // only, commit_batch) (tests/integration/
  // test_store_durability.py). journal_mode must be set outside a transaction.
  if (!memory) {
    auto st = db_.prepare("PRAGMA journal_mode=WAL");
    if (!st) return fail(st.error());
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row || st->col_text(0) != "wal") {
      return fail(Errc::kStorage, "database refused journal_mode=WAL");
    }
  }
  // foreign_keys: ON DELETE CASCADE from users to everything they own. secure_delete: freed
  // pages (old code hashes, ciphertexts) are zeroed rather than left in the file.
  // trusted_schema=OFF: a tampered schema cannot run SQL functions in triggers/views.
  MFA_TRY(
      db_.exec_script("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
                      "PRAGMA trusted_schema=OFF;",
                      "set pragmas"));
  return migrate(db_);
}

namespace {

bool is_memory_path(const std::string& path) {
  return path.empty() || path == ":memory:";
}

// Creates the file with mode 0600 before SQLite does, so the database (and the -wal/-shm files,
// which SQLite creates with the database file's permissions) is never readable by others,
// whatever the process umask. O_NOFOLLOW: a planted symlink must not redirect our writes.
Status precreate(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return fail(Errc::kStorage, "cannot open database " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  return {};
}

}  // namespace

}  // namespace mfa::sqlite

namespace mfa {

namespace {

Result<SqliteDbPtr> open_connection(const std::string& path, bool memory, bool read_only) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (read_only ? 0 : SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_FULLMUTEX | (memory ? 0 : SQLITE_OPEN_NOFOLLOW);
  const int rc = sqlite3_open_v2(memory ? ":memory:" : path.c_str(), &raw, flags, nullptr);
  SqliteDbPtr db(raw);  // sqlite3_open_v2 allocates a handle even on failure
  if (rc != SQLITE_OK) {
    return fail(sqlite::db_error(raw, rc, "open database " + (memory ? ":memory:" : path)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, limits::kSqliteBusyTimeoutMs);
  if (read_only) {
    // query_only: a bug that writes through a reader fails instead of bypassing group commit.
    const int prc = sqlite3_exec(raw, "PRAGMA query_only=ON; PRAGMA trusted_schema=OFF;", nullptr,
                                 nullptr, nullptr);
    if (prc != SQLITE_OK) return fail(sqlite::db_error(raw, prc, "set reader pragmas"));
  }
  return db;
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path) {
  // Memory statistics take one process-wide mutex on every sqlite3_malloc: with many
  // connections busy at once it was the daemon's most contended lock. It must be configured
  // before SQLite initialises; a later call fails harmlessly with SQLITE_MISUSE.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  const bool memory = sqlite::is_memory_path(path);
  if (!memory) MFA_TRY(sqlite::precreate(path));
  auto db = open_connection(path, memory, false);
  if (!db) return fail(db.error());
  auto store = std::make_unique<sqlite::SqliteStore>(std::move(*db));
  Status st = store->init(memory);
  if (!st) return fail(st.error());
  // Readers for a file database (WAL): reads proceed while the writer waits for its fsync.
  for (std::size_t i = 0; !memory && i < limits::kSqliteReadConnections; ++i) {
    auto reader = open_connection(path, false, true);
    if (!reader) return fail(reader.error());
    store->add_reader(std::move(*reader));
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mfa
