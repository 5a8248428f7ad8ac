// SQLite Store backend on a real file in a temp dir: migrations, every Store method, the
// compare-and-set replay guards (including two connections racing), cascades, audit filters
// and lockout windows.
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/store/sqlite_store.h"

// cmocka last: it defines a `fail` macro that would clash with mfa::fail.
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using namespace mfa;

namespace {

struct Fixture {
  std::string dir;
  std::string path;
  std::unique_ptr<Store> store;
};

std::unique_ptr<Store> open_or_die(const std::string& path) {
  auto r = open_sqlite_store(path);
  if (!r) fail_msg("open_sqlite_store: %s", r.error().context.c_str());
  return std::move(*r);
}

int setup(void** state) {
  auto* f = new Fixture;
  char tmpl[] = "/tmp/mfa-store-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return -1;
  f->dir = tmpl;
  f->path = f->dir + "/mfa.db";
  f->store = open_or_die(f->path);
  *state = f;
  return 0;
}

int teardown(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  f->store.reset();
  std::filesystem::remove_all(f->dir);
  delete f;
  return 0;
}

Store& S(void** state) {
  return *static_cast<Fixture*>(*state)->store;
}
Fixture& F(void** state) {
  return *static_cast<Fixture*>(*state);
}

// The single-use writes as the product makes them: commit_verification holding only the TOTP
// step or only the backup code. True when this call won the compare-and-set.
Result<bool> advance_step(Store& s, const std::string& factor_id, std::int64_t step,
                          std::int64_t now_s) {
  VerificationCommit c;
  c.totp_factor_id = factor_id;
  c.totp_step = step;
  c.now_s = now_s;
  auto r = s.commit_verification(c, nullptr);
  if (!r) return Unexpected{r.error()};  // (cmocka defines a fail() macro)
  return *r == VerificationOutcome::kCommitted;
}
Result<bool> use_backup_code(Store& s, std::int64_t code_id, std::int64_t now_s) {
  VerificationCommit c;
  c.backup_code_id = code_id;
  c.now_s = now_s;
  auto r = s.commit_verification(c, nullptr);
  if (!r) return Unexpected{r.error()};  // (cmocka defines a fail() macro)
  return *r == VerificationOutcome::kCommitted;
}

// Counts rows with an independent connection (not through the Store under test).
long long raw_count(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close_v2(db);
  return n;
}

FactorRecord factor(const std::string& id, const std::string& user = "alice") {
  FactorRecord f;
  f.id = id;
  f.app = "system";
  f.user = user;
  f.type = core::FactorType::kTotp;
  f.label = "phone";
  f.status = core::FactorStatus::kPending;
  f.secret_ct = {0x01, 0x00, 0xff, 0x10};
  f.params = R"({"digits":6})";
  f.created_at_s = 1000;
  return f;
}

// One attempt reserved on a challenge alone (no lockout counters).
ReservationOutcome reserve_challenge(Store& s, const std::string& id) {
  AttemptReservation r;
  r.challenge_id = id;
  r.now_s = 100;
  auto got = s.reserve_attempt(r);
  if (!got) fail_msg("reserve_attempt: %s", got.error().context.c_str());
  return got->outcome;
}

ChallengeRecord challenge(const std::string& id, const std::string& user = "alice") {
  ChallengeRecord c;
  c.id = id;
  c.app = "system";
  c.user = user;
  c.purpose = core::ChallengePurpose::kLogin;
  c.method = core::ChallengeMethod::kTotp;
  c.status = core::ChallengeStatus::kPending;
  c.max_attempts = 5;
  c.created_at_s = 100;
  c.expires_at_s = 400;
  c.origin.remote_addr = "10.0.0.1";
  c.origin.service = "sshd";
  return c;
}

// commit_verification: the accepted code's writes land together, and a lost compare-and-set
// (replayed step, challenge no longer pending) writes nothing at all.
void test_commit_verification(void** state) {
  Store& s = S(state);
  const std::string& path = F(state).path;
  assert_true(s.insert_factor(factor("f_1")).has_value());
  assert_true(s.activate_factor("f_1", 10, 1000).has_value());
  assert_true(s.insert_challenge(challenge("ch_a")).has_value());
  assert_true(s.insert_challenge(challenge("ch_b")).has_value());
  assert_true(s.record_failure("user:system/alice", 1000, 900, 5, 600).has_value());  // one failure

  VerificationCommit c;
  c.totp_factor_id = "f_1";
  c.totp_step = 11;
  c.challenge_id = "ch_a";
  c.challenge_event = {9000, "approved", "{}"};
  c.clear_lockout_key = "user:system/alice";
  c.app = "system";
  c.user = "alice";
  c.remote_addr = "10.0.0.1";
  c.remember_service = "sshd";
  c.remember_until_s = 5000;
  c.now_s = 1100;
  c.audit.at_ms = 9000;
  c.audit.app = "system";
  c.audit.user = "alice";
  c.audit.event = "user.mfa_succeeded";
  c.audit.detail = "{}";
  std::int64_t audit_id = 0;
  auto r = s.commit_verification(c, &audit_id);
  assert_true(r.has_value());
  assert_int_equal(static_cast<int>(*r), static_cast<int>(VerificationOutcome::kCommitted));
  assert_true(audit_id > 0);
  assert_int_equal((*s.get_factor("f_1"))->last_step, 11);
  assert_string_equal(std::string(core::to_string((*s.get_challenge("ch_a"))->status)).c_str(),
                      "approved");
  assert_int_equal(s.get_lockout("user:system/alice")->failures, 0);
  assert_int_equal(*s.remembered_until("system", "alice", "10.0.0.1", "sshd"), 5000);
  assert_true(*s.rhost_seen("system", "alice", "10.0.0.1"));
  assert_int_equal(raw_count(path, "SELECT COUNT(*) FROM audit_events"), 1);

  // The same step again, for another challenge: replayed, and ch_b is not approved.
  c.challenge_id = "ch_b";
  r = s.commit_verification(c, &audit_id);
  assert_int_equal(static_cast<int>(*r), static_cast<int>(VerificationOutcome::kReplayed));
  assert_string_equal(std::string(core::to_string((*s.get_challenge("ch_b"))->status)).c_str(),
                      "pending");
  assert_int_equal(raw_count(path, "SELECT COUNT(*) FROM audit_events"), 1);

  // A fresh step for the already approved ch_a: the step advance is rolled back with it.
  c.challenge_id = "ch_a";
  c.totp_step = 12;
  r = s.commit_verification(c, &audit_id);
  assert_int_equal(static_cast<int>(*r),
                   static_cast<int>(VerificationOutcome::kChallengeNotPending));
  assert_int_equal((*s.get_factor("f_1"))->last_step, 11);
  assert_int_equal(raw_count(path, "SELECT COUNT(*) FROM audit_events"), 1);

  // A missing factor is an error, not a replay.
  c.totp_factor_id = "f_nope";
  r = s.commit_verification(c, &audit_id);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kNotFound));
}

