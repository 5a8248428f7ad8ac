// The embedded default Store backend: one SQLite file (WAL, synchronous=FULL; NORMAL for attempt
// reservations alone). See store.h for
// the contract every method keeps; sqlite_store_impl.h for how this backend keeps it.
#pragma once

#include <memory>
#include <string>

#include "daemon/core/base/result.h"
#include "daemon/core/store/store.h"

namespace mfa {

// Opens (creating if needed, mode 0600) the database at `path` and runs the schema migrations.
// "" or ":memory:" opens a private in-memory database (tests only: nothing is durable).
// Fails with kStorage when the file is not a database, or when its schema is newer than this
// build knows (a downgrade would silently drop data); kBusy when another process holds the
// write lock past limits::kSqliteBusyTimeoutMs.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path);

}  // namespace mfa
