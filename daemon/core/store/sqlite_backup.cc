#include "daemon/core/store/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Result<SqliteDbPtr> open_db(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOFOLLOW, nullptr);
  SqliteDbPtr db(raw);  // a handle is allocated even on failure
  if (rc != SQLITE_OK) return fail(sqlite::db_error(raw, rc, "open " + path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, limits::kSqliteBusyTimeoutMs);
  return db;
}

Status exec(sqlite3* db, const char* sql, const std::string& what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(sqlite::db_error(db, rc, what));
  return {};
}

// The first column of the first row of `sql`, as text ("" when there is no row).
Result<std::string> query_text(sqlite3* db, const char* sql, const std::string& what) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  SqliteStmtPtr st(raw);
  if (rc != SQLITE_OK) return fail(sqlite::db_error(db, rc, what));
  rc = sqlite3_step(raw);
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return fail(sqlite::db_error(db, rc, what));
  const auto* p = sqlite3_column_text(raw, 0);
  return std::string(p != nullptr ? reinterpret_cast<const char*>(p) : "");
}

// Copies every page of `src` into `dest` in one step: one read transaction on the source, so
// the copy is a snapshot even while mfad commits (WAL readers do not block the writer).
Status copy_pages(sqlite3* src, sqlite3* dest) {
  SqliteBackupPtr b(sqlite3_backup_init(dest, "main", src, "main"));
  if (!b) return fail(sqlite::db_error(dest, sqlite3_errcode(dest), "backup init"));
  int rc = SQLITE_OK;
  // BUSY/LOCKED: a writer is checkpointing; retry for a bounded time (the busy timeout).
  for (int waited_ms = 0;; waited_ms += 50) {
    rc = sqlite3_backup_step(b.get(), -1);
    if (rc == SQLITE_DONE) break;
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= limits::kSqliteBusyTimeoutMs) {
      return fail(sqlite::db_error(dest, rc, "backup step"));
    }
    sqlite3_sleep(50);
  }
  rc = sqlite3_backup_finish(b.release());
  if (rc != SQLITE_OK) return fail(sqlite::db_error(dest, rc, "backup finish"));
  return {};
}

Status fsync_path(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) {
    return fail(Errc::kStorage, "cannot fsync " + path + ": " + errno_text());
  }
  return {};
}