void test_open_migrate_reopen(void** state) {
  auto& f = F(state);
  auto v = f.store->schema_version();
  assert_true(v.has_value());
  assert_int_equal(*v, 5);
  assert_true(f.store->ensure_app("web", 5).has_value());
  f.store.reset();
  // Reopen: migrations are idempotent and the data survives.
  f.store = open_or_die(f.path);
  assert_int_equal(*f.store->schema_version(), 5);
  auto apps = f.store->list_apps();
  assert_int_equal(apps->size(), 1);
  assert_string_equal((*apps)[0].c_str(), "web");
  // The file is private and in WAL mode.
  struct stat sb {};
  assert_int_equal(stat(f.path.c_str(), &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(
      raw_count(f.path, "SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode='wal'"), 1);
}

void test_newer_schema_refused(void** state) {
  auto& f = F(state);
  f.store.reset();
  sqlite3* db = nullptr;
  assert_int_equal(sqlite3_open(f.path.c_str(), &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr),
                   SQLITE_OK);
  sqlite3_close(db);
  auto r = open_sqlite_store(f.path);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kStorage));
  assert_non_null(strstr(r.error().context.c_str(), "newer"));
  f.store = open_or_die(":memory:");  // teardown needs something
}

void test_not_a_database(void** state) {
  auto& f = F(state);
  const std::string junk = f.dir + "/junk.db";
  std::ofstream(junk) << std::string(4096, 'x');
  auto r = open_sqlite_store(junk);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kStorage));
}

void test_users(void** state) {
  Store& s = S(state);
  assert_true(s.ensure_app("system", 1).has_value());
  assert_true(s.ensure_app("system", 2).has_value());  // idempotent
  UserRecord u;
  u.app = "system";
  u.user = "alice";
  u.email = "a@example.org";
  u.created_at_s = 10;
  assert_true(s.upsert_user(u).has_value());
  assert_false(s.get_user("system", "nobody")->has_value());

  auto dl = s.set_grace_deadline_once("system", "alice", 500, 20);
  assert_int_equal(*dl, 500);
  dl = s.set_grace_deadline_once("system", "alice", 900, 30);
  assert_int_equal(*dl, 500);  // first one wins

  u.email = "new@example.org";
  u.created_at_s = 99;
  u.status = "disabled";
  assert_true(s.upsert_user(u).has_value());
  auto got = s.get_user("system", "alice");
  assert_true(got->has_value());
  assert_string_equal((*got)->email.c_str(), "new@example.org");
  assert_string_equal((*got)->status.c_str(), "disabled");
  assert_int_equal((*got)->created_at_s, 10);        // kept from first insert
  assert_int_equal(*(*got)->grace_deadline_s, 500);  // not cleared by upsert

  // set_grace_deadline_once creates a missing user.
  assert_int_equal(*s.set_grace_deadline_once("system", "bob", 700, 40), 700);
  for (const char* n : {"carol", "dave"}) {
    UserRecord x;
    x.app = "system";
    x.user = n;
    assert_true(s.upsert_user(x).has_value());
  }
  auto page = s.list_users("system", 2, 1);
  assert_int_equal(page->size(), 2);
  assert_string_equal((*page)[0].user.c_str(), "bob");
  assert_string_equal((*page)[1].user.c_str(), "carol");

  assert_true(s.delete_user("system", "dave").has_value());
  auto again = s.delete_user("system", "dave");
  assert_int_equal(static_cast<int>(again.error().code), static_cast<int>(Errc::kNotFound));
}

