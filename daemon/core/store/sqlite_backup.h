// Backup and restore of the SQLite store file (docs/operations.md "Backup and restore").
// Both use SQLite's online backup API, so a backup taken while mfad writes is one consistent
// snapshot (a WAL read transaction), never a torn file copy. The database holds the factor
// secrets sealed with the key file's key (AEAD): neither function touches the key file.
#pragma once

#include <string>

#include "daemon/core/base/result.h"

namespace mfa {

// Copies the database at `db_path` into `dest` (a single self-contained file, mode 0600 from
// its creation): written to a temp file in dest's directory, checked (PRAGMA quick_check),
// fsync'd, then moved into place. Refuses an existing `dest` unless `force`. Returns the
// schema version of the copy.
Result<int> backup_sqlite_file(const std::string& db_path, const std::string& dest, bool force);

// Checks that `path` is an mfad database this build can open: SQLite, PRAGMA integrity_check
// "ok", the mfad tables, and a schema version (PRAGMA user_version) from 1 to the latest.
// Returns that version.
Result<int> check_mfad_database(const std::string& path);

// Replaces the database at `db_path` with a checked copy of `backup`. Refuses (kBusy) when
// another process has the database open (mfad running). The old database, if any, is kept as
// `<db_path>.before-restore` (its WAL, if one is left, beside it under the matching name).
// The caller must also make sure no daemon is running (its socket does not answer).
Result<int> restore_sqlite_file(const std::string& backup, const std::string& db_path);

}  // namespace mfa
