// Versioned schema migrations for the SQLite backend. The schema version lives in
// PRAGMA user_version (in the database header, so it commits atomically with the DDL). At open
// every migration newer than the stored version runs, in order, inside ONE transaction: a crash
// mid-upgrade leaves the old schema intact. A database newer than this build is refused rather
// than guessed at: a downgrade could silently drop columns the newer mfad relies on.
//
// Rules for adding a migration: append to kMigrations (never edit a shipped entry), keep it
// idempotent within its transaction, and note that foreign_keys cannot be toggled inside a
// transaction — a table rebuild must use the 12-step procedure from sqlite.org/lang_altertable.
#include <string>

#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Version 1: the initial schema. Times are Unix seconds (_s) or milliseconds (_ms).
// Everything a user owns references users(app, user) ON DELETE CASCADE; users and api_keys
// reference apps. Audit events deliberately reference nothing: the trail outlives the user.
constexpr const char* kV1 = R"sql(
CREATE TABLE apps (
  name TEXT PRIMARY KEY NOT NULL,
  created_at_s INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  user TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  display_name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'active',
  grace_deadline_s INTEGER,
  created_at_s INTEGER NOT NULL,
  PRIMARY KEY (app, user)
) STRICT;

CREATE TABLE factors (
  id TEXT PRIMARY KEY NOT NULL,
  app TEXT NOT NULL,
  user TEXT NOT NULL,
  type TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  secret_ct BLOB NOT NULL,
  params TEXT NOT NULL DEFAULT '',
  last_step INTEGER NOT NULL DEFAULT -1,
  sign_count INTEGER NOT NULL DEFAULT 0,
  created_at_s INTEGER NOT NULL,
  last_used_at_s INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (app, user) REFERENCES users(app, user) ON DELETE CASCADE
) STRICT;
CREATE INDEX factors_by_user ON factors(app, user);

CREATE TABLE backup_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app TEXT NOT NULL,
  user TEXT NOT NULL,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  used_at_s INTEGER,
  FOREIGN KEY (app, user) REFERENCES users(app, user) ON DELETE CASCADE
) STRICT;
CREATE INDEX backup_codes_by_user ON backup_codes(app, user);

CREATE TABLE challenges (
  id TEXT PRIMARY KEY NOT NULL,
  app TEXT NOT NULL,
  user TEXT NOT NULL,
  purpose TEXT NOT NULL,
  method TEXT NOT NULL,
  status TEXT NOT NULL,
  factor_id TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 0,
  created_at_s INTEGER NOT NULL,
  expires_at_s INTEGER NOT NULL,
  remote_addr TEXT NOT NULL DEFAULT '',
  service TEXT NOT NULL DEFAULT '',
  code_hash BLOB NOT NULL DEFAULT x'',
  data TEXT NOT NULL DEFAULT '',
  FOREIGN KEY (app, user) REFERENCES users(app, user) ON DELETE CASCADE
) STRICT;
CREATE INDEX challenges_by_user ON challenges(app, user, status);

CREATE TABLE challenge_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  challenge_id TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
  at_ms INTEGER NOT NULL,
  event TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX challenge_events_by_challenge ON challenge_events(challenge_id, at_ms);

CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  app TEXT NOT NULL,
  user TEXT NOT NULL DEFAULT '',
  event TEXT NOT NULL,
  actor TEXT NOT NULL DEFAULT '',
  remote_addr TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_by_app_user ON audit_events(app, user, id);
CREATE INDEX audit_by_event ON audit_events(event, id);

CREATE TABLE lockouts (
  key TEXT PRIMARY KEY NOT NULL,
  failures INTEGER NOT NULL,
  window_start_s INTEGER NOT NULL,
  locked_until_s INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY NOT NULL,
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  hash BLOB NOT NULL,
  scopes TEXT NOT NULL,
  created_at_s INTEGER NOT NULL,
  revoked_at_s INTEGER,
  last_used_at_s INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX api_keys_by_app ON api_keys(app);

CREATE TABLE remembered_logins (
  app TEXT NOT NULL,
  user TEXT NOT NULL,
  rhost TEXT NOT NULL,
  service TEXT NOT NULL,
  until_s INTEGER NOT NULL,
  PRIMARY KEY (app, user, rhost, service),
  FOREIGN KEY (app, user) REFERENCES users(app, user) ON DELETE CASCADE
) STRICT;

CREATE TABLE seen_rhosts (
  app TEXT NOT NULL,
  user TEXT NOT NULL,
  rhost TEXT NOT NULL,
  first_seen_s INTEGER NOT NULL,
  last_seen_s INTEGER NOT NULL,
  PRIMARY KEY (app, user, rhost),
  FOREIGN KEY (app, user) REFERENCES users(app, user) ON DELETE CASCADE
) STRICT;
)sql";