void test_factors(void** state) {
  Store& s = S(state);
  // insert_factor creates the app and user rows.
  assert_true(s.insert_factor(factor("f_1")).has_value());
  assert_true(s.get_user("system", "alice")->has_value());
  auto dup = s.insert_factor(factor("f_1"));
  assert_int_equal(static_cast<int>(dup.error().code), static_cast<int>(Errc::kAlreadyExists));

  auto got = s.get_factor("f_1");
  assert_true(got->has_value());
  const FactorRecord& g = **got;
  assert_int_equal(g.secret_ct.size(), 4);
  assert_int_equal(g.secret_ct[2], 0xff);
  assert_string_equal(g.params.c_str(), R"({"digits":6})");
  assert_int_equal(g.last_step, -1);
  assert_false(s.get_factor("f_nope")->has_value());

  assert_true(s.activate_factor("f_1", 50, 2000).has_value());
  got = s.get_factor("f_1");
  assert_string_equal(std::string(core::to_string((*got)->status)).c_str(), "active");
  assert_int_equal((*got)->last_step, 50);
  assert_int_equal((*got)->last_used_at_s, 2000);

  // Replay guard (RFC 6238 5.2): equal and smaller steps are refused, larger accepted.
  assert_false(*advance_step(s, "f_1", 50, 2001));
  assert_false(*advance_step(s, "f_1", 49, 2001));
  assert_true(*advance_step(s, "f_1", 51, 2002));
  assert_false(*advance_step(s, "f_1", 51, 2003));
  assert_int_equal((*s.get_factor("f_1"))->last_step, 51);
  auto missing = advance_step(s, "f_nope", 99, 1);
  assert_int_equal(static_cast<int>(missing.error().code), static_cast<int>(Errc::kNotFound));

  assert_true(s.update_factor_params("f_1", R"({"digits":8})").has_value());
  assert_true(s.update_sign_count("f_1", 7, 3000).has_value());
  assert_true(s.touch_factor("f_1", 3100).has_value());
  got = s.get_factor("f_1");
  assert_string_equal((*got)->params.c_str(), R"({"digits":8})");
  assert_int_equal((*got)->sign_count, 7);
  assert_int_equal((*got)->last_used_at_s, 3100);
  assert_int_equal(static_cast<int>(s.touch_factor("f_nope", 1).error().code),
                   static_cast<int>(Errc::kNotFound));

  assert_true(s.insert_factor(factor("f_2")).has_value());
  assert_true(s.insert_factor(factor("f_3")).has_value());
  assert_true(s.insert_factor(factor("f_b", "bob")).has_value());
  assert_int_equal(s.list_factors("system", "alice")->size(), 3);
  assert_true(s.delete_factor("f_2").has_value());
  assert_int_equal(static_cast<int>(s.delete_factor("f_2").error().code),
                   static_cast<int>(Errc::kNotFound));
  assert_int_equal(*s.delete_all_factors("system", "alice"), 2);
  assert_int_equal(s.list_factors("system", "alice")->size(), 0);
  assert_int_equal(s.list_factors("system", "bob")->size(), 1);
}

void test_backup_codes(void** state) {
  Store& s = S(state);
  std::vector<BackupCodeRecord> codes(3);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    codes[i].salt = {static_cast<std::uint8_t>(i), 1, 2, 3};
    codes[i].hash = std::vector<std::uint8_t>(32, static_cast<std::uint8_t>(i));
  }
  assert_true(s.replace_backup_codes("system", "alice", codes).has_value());
  auto unused = s.unused_backup_codes("system", "alice");
  assert_int_equal(unused->size(), 3);
  assert_int_equal((*unused)[1].hash[0], 1);
  const std::int64_t id = (*unused)[0].id;
  assert_true(*use_backup_code(s, id, 100));
  assert_false(*use_backup_code(s, id, 101));  // single use
  assert_int_equal(s.unused_backup_codes("system", "alice")->size(), 2);
  // Regeneration replaces all codes, used or not.
  codes.resize(2);
  assert_true(s.replace_backup_codes("system", "alice", codes).has_value());
  assert_int_equal(s.unused_backup_codes("system", "alice")->size(), 2);
  assert_int_equal(raw_count(F(state).path, "SELECT COUNT(*) FROM backup_codes"), 2);
  assert_false(*use_backup_code(s, id, 102));  // old id is gone
}

void test_challenges(void** state) {
  Store& s = S(state);
  auto c = challenge("ch_1");
  c.code_hash = {9, 9, 9};
  c.events.push_back({5000, "created", ""});
  assert_true(s.insert_challenge(c).has_value());
  assert_int_equal(static_cast<int>(s.insert_challenge(c).error().code),
                   static_cast<int>(Errc::kAlreadyExists));
  assert_true(s.insert_challenge(challenge("ch_2")).has_value());
  auto other = challenge("ch_3", "bob");
  other.purpose = core::ChallengePurpose::kEnroll;
  assert_true(s.insert_challenge(other).has_value());

  // Two failed attempts, each reserved first. An event with an earlier timestamp, recorded
  // later, still sorts first.
  for (std::int64_t at : {6000, 4000}) {
    assert_true(reserve_challenge(s, "ch_1") == ReservationOutcome::kReserved);
    assert_true(s.record_challenge_failure("ch_1", {at, "attempt_failed", ""}, false).has_value());
  }
  assert_true(s.update_challenge_code("ch_1", {7, 7}, 999, {7000, "resent", ""}).has_value());

  auto got = s.get_challenge("ch_1");
  assert_true(got->has_value());
  const ChallengeRecord& g = **got;
  assert_int_equal(g.attempts, 2);
  assert_int_equal(g.expires_at_s, 999);
  assert_int_equal(g.code_hash.size(), 2);
  assert_int_equal(g.events.size(), 4);
  assert_int_equal(g.events[0].at_ms, 4000);
  assert_string_equal(g.events[1].event.c_str(), "created");
  assert_string_equal(g.events[3].event.c_str(), "resent");
  assert_false(s.get_challenge("ch_nope")->has_value());
  assert_int_equal(
      static_cast<int>(s.record_challenge_failure("ch_nope", {1, "x", ""}, false).error().code),
      static_cast<int>(Errc::kNotFound));

  // CAS transition: wrong expected status changes nothing and records no event.
  using core::ChallengeStatus;
  assert_false(*s.transition_challenge("ch_1", ChallengeStatus::kApproved, ChallengeStatus::kDenied,
                                       {8000, "denied", ""}));
  assert_true(*s.transition_challenge("ch_1", ChallengeStatus::kPending, ChallengeStatus::kApproved,
                                      {8001, "approved", ""}));
  assert_false(*s.transition_challenge("ch_1", ChallengeStatus::kPending,
                                       ChallengeStatus::kApproved, {8002, "approved", ""}));
  got = s.get_challenge("ch_1");
  assert_true((*got)->status == ChallengeStatus::kApproved);
  assert_int_equal((*got)->events.size(), 5);

  ChallengeFilter flt;
  flt.app = "system";
  assert_int_equal(s.list_challenges(flt)->size(), 3);
  flt.user = "alice";
  assert_int_equal(s.list_challenges(flt)->size(), 2);
  flt.status = ChallengeStatus::kPending;
  auto pend = s.list_challenges(flt);
  assert_int_equal(pend->size(), 1);
  assert_string_equal((*pend)[0].id.c_str(), "ch_2");
  flt = ChallengeFilter{};
  flt.app = "system";
  flt.purpose = core::ChallengePurpose::kEnroll;
  assert_int_equal(s.list_challenges(flt)->size(), 1);
  flt.purpose.reset();
  flt.limit = 1;
  flt.offset = 2;
  assert_int_equal(s.list_challenges(flt)->size(), 1);

  // ch_2 pending, expires at 400.
  assert_int_equal(*s.count_pending_challenges("system", "alice", 399), 1);
  assert_int_equal(*s.count_pending_challenges("system", "alice", 400), 0);
}