// A temp file, 0600 from its creation (mkstemp), removed on scope exit unless kept.
class TempFile {
 public:
  explicit TempFile(const std::string& near) : path_(near + ".tmp.XXXXXX") {}
  ~TempFile() {
    if (created_ && !kept_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  Status create() {
    std::vector<char> buf(path_.begin(), path_.end());
    buf.push_back('\0');
    UniqueFd fd(::mkostemp(buf.data(), O_CLOEXEC));
    if (!fd) return fail(Errc::kStorage, "cannot create " + path_ + ": " + errno_text());
    path_.assign(buf.data());
    created_ = true;
    return {};
  }
  const std::string& path() const noexcept { return path_; }
  void keep() noexcept { kept_ = true; }

 private:
  std::string path_;
  bool created_ = false;
  bool kept_ = false;
};

// Writes a checked, self-contained (journal_mode=DELETE: no -wal beside it) copy of the open
// database `src` into the temp file, fsync'd.
Status write_copy(sqlite3* src, const TempFile& tmp) {
  {
    auto dest = open_db(tmp.path(), SQLITE_OPEN_READWRITE);
    if (!dest) return fail(dest.error());
    MFA_TRY(copy_pages(src, dest->get()));
    auto mode = query_text(dest->get(), "PRAGMA journal_mode=DELETE", "set journal mode");
    if (!mode) return fail(mode.error());
    auto ok = query_text(dest->get(), "PRAGMA quick_check", "check the copy");
    if (!ok) return fail(ok.error());
    if (*ok != "ok") return fail(Errc::kStorage, "the copy failed its check: " + *ok);
  }
  return fsync_path(tmp.path(), O_RDONLY);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

Result<int> check_mfad_database(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(Errc::kNotFound, path + ": " + errno_text());
  if (!S_ISREG(st.st_mode)) return fail(Errc::kInvalidArgument, path + " is not a regular file");
  auto db = open_db(path, SQLITE_OPEN_READONLY);
  if (!db) return fail(db.error());
  sqlite3* raw = db->get();
  MFA_TRY(exec(raw, "PRAGMA trusted_schema=OFF", "set pragmas"));
  const std::string not_mfad = path + " is not an mfad database";
  auto tables = query_text(raw,
                           "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
                           "('users','factors')",
                           "read the schema");
  if (!tables) return fail(Errc::kInvalidArgument, not_mfad + " (" + tables.error().context + ")");
  if (*tables != "2") return fail(Errc::kInvalidArgument, not_mfad + " (no users/factors tables)");
  auto version = query_text(raw, "PRAGMA user_version", "read the schema version");
  if (!version) return fail(version.error());
  const int v = std::atoi(version->c_str());
  if (v < 1 || v > sqlite::latest_schema_version()) {
    return fail(Errc::kInvalidArgument, path + ": schema version " + *version +
                                            " is not one this mfad knows (1.." +
                                            std::to_string(sqlite::latest_schema_version()) + ")");
  }
  auto ok = query_text(raw, "PRAGMA integrity_check", "integrity check");
  if (!ok) return fail(ok.error());
  if (*ok != "ok") return fail(Errc::kStorage, path + " failed PRAGMA integrity_check: " + *ok);
  return v;
}

Result<int> backup_sqlite_file(const std::string& db_path, const std::string& dest, bool force) {
  if (dest.empty()) return fail(Errc::kInvalidArgument, "no backup file given");
  if (!force && exists(dest)) {
    return fail(Errc::kAlreadyExists, dest + " exists (use --force to replace it)");
  }
  if (!exists(db_path)) return fail(Errc::kNotFound, db_path + ": " + errno_text());
  // Read-write but query_only: a WAL reader needs the -shm; run as root, SQLite gives any
  // file it creates the database's owner, so mfad can still open them.
  auto src = open_db(db_path, SQLITE_OPEN_READWRITE);
  if (!src) return fail(src.error());
  MFA_TRY(exec(src->get(), "PRAGMA query_only=ON; PRAGMA trusted_schema=OFF", "set pragmas"));
  TempFile tmp(dest);
  MFA_TRY(tmp.create());
  MFA_TRY(write_copy(src->get(), tmp));
  src->reset();
  auto version = check_mfad_database(tmp.path());
  if (!version) return fail(version.error());
  if (force) {
    if (::rename(tmp.path().c_str(), dest.c_str()) != 0) {
      return fail(Errc::kStorage, "cannot rename to " + dest + ": " + errno_text());
    }
  } else {
    // link() fails with EEXIST: no window in which a file created meanwhile is overwritten.
    if (::link(tmp.path().c_str(), dest.c_str()) != 0) {
      if (errno == EEXIST) {
        return fail(Errc::kAlreadyExists, dest + " exists (use --force to replace it)");
      }
      return fail(Errc::kStorage, "cannot create " + dest + ": " + errno_text());
    }
  }
  tmp.keep();
  if (!force) ::unlink(tmp.path().c_str());
  MFA_TRY(fsync_path(dir_of(dest), O_RDONLY | O_DIRECTORY));
  return *version;
}

Result<int> restore_sqlite_file(const std::string& backup, const std::string& db_path) {
  auto version = check_mfad_database(backup);
  if (!version) return fail(version.error());
  TempFile tmp(db_path);
  MFA_TRY(tmp.create());
  {
    auto src = open_db(backup, SQLITE_OPEN_READONLY);
    if (!src) return fail(src.error());
    MFA_TRY(write_copy(src->get(), tmp));
  }
  struct stat old_st {};
  if (::lstat(db_path.c_str(), &old_st) == 0) {
    // The restored file keeps the owner of the one it replaces (mfad's account, when root
    // restores for a daemon that runs as a system user).
    if (::geteuid() == 0 && ::chown(tmp.path().c_str(), old_st.st_uid, old_st.st_gid) != 0) {
      return fail(Errc::kStorage, "cannot chown " + tmp.path() + ": " + errno_text());
    }
    // An exclusive lock on the old database, taken at once or not at all: in WAL mode every
    // open connection holds a shared lock on the file, so this fails while mfad has it open.
    // Then a checkpoint folds its WAL into it, so `.before-restore` is complete by itself.
    auto old = open_db(db_path, SQLITE_OPEN_READWRITE);
    if (!old) return fail(old.error());
    sqlite3_busy_timeout(old->get(), 0);
    Status locked = exec(old->get(), "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT",
                         "lock " + db_path);
    if (!locked) {
      return fail(Errc::kBusy, db_path + " is in use (is mfad running? stop it first): " +
                                   locked.error().context);
    }
    (void)exec(old->get(), "PRAGMA wal_checkpoint(TRUNCATE)", "checkpoint");
    old->reset();
    const std::string kept = db_path + ".before-restore";
    if (::rename(db_path.c_str(), kept.c_str()) != 0) {
      return fail(Errc::kStorage, "cannot keep the old database as " + kept + ": " + errno_text());
    }
    // SQLite names a WAL "<db>-wal": this keeps an unfolded WAL with the old database.
    if (exists(db_path + "-wal"))
      (void)::rename((db_path + "-wal").c_str(), (kept + "-wal").c_str());
    (void)::unlink((db_path + "-shm").c_str());  // an index of the WAL, rebuilt on open
  }
  if (::rename(tmp.path().c_str(), db_path.c_str()) != 0) {
    return fail(Errc::kStorage, "cannot move the copy to " + db_path + ": " + errno_text());
  }
  tmp.keep();
  MFA_TRY(fsync_path(dir_of(db_path), O_RDONLY | O_DIRECTORY));
  return *version;
}

}  // namespace mfa