// Version 2: credential ids of passkeys ("webauthn") and local security keys ("fido2") are
// unique across all users. WebAuthn 7.1 step 22 says a registration whose credential id is
// already registered must fail; checking first and inserting later races, so the database
// enforces it with a UNIQUE index on factors.credential_id. insert_factor and
// update_factor_params keep the column equal to params.credential_id (sqlite_store_factors.cc;
// not a generated column: trusted_schema=OFF forbids json functions in the schema). Other
// factor types and pending passkeys (no credential yet) hold NULL, which a UNIQUE index does
// not compare. Existing rows are filled from their params here. If an older database already
// holds a duplicate, the index build fails and so does the whole migration (the old schema
// stays): an operator must delete one of the two factors first.
constexpr const char* kV2 = R"sql(
ALTER TABLE factors ADD COLUMN credential_id TEXT;
UPDATE factors SET credential_id = json_extract(params, '$.credential_id')
  WHERE type IN ('webauthn', 'fido2') AND json_valid(params);
CREATE UNIQUE INDEX factors_by_credential_id ON factors(credential_id);
)sql";

// Version 3: usernameless passkey logins (WebAuthn 7.2, discoverable credentials). Their
// challenge has no user yet, so it cannot live in `challenges` (which references users).
constexpr const char* kV3 = R"sql(
CREATE TABLE passkey_logins (
  id TEXT PRIMARY KEY NOT NULL,
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  challenge TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  created_at_s INTEGER NOT NULL,
  expires_at_s INTEGER NOT NULL
) STRICT;
CREATE INDEX passkey_logins_by_expiry ON passkey_logins(expires_at_s);
)sql";

// Version 4: a challenge keeps the tty of the login that created it (issue 11). Verification
// evaluates the policy for the challenge's login; without the tty a `tty:` rule that chose the
// factors (or the remember window) at login did not hold when the code was checked. Older
// challenges (at most kChallengeTtlS old) get '' — what they were verified with before.
constexpr const char* kV4 = R"sql(
ALTER TABLE challenges ADD COLUMN tty TEXT NOT NULL DEFAULT '';
)sql";

// Version 5: audit events keep the TCP peer that made the call (client_addr, the app server)
// apart from the end user's address (remote_addr) (issue 20). Older rows get '': their
// remote_addr is whichever of the two the old build recorded (the TCP peer for API calls).
constexpr const char* kV5 = R"sql(
ALTER TABLE audit_events ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1}, {2, kV2}, {3, kV3}, {4, kV4}, {5, kV5},
};

}  // namespace

int latest_schema_version() noexcept {
  return kMigrations[std::size(kMigrations) - 1].version;
}

Status migrate(Db& db) {
  MFA_TRY(db.exec_script("BEGIN IMMEDIATE", "begin migration"));
  auto body = [&]() -> Status {
    int current = 0;
    {
      auto st = db.prepare("PRAGMA user_version");
      if (!st) return fail(st.error());
      auto row = st->step();
      if (!row) return fail(row.error());
      current = *row ? static_cast<int>(st->col_i64(0)) : 0;
    }
    const int latest = latest_schema_version();
    if (current > latest) {
      return fail(Errc::kStorage, "database schema version " + std::to_string(current) +
                                      " is newer than this mfad supports (" +
                                      std::to_string(latest) +
                                      "); refusing to open it (upgrade mfad)");
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= current) continue;
      MFA_TRY(db.exec_script(m.sql, "migration " + std::to_string(m.version)));
      // PRAGMA takes no bound parameters; the value is our own integer.
      const std::string set = "PRAGMA user_version = " + std::to_string(m.version);
      MFA_TRY(db.exec_script(set.c_str(), "set schema version"));
    }
    return {};
  };
  Status st = body();
  if (st) st = db.exec_script("COMMIT", "commit migration");
  if (!st) sqlite3_exec(db.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
  return st;
}

}  // namespace mfa::sqlite