void test_cascade_delete(void** state) {
  Store& s = S(state);
  const std::string& path = F(state).path;
  assert_true(s.insert_factor(factor("f_1")).has_value());
  std::vector<BackupCodeRecord> codes(2);
  for (auto& c : codes) c.salt = c.hash = {1, 2, 3, 4};
  assert_true(s.replace_backup_codes("system", "alice", codes).has_value());
  auto c = challenge("ch_1");
  c.events.push_back({1, "created", ""});
  assert_true(s.insert_challenge(c).has_value());
  assert_true(s.remember_login("system", "alice", "10.0.0.1", "sshd", 900).has_value());
  assert_true(s.mark_rhost_seen("system", "alice", "10.0.0.1", 5).has_value());
  assert_true(s.insert_factor(factor("f_b", "bob")).has_value());
  AuditEvent e;
  e.app = "system";
  e.user = "alice";
  e.event = "mfa.factor_enrolled";
  assert_true(s.append_audit(e).has_value());

  assert_true(s.delete_user("system", "alice").has_value());
  assert_false(s.get_factor("f_1")->has_value());
  assert_false(s.get_challenge("ch_1")->has_value());
  assert_int_equal(s.unused_backup_codes("system", "alice")->size(), 0);
  assert_int_equal(*s.remembered_until("system", "alice", "10.0.0.1", "sshd"), 0);
  assert_false(*s.rhost_seen("system", "alice", "10.0.0.1"));
  assert_int_equal(raw_count(path, "SELECT COUNT(*) FROM challenge_events"), 0);
  assert_int_equal(raw_count(path, "SELECT COUNT(*) FROM backup_codes"), 0);
  // Other users and the audit trail are untouched.
  assert_true(s.get_factor("f_b")->has_value());
  assert_int_equal(raw_count(path, "SELECT COUNT(*) FROM audit_events"), 1);
}

void test_audit(void** state) {
  Store& s = S(state);
  std::int64_t last = 0;
  for (int i = 0; i < 10; ++i) {
    AuditEvent e;
    e.at_ms = 1000 + i;
    e.app = i % 2 ? "web" : "system";
    e.user = i < 5 ? "alice" : "bob";
    e.event = i % 3 ? "user.mfa_failed" : "user.mfa_succeeded";
    e.actor = "system";
    e.remote_addr = "198.51.100." + std::to_string(i);
    e.client_addr = "192.0.2." + std::to_string(i);
    e.detail = R"({"i":)" + std::to_string(i) + "}";
    auto id = s.append_audit(e);
    assert_true(id.has_value());
    assert_true(*id > last);
    last = *id;
  }
  AuditFilter f;
  assert_int_equal(s.query_audit(f)->size(), 10);
  f.app = "web";
  assert_int_equal(s.query_audit(f)->size(), 5);
  f.user = "bob";
  assert_int_equal(s.query_audit(f)->size(), 3);  // i = 5, 7, 9
  f = AuditFilter{};
  f.event = "user.mfa_succeeded";
  assert_int_equal(s.query_audit(f)->size(), 4);  // i = 0, 3, 6, 9
  f = AuditFilter{};
  auto all = s.query_audit(f);
  f.after_id = (*all)[6].id;
  auto tail = s.query_audit(f);
  assert_int_equal(tail->size(), 3);
  assert_int_equal((*tail)[0].id, (*all)[7].id);
  assert_string_equal((*tail)[0].detail.c_str(), R"({"i":7})");
  // Both addresses come back, each in its own column (issue 20).
  assert_string_equal((*tail)[0].remote_addr.c_str(), "198.51.100.7");
  assert_string_equal((*tail)[0].client_addr.c_str(), "192.0.2.7");
  f = AuditFilter{};
  f.since_ms = 1008;
  assert_int_equal(s.query_audit(f)->size(), 2);
  f = AuditFilter{};
  f.limit = 4;
  f.newest_first = true;
  auto newest = s.query_audit(f);
  assert_int_equal(newest->size(), 4);
  assert_int_equal((*newest)[0].id, last);
  // The next page of a newest-first listing: below the last id seen, still newest first.
  f.before_id = newest->back().id;
  auto older = s.query_audit(f);
  assert_int_equal(older->size(), 4);
  assert_int_equal((*older)[0].id, (*all)[5].id);
  assert_int_equal(older->back().id, (*all)[2].id);
  f.before_id = (*all)[1].id;
  assert_int_equal(s.query_audit(f)->size(), 1);  // only the very first event is older
  f.after_id = (*all)[0].id;
  assert_int_equal(s.query_audit(f)->size(), 0);  // both bounds: nothing strictly between
}

