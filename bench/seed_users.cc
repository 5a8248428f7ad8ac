// bench/seed_users: bulk enrolment for the benchmarks (not shipped). Creates N users of one app
// with an ACTIVE TOTP factor each, directly in a stopped daemon's SQLite store, in ONE
// transaction, and prints "user BASE32SECRET" lines.
//
// Why not the API: activating a first factor also issues 10 backup codes, each hashed with
// PBKDF2-SHA256 at 20k iterations (backup_codes.h), and every store write is its own fsync, so
// API enrolment costs ~0.1-0.2 s per user: 10k users would take longer than the whole bench
// budget. The benchmarks measure verification, not enrolment; run_bench.py times a few real
// API enrolments separately. Everything a verification reads is produced by the product's own
// code: the schema (open_sqlite_store runs the migrations), the sealing (Aead with factor_aad,
// the key file the daemon uses), the params JSON (factor_params_json) and the ids (Random::id).
// The factor's last accepted step is set to the previous step, as if it had been activated
// with the previous code, so the current code is accepted exactly once.
//
// usage: seed_users DB KEYFILE APP PREFIX FIRST COUNT > users.txt
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "daemon/core/base/c_handles.h"
#include "daemon/core/crypto/aead.h"
#include "daemon/core/crypto/key_file.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base32.h"
#include "daemon/core/otp/factor_params.h"
#include "daemon/core/store/sqlite_store.h"

namespace {

int die(const std::string& msg) {
  std::fprintf(stderr, "seed_users: %s\n", msg.c_str());
  return 1;
}

bool exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "seed_users: %s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    return false;
  }
  return true;
}

mfa::SqliteStmtPtr prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) return nullptr;
  return mfa::SqliteStmtPtr(st);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) return die("usage: seed_users DB KEYFILE APP PREFIX FIRST COUNT");
  const std::string db_path = argv[1], key_path = argv[2], app = argv[3], prefix = argv[4];
  const long first = std::strtol(argv[5], nullptr, 10), count = std::strtol(argv[6], nullptr, 10);
  mfa::OsRandom rng;
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  {
    auto store = mfa::open_sqlite_store(db_path);  // schema and migrations, as the daemon does
    if (!store) return die("open store: " + store.error().context);
    if (auto st = (*store)->ensure_app(app, now); !st) return die("ensure_app failed");
  }
  auto key = mfa::load_or_create_key_file(key_path, rng);
  if (!key) return die("key file: " + key.error().context);
  mfa::Aead aead(std::move(*key), 1, rng);  // key id 1, as daemon/src/main.cc
  const std::string params =
      mfa::core::factor_params_json(mfa::core::FactorType::kTotp, mfa::core::FactorParams{});
  const std::int64_t last_step = now / 30 - 1;

  sqlite3* raw = nullptr;
  if (sqlite3_open(db_path.c_str(), &raw) != SQLITE_OK) return die("sqlite3_open");
  mfa::SqliteDbPtr db(raw);
  if (!exec(db.get(), "PRAGMA journal_mode=WAL") || !exec(db.get(), "BEGIN IMMEDIATE")) return 1;
  auto user_st = prepare(db.get(),
                         "INSERT INTO users(app, user, created_at_s) VALUES(?, ?, ?)"
                         " ON CONFLICT DO NOTHING");
  auto factor_st = prepare(db.get(),
                           "INSERT INTO factors(id, app, user, type, label, status, secret_ct,"
                           " params, last_step, sign_count, created_at_s, last_used_at_s)"
                           " VALUES(?, ?, ?, 'totp', 'bench', 'active', ?, ?, ?, 0, ?, 0)");
  if (!user_st || !factor_st) return die(sqlite3_errmsg(db.get()));
  for (long i = first; i < first + count; ++i) {
    const std::string user = prefix + std::to_string(i);
    auto id = rng.id("f_");
    auto secret = rng.secret(20);  // 160 bits, RFC 4226 section 4 R6 recommendation
    if (!id || !secret) return die("random");
    auto sealed = aead.seal(secret->span(), mfa::factor_aad(app, user, *id));
    if (!sealed) return die("seal");
    sqlite3_stmt* u = user_st.get();
    sqlite3_bind_text(u, 1, app.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(u, 2, user.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(u, 3, now);
    if (sqlite3_step(u) != SQLITE_DONE) return die(sqlite3_errmsg(db.get()));
    sqlite3_reset(u);
    sqlite3_stmt* f = factor_st.get();
    sqlite3_bind_text(f, 1, id->c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(f, 2, app.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(f, 3, user.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(f, 4, sealed->data(), static_cast<int>(sealed->size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(f, 5, params.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(f, 6, last_step);
    sqlite3_bind_int64(f, 7, now);
    if (sqlite3_step(f) != SQLITE_DONE) return die(sqlite3_errmsg(db.get()));
    sqlite3_reset(f);
    std::printf("%s %s\n", user.c_str(), mfa::core::base32_encode(secret->span()).c_str());
  }
  if (!exec(db.get(), "COMMIT")) return 1;
  return std::fflush(stdout) == 0 ? 0 : 1;
}
