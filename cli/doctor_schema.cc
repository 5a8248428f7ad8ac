// doctor: the store's schema version. From the daemon's health answer when it runs (what it
// migrated to at its start), else from the database file (PRAGMA user_version, opened
// read-only), against the version this build's migrations reach.
#include <sqlite3.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include "cli/doctor.h"
#include "daemon/core/base/c_handles.h"
#include "daemon/core/store/sqlite_store.h"

namespace mfa::cli::doctor {
namespace {

// The version this build expects: the one its migrations produce. Read from a fresh in-memory
// store, through the public Store interface (the migrations list itself is the backend's own).
std::optional<int> build_schema_version() {
  auto store = open_sqlite_store(":memory:");
  if (!store) return std::nullopt;
  auto v = (*store)->schema_version();
  return v ? std::optional<int>(*v) : std::nullopt;
}

Result<int> file_schema_version(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr);
  SqliteDbPtr db(raw);
  if (rc != SQLITE_OK) return fail(Errc::kStorage, sqlite3_errstr(rc));
  sqlite3_stmt* st_raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), "PRAGMA user_version", -1, &st_raw, nullptr) != SQLITE_OK) {
    return fail(Errc::kStorage, sqlite3_errmsg(db.get()));
  }
  SqliteStmtPtr st(st_raw);
  if (sqlite3_step(st.get()) != SQLITE_ROW) return fail(Errc::kStorage, sqlite3_errmsg(db.get()));
  return sqlite3_column_int(st.get(), 0);
}

}  // namespace

Check check_schema(const Findings& f) {
  const auto expected = build_schema_version();
  if (!expected) return {"schema", Verdict::kFail, "this build's schema version is unknown", ""};
  const std::string want = std::to_string(*expected);
  if (f.health_body) {
    const auto j = nlohmann::json::parse(*f.health_body, nullptr, false);
    if (j.is_object() && j.contains("schema_version") && j["schema_version"].is_number_integer()) {
      const int v = j["schema_version"].get<int>();
      const std::string got = std::to_string(v);
      if (v == *expected) {
        return {"schema", Verdict::kOk,
                "mfad's store is at schema version " + got +
                    ", as this "
                    "build expects",
                ""};
      }
      if (v < *expected) {
        return {"schema", Verdict::kWarn,
                "mfad's store is at schema version " + got + "; this build's is " + want +
                    ": the running mfad is older than the installed one",
                "systemctl restart mfad (it migrates at start; mfactl backup FILE first)"};
      }
      return {"schema", Verdict::kWarn,
              "mfad's store is at schema version " + got + "; this mfactl knows " + want +
                  ": mfactl is older than the daemon",
              "install mfactl and mfad from the same release"};
    }
  }
  if (!f.config) {
    return {"schema", Verdict::kSkip,
            "skipped: mfad did not answer and the config was not read, so the database is not "
            "known",
            ""};
  }
  const std::string& db = f.config->db_path;
  struct stat st {};
  if (::stat(db.c_str(), &st) != 0) {
    const int err = errno;
    if (err == EACCES) return needs_root("schema", db + ": " + std::strerror(err), "");
    if (err == ENOENT) {
      return {"schema", Verdict::kWarn, db + ": no database yet (mfad creates it at its start)",
              "start mfad"};
    }
    return {"schema", Verdict::kFail, db + ": " + std::strerror(err), ""};
  }
  auto v = file_schema_version(db);
  if (!v) {
    if (!is_root()) return needs_root("schema", db + ": " + v.error().context, "");
    return {"schema", Verdict::kFail, db + ": " + v.error().context,
            "is it an mfad database? restore a backup (mfad --restore)"};
  }
  const std::string got = std::to_string(*v);
  if (*v == *expected) {
    return {"schema", Verdict::kOk, db + ": schema version " + got + ", as this build expects", ""};
  }
  if (*v < *expected) {
    return {"schema", Verdict::kWarn,
            db + ": schema version " + got + "; this build's is " + want +
                ": mfad migrates it at its next start",
            "mfactl backup FILE, then start mfad"};
  }
  return {"schema", Verdict::kFail,
          db + ": schema version " + got + " is newer than this build's " + want +
              ": this mfad refuses to open it",
          "install the mfad release that wrote it (or restore an older backup)"};
}

}  // namespace mfa::cli::doctor