void test_lockout(void** state) {
  Store& s = S(state);
  const std::string k = "user:system/alice";
  auto st = s.get_lockout(k);
  assert_int_equal(st->failures, 0);
  assert_int_equal(st->locked_until_s, 0);
  // window 60 s, lock after 3 failures for 300 s
  assert_int_equal(s.record_failure(k, 1000, 60, 3, 300)->failures, 1);
  assert_int_equal(s.record_failure(k, 1030, 60, 3, 300)->failures, 2);
  // The window started at 1000; at 1060 it has expired: count restarts.
  auto r = s.record_failure(k, 1060, 60, 3, 300);
  assert_int_equal(r->failures, 1);
  assert_int_equal(r->window_start_s, 1060);
  assert_int_equal(r->locked_until_s, 0);
  assert_int_equal(s.record_failure(k, 1061, 60, 3, 300)->failures, 2);
  r = s.record_failure(k, 1062, 60, 3, 300);
  assert_int_equal(r->failures, 3);
  assert_int_equal(r->locked_until_s, 1362);
  // Survives a reopen (counters live in the store, not in memory).
  F(state).store.reset();
  F(state).store = open_or_die(F(state).path);
  r = F(state).store->get_lockout(k);
  assert_int_equal(r->failures, 3);
  assert_int_equal(r->locked_until_s, 1362);
  assert_int_equal(F(state).store->get_lockout("rhost:system/10.0.0.1")->failures, 0);
  assert_true(F(state).store->clear_lockout(k).has_value());
  assert_int_equal(F(state).store->get_lockout(k)->failures, 0);
}

// reserve_attempt: the conditional increments a guess takes before its code is compared.
AttemptReservation reservation(std::vector<std::string> keys, std::int64_t now_s,
                               const std::string& challenge_id = {}) {
  AttemptReservation r;
  r.lockout_keys = std::move(keys);
  r.max_failures = 3;
  r.window_s = 60;
  r.lock_s = 300;
  r.challenge_id = challenge_id;
  r.now_s = now_s;
  return r;
}

void test_attempt_reservations(void** state) {
  Store& s = S(state);
  const std::string u = "user:system/alice";
  const std::string h = "rhost:system/10.0.0.1";
  for (std::int64_t n = 1; n <= 3; ++n) {
    auto r = s.reserve_attempt(reservation({u, h}, 1000));
    assert_true(r->outcome == ReservationOutcome::kReserved);
    assert_int_equal(r->lockouts.size(), 2);
    assert_int_equal(r->lockouts[0].failures, n);
    assert_int_equal(r->lockouts[1].window_start_s, 1000);
    // The attempt that takes the last one carries the lock it sets if it fails.
    assert_int_equal(r->lockouts[1].locked_until_s, n == 3 ? 1300 : 0);
  }
  // At the limit: refused, nothing taken, and the wait is the lock's.
  auto r = s.reserve_attempt(reservation({u, h}, 1010));
  assert_true(r->outcome == ReservationOutcome::kLocked);
  assert_int_equal(r->retry_after_s, 290);
  assert_int_equal(s.get_lockout(u)->failures, 3);
  assert_int_equal(s.get_lockout(h)->failures, 3);

  // Giving one back lifts the lock that attempt set; a release from an older window is a
  // no-op (that window already forgot its attempts).
  AttemptRelease back;
  back.lockouts = {LockoutState{u, 0, 1000, 0}, LockoutState{h, 0, 999, 0}};
  back.max_failures = 3;
  assert_true(s.release_attempt(back).has_value());
  assert_int_equal(s.get_lockout(u)->failures, 2);
  assert_int_equal(s.get_lockout(u)->locked_until_s, 0);
  assert_int_equal(s.get_lockout(h)->failures, 3);
  assert_int_equal(s.get_lockout(h)->locked_until_s, 1300);

  // All or nothing: the address is locked, so the fresh user counter is not touched either.
  const std::string bob = "user:system/bob";
  r = s.reserve_attempt(reservation({bob, h}, 1020));
  assert_true(r->outcome == ReservationOutcome::kLocked);
  assert_int_equal(s.get_lockout(bob)->failures, 0);

  // After the lock and the window: the count restarts.
  r = s.reserve_attempt(reservation({u, h}, 1300));
  assert_true(r->outcome == ReservationOutcome::kReserved);
  assert_int_equal(r->lockouts[1].failures, 1);
  assert_int_equal(r->lockouts[1].window_start_s, 1300);

  // A challenge's attempts: taken with the counters, refused past max_attempts (then no
  // counter moves), and not at all once it is no longer pending.
  auto c = challenge("ch_r");
  c.max_attempts = 1;
  assert_true(s.insert_challenge(c).has_value());
  r = s.reserve_attempt(reservation({bob}, 1300, "ch_r"));
  assert_true(r->outcome == ReservationOutcome::kReserved);
  r = s.reserve_attempt(reservation({bob}, 1300, "ch_r"));
  assert_true(r->outcome == ReservationOutcome::kChallengeClosed);
  assert_int_equal(s.get_lockout(bob)->failures, 1);
  assert_int_equal((*s.get_challenge("ch_r"))->attempts, 1);
  assert_true(s.record_challenge_failure("ch_r", {1, "attempt_failed", ""}, false).has_value());
  auto closed = s.get_challenge("ch_r");
  assert_string_equal(std::string(core::to_string((*closed)->status)).c_str(),
                      "failed");  // its attempts are used up
  assert_string_equal((*closed)->events.back().event.c_str(), "failed");
  assert_true(reserve_challenge(s, "ch_nope") == ReservationOutcome::kChallengeClosed);
}

// The success gives its reservation back in the verification's own transaction: the user's
// failures are forgotten, the address gets its slot back, the challenge's attempt is not
// counted as a failure.
void test_commit_releases_the_reservation(void** state) {
  Store& s = S(state);
  const std::string u = "user:system/alice";
  const std::string h = "rhost:system/10.0.0.1";
  assert_true(s.insert_challenge(challenge("ch_ok")).has_value());
  assert_true(s.reserve_attempt(reservation({u, h}, 100))->outcome ==
              ReservationOutcome::kReserved);  // an earlier failure
  auto r = s.reserve_attempt(reservation({u, h}, 100, "ch_ok"));
  assert_true(r->outcome == ReservationOutcome::kReserved);
  VerificationCommit c;
  c.now_s = 100;
  c.app = "system";
  c.user = "alice";
  c.challenge_id = "ch_ok";
  c.challenge_event = {1, "approved", ""};
  c.clear_lockout_key = u;
  c.release.lockouts = {r->lockouts[1]};
  c.release.max_failures = 3;
  c.release.challenge_id = "ch_ok";
  assert_true(*s.commit_verification(c, nullptr) == VerificationOutcome::kCommitted);
  assert_int_equal(s.get_lockout(u)->failures, 0);
  assert_int_equal(s.get_lockout(h)->failures, 1);
  // A success without earlier failures leaves no counter behind.
  assert_true(s.clear_lockout(h).has_value());
  r = s.reserve_attempt(reservation({h}, 100));
  c = VerificationCommit{};
  c.now_s = 100;
  c.release.lockouts = {r->lockouts[0]};
  c.release.max_failures = 3;
  assert_true(*s.commit_verification(c, nullptr) == VerificationOutcome::kCommitted);
  assert_int_equal(raw_count(F(state).path, "SELECT COUNT(*) FROM lockouts"), 0);
  auto got = s.get_challenge("ch_ok");
  assert_string_equal(std::string(core::to_string((*got)->status)).c_str(), "approved");
  assert_int_equal((*got)->attempts, 0);
}

// Many threads on two connections (two hosts sharing the file) reserving at once: exactly the
// limit's worth succeed, for the counters and for a challenge's attempts alike.
void test_concurrent_reservations(void** state) {
  auto& f = F(state);
  auto second = open_or_die(f.path);
  constexpr int kThreads = 8;
  constexpr int kTries = 20;
  constexpr std::int64_t kLimit = 25;
  constexpr std::int64_t kChallengeAttempts = 7;
  auto c = challenge("ch_c");
  c.max_attempts = kChallengeAttempts;
  assert_true(f.store->insert_challenge(c).has_value());

  std::atomic<int> reserved{0}, locked{0}, challenge_reserved{0}, closed{0}, errors{0};
  auto worker = [&](Store* st) {
    for (int i = 0; i < kTries; ++i) {
      AttemptReservation r = reservation({"user:system/carol", "rhost:system/h"}, 1000);
      r.max_failures = kLimit;
      auto got = st->reserve_attempt(r);
      if (!got)
        ++errors;
      else if (got->outcome == ReservationOutcome::kReserved)
        ++reserved;
      else if (got->outcome == ReservationOutcome::kLocked)
        ++locked;
      AttemptReservation rc = reservation({}, 1000, "ch_c");
      auto gc = st->reserve_attempt(rc);
      if (!gc)
        ++errors;
      else if (gc->outcome == ReservationOutcome::kReserved)
        ++challenge_reserved;
      else if (gc->outcome == ReservationOutcome::kChallengeClosed)
        ++closed;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(worker, t % 2 ? second.get() : f.store.get());
  for (auto& t : threads) t.join();
  assert_int_equal(errors.load(), 0);
  assert_int_equal(reserved.load(), kLimit);
  assert_int_equal(locked.load(), kThreads * kTries - kLimit);
  assert_int_equal(f.store->get_lockout("user:system/carol")->failures, kLimit);
  assert_int_equal(f.store->get_lockout("rhost:system/h")->failures, kLimit);
  assert_int_equal(challenge_reserved.load(), kChallengeAttempts);
  assert_int_equal(closed.load(), kThreads * kTries - kChallengeAttempts);
  assert_int_equal((*f.store->get_challenge("ch_c"))->attempts, kChallengeAttempts);
}

void test_remember_and_rhosts(void** state) {
  Store& s = S(state);
  assert_int_equal(*s.remembered_until("system", "alice", "h", "sshd"), 0);
  assert_true(s.remember_login("system", "alice", "h", "sshd", 500).has_value());
  assert_true(s.remember_login("system", "alice", "h", "sshd", 800).has_value());
  assert_int_equal(*s.remembered_until("system", "alice", "h", "sshd"), 800);
  assert_int_equal(*s.remembered_until("system", "alice", "h", "sudo"), 0);
  assert_false(*s.rhost_seen("system", "alice", "h"));
  assert_true(s.mark_rhost_seen("system", "alice", "h", 10).has_value());
  assert_true(s.mark_rhost_seen("system", "alice", "h", 20).has_value());
  assert_true(*s.rhost_seen("system", "alice", "h"));
  assert_false(*s.rhost_seen("system", "bob", "h"));
}

void test_api_keys(void** state) {
  Store& s = S(state);
  ApiKeyRecord k;
  k.id = "k_1";
  k.app = "web";
  k.name = "frontend";
  k.hash = std::vector<std::uint8_t>(32, 0xab);
  k.scopes = {"verify", "enroll"};
  k.created_at_s = 10;
  assert_true(s.insert_api_key(k).has_value());
  assert_int_equal(static_cast<int>(s.insert_api_key(k).error().code),
                   static_cast<int>(Errc::kAlreadyExists));
  k.id = "k_2";
  k.scopes = {"admin"};
  assert_true(s.insert_api_key(k).has_value());
  k.scopes = {"bad scope"};
  k.id = "k_3";
  assert_int_equal(static_cast<int>(s.insert_api_key(k).error().code),
                   static_cast<int>(Errc::kInvalidArgument));

  auto got = s.get_api_key("k_1");
  assert_true(got->has_value());
  assert_int_equal((*got)->scopes.size(), 2);
  assert_string_equal((*got)->scopes[1].c_str(), "enroll");
  assert_false((*got)->revoked_at_s.has_value());
  assert_int_equal(s.list_api_keys("web")->size(), 2);
  assert_int_equal(s.list_api_keys("other")->size(), 0);
  assert_true(*s.revoke_api_key("k_1", 50));
  assert_false(*s.revoke_api_key("k_1", 60));  // CAS: first revocation time kept
  assert_int_equal(*(*s.get_api_key("k_1"))->revoked_at_s, 50);
  assert_true(s.touch_api_key("k_2", 70).has_value());
  assert_int_equal((*s.get_api_key("k_2"))->last_used_at_s, 70);
  assert_false(*s.revoke_api_key("k_nope", 1));
}

// Two connections (as two mfad processes sharing the file would have) race to consume the
// same backup codes and advance the same TOTP steps: each code and each step is won once.
void test_concurrent_single_use(void** state) {
  auto& f = F(state);
  constexpr int kCodes = 40;
  std::vector<BackupCodeRecord> codes(kCodes);
  for (auto& c : codes) c.salt = c.hash = {1, 2, 3, 4};
  assert_true(f.store->replace_backup_codes("system", "alice", codes).has_value());
  assert_true(f.store->insert_factor(factor("f_1")).has_value());
  auto ids = f.store->unused_backup_codes("system", "alice");
  assert_int_equal(ids->size(), kCodes);

  auto second = open_or_die(f.path);
  std::atomic<int> wins{0};
  std::atomic<int> step_wins{0};
  std::atomic<int> errors{0};
  auto worker = [&](Store* st) {
    for (const auto& c : *ids) {
      auto r = use_backup_code(*st, c.id, 1);
      if (!r)
        ++errors;
      else if (*r)
        ++wins;
      auto t = advance_step(*st, "f_1", c.id, 1);
      if (!t)
        ++errors;
      else if (*t)
        ++step_wins;
    }
  };
  // Two threads per connection as well: the per-connection mutex is exercised too.
  std::thread a(worker, f.store.get()), b(worker, second.get()), c(worker, f.store.get()),
      d(worker, second.get());
  a.join();
  b.join();
  c.join();
  d.join();
  assert_int_equal(errors.load(), 0);
  assert_int_equal(wins.load(), kCodes);
  assert_true(step_wins.load() <= kCodes);
  assert_true(step_wins.load() >= 1);
  assert_int_equal(f.store->unused_backup_codes("system", "alice")->size(), 0);
  assert_int_equal((*f.store->get_factor("f_1"))->last_step, (*ids)[kCodes - 1].id);
}

// Schema v2: a credential id (webauthn or fido2, any user) is registered once. Two connections
// race to register the same ids (as an insert and as an activation's params update): each id
// is won exactly once and the loser gets kAlreadyExists. A v1 database holding a credential is
// migrated with the id indexed.
void test_unique_credential_ids(void** state) {
  auto& f = F(state);
  auto cred = [](const std::string& id, const std::string& user, const std::string& type,
                 const std::string& cred_id) {
    FactorRecord r = factor(id, user);
    r.type = *core::parse_factor_type(type);
    r.params = cred_id.empty() ? R"({"user_handle":"h"})"
                               : R"({"credential_id":")" + cred_id + R"(","alg":-7})";
    return r;
  };
  // Pending passkeys have no credential yet: any number of them coexist.
  assert_true(f.store->insert_factor(cred("f_p1", "alice", "webauthn", "")).has_value());
  assert_true(f.store->insert_factor(cred("f_p2", "bob", "webauthn", "")).has_value());
  // Other factor types are not constrained even with the same key in params.
  assert_true(f.store->insert_factor(cred("f_t1", "alice", "totp", "Zm9v")).has_value());
  assert_true(f.store->insert_factor(cred("f_t2", "bob", "totp", "Zm9v")).has_value());

  constexpr int kRounds = 30;
  auto second = open_or_die(f.path);
  std::atomic<int> wins{0};
  std::atomic<int> dups{0};
  std::atomic<int> errors{0};
  auto count = [&](const Status& r) {
    if (r)
      ++wins;
    else if (r.error().code == Errc::kAlreadyExists)
      ++dups;
    else
      ++errors;
  };
  auto worker = [&](Store* st, const std::string& user, const std::string& type) {
    for (int i = 0; i < kRounds; ++i) {
      const std::string cid = "cred" + std::to_string(i);
      count(st->insert_factor(cred("f_" + type + user + std::to_string(i), user, type, cid)));
      // The activation path: params of a pending passkey gain the credential id.
      const std::string pid = "f_pend" + type + user + std::to_string(i);
      if (!st->insert_factor(cred(pid, user, "webauthn", "")))
        ++errors;
      else
        count(st->update_factor_params(pid, R"({"credential_id":"up)" + cid + R"("})"));
    }
  };
  std::thread a(worker, f.store.get(), "alice", "webauthn"),
      b(worker, second.get(), "bob", "fido2");
  a.join();
  b.join();
  assert_int_equal(errors.load(), 0);
  assert_int_equal(wins.load(), 2 * kRounds);
  assert_int_equal(dups.load(), 2 * kRounds);
  assert_int_equal(raw_count(f.path, "SELECT COUNT(DISTINCT credential_id) FROM factors"),
                   2 * kRounds);
  assert_int_equal(raw_count(f.path, "SELECT COUNT(credential_id) FROM factors"), 2 * kRounds);
  // The lookup sees webauthn credentials through the index.
  auto found = f.store->find_webauthn_credential("upcred0");
  assert_true(found.has_value() && found->has_value());
  // Deleting the factor frees its credential id.
  const std::string owner = (**found).id;
  assert_true(f.store->delete_factor(owner).has_value());
  assert_true(f.store->insert_factor(cred("f_again", "carol", "fido2", "upcred0")).has_value());

  // Back to a v1 database holding one credential: the migration indexes it.
  second.reset();
  f.store.reset();
  sqlite3* db = nullptr;
  assert_int_equal(sqlite3_open(f.path.c_str(), &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "DELETE FROM factors; DROP INDEX factors_by_credential_id; "
                                "DROP TABLE passkey_logins; "
                                "ALTER TABLE challenges DROP COLUMN tty; "
                                "ALTER TABLE audit_events DROP COLUMN client_addr; "
                                "ALTER TABLE factors DROP COLUMN credential_id; "
                                "INSERT INTO factors(id, app, user, type, status, secret_ct, "
                                "params, created_at_s) VALUES ('f_old', 'system', 'alice', "
                                "'webauthn', 'active', x'', '{\"credential_id\":\"b2xk\"}', 1); "
                                "PRAGMA user_version = 1;",
                                nullptr, nullptr, nullptr),
                   SQLITE_OK);
  sqlite3_close(db);
  f.store = open_or_die(f.path);
  assert_int_equal(*f.store->schema_version(), 5);
  auto old = f.store->find_webauthn_credential("b2xk");
  assert_true(old.has_value() && old->has_value());
  assert_string_equal((**old).id.c_str(), "f_old");
  auto dup = f.store->insert_factor(cred("f_new", "bob", "fido2", "b2xk"));
  assert_false(dup.has_value());
  assert_int_equal(static_cast<int>(dup.error().code), static_cast<int>(Errc::kAlreadyExists));
}

// Usernameless passkey login challenges (schema v3): taken once, only by their app, only
// before expiry.
void test_passkey_logins(void** state) {
  Store& s = S(state);
  assert_true(s.ensure_app("shop", 100).has_value());
  assert_true(s.insert_passkey_login("shop", "pl_1", "Y2hhbA", 100, 400).has_value());
  assert_true(s.insert_passkey_login("shop", "pl_2", "b3RoZXI", 100, 400).has_value());
  auto dup = s.insert_passkey_login("shop", "pl_1", "eA", 100, 400);
  assert_int_equal(static_cast<int>(dup.error().code), static_cast<int>(Errc::kAlreadyExists));
  assert_false(s.take_passkey_login("blog", "pl_1", 200)->has_value());  // another app
  auto t = s.take_passkey_login("shop", "pl_1", 200);
  assert_true(t.has_value() && t->has_value());
  assert_string_equal((*t)->c_str(), "Y2hhbA");
  assert_false(s.take_passkey_login("shop", "pl_1", 200)->has_value());  // used
  assert_false(s.take_passkey_login("shop", "pl_2", 400)->has_value());  // expired
  assert_false(s.take_passkey_login("shop", "pl_nope", 200)->has_value());
}

// Another process holding the write lock past busy_timeout: kBusy, not kStorage, and the store
// works again once the lock is released. (Waits limits::kSqliteBusyTimeoutMs.)
// Issue 11: rows are read through store_enums.h. A type, status, purpose or method outside
// its table (written by something else, or a newer version) is kInternal, never a default.
void test_unknown_stored_values_refused(void** state) {
  auto& f = F(state);
  assert_true(f.store->insert_factor(factor("f_1")).has_value());
  assert_true(f.store->insert_challenge(challenge("ch_1")).has_value());
  assert_true(f.store->get_factor("f_1").has_value());
  const auto expect_internal = [](const auto& r) {
    assert_false(r.has_value());
    assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kInternal));
  };
  const struct {
    const char* sql;
    bool factor;  // the factor row is the damaged one, else the challenge row
  } damages[] = {
      {"UPDATE factors SET type = 'yubikey'", true},
      {"UPDATE factors SET type = 'totp', status = 'on'", true},
      {"UPDATE factors SET status = 'pending'; UPDATE challenges SET status = 'done'", false},
      {"UPDATE challenges SET status = 'pending', purpose = 'Login'", false},
      {"UPDATE challenges SET purpose = 'login', method = ''", false},
  };
  for (const auto& d : damages) {
    sqlite3* db = nullptr;
    assert_int_equal(sqlite3_open(f.path.c_str(), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, d.sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    if (d.factor) {
      expect_internal(f.store->get_factor("f_1"));
      expect_internal(f.store->list_factors("system", "alice"));
      continue;
    }
    assert_true(f.store->get_factor("f_1").has_value());
    expect_internal(f.store->get_challenge("ch_1"));
    ChallengeFilter flt;
    flt.app = "system";
    expect_internal(f.store->list_challenges(flt));
  }
}

void test_busy_maps_to_kbusy(void** state) {
  auto& f = F(state);
  sqlite3* other = nullptr;
  assert_int_equal(sqlite3_open(f.path.c_str(), &other), SQLITE_OK);
  assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  AuditEvent e;
  e.app = "system";
  e.event = "x";
  auto r = f.store->append_audit(e);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kBusy));
  // Reads are not blocked by a writer in WAL mode.
  assert_true(f.store->list_apps().has_value());
  assert_int_equal(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  assert_true(f.store->append_audit(e).has_value());
}

void test_memory_store(void**) {
  auto r = open_sqlite_store("");
  assert_true(r.has_value());
  assert_true((*r)->insert_factor(factor("f_1")).has_value());
  assert_true((*(*r)->get_factor("f_1")).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open_migrate_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
      cmocka_unit_test_setup_teardown(test_users, setup, teardown),
      cmocka_unit_test_setup_teardown(test_factors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_backup_codes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_challenges, setup, teardown),
      cmocka_unit_test_setup_teardown(test_commit_verification, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cascade_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_attempt_reservations, setup, teardown),
      cmocka_unit_test_setup_teardown(test_commit_releases_the_reservation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_concurrent_reservations, setup, teardown),
      cmocka_unit_test_setup_teardown(test_remember_and_rhosts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_api_keys, setup, teardown),
      cmocka_unit_test_setup_teardown(test_concurrent_single_use, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_stored_values_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_busy_maps_to_kbusy, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unique_credential_ids, setup, teardown),
      cmocka_unit_test_setup_teardown(test_passkey_logins, setup, teardown),
      cmocka_unit_test(test_memory_store),
  };
  return cmocka_run_group_tests_name("sqlite_store", tests, nullptr, nullptr);
}
