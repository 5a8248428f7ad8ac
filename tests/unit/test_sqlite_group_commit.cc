// Group commit in the SQLite Store (sqlite_store.cc, run_write): many threads writing at once
// share transactions, yet each call keeps its own outcome — a failing write (a duplicate id)
// fails alone and does not take the batch's other writes with it — and every call that
// returned success is already visible to an independent connection (it returned after the
// COMMIT that contains it).
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
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

constexpr int kThreads = 8;
constexpr int kRounds = 40;

long long raw_count(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  long long n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return n;
}

FactorRecord factor(const std::string& id) {
  FactorRecord f;
  f.id = id;
  f.app = "system";
  f.user = "alice";
  f.type = core::FactorType::kTotp;
  f.label = "phone";
  f.status = core::FactorStatus::kPending;
  f.secret_ct = {0x01, 0x02};
  f.params = R"({"digits":6})";
  f.created_at_s = 1000;
  return f;
}

void test_mixed_batches(void**) {
  char tmpl[] = "/tmp/mfa-gc-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  const std::string dir = tmpl, path = dir + "/mfa.db";
  std::unique_ptr<Store> store;
  {
    auto r = open_sqlite_store(path);
    assert_true(r.has_value());
    store = std::move(*r);
  }
  std::atomic<int> dup_wins{0}, dup_exists{0}, unique_ok{0}, audit_ok{0}, not_visible{0},
      other_errors{0};
  auto worker = [&](int t) {
    sqlite3* check = nullptr;
    if (sqlite3_open_v2(path.c_str(), &check, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ++other_errors;
      return;
    }
    for (int k = 0; k < kRounds; ++k) {
      // Every thread races for the same id each round: exactly one insert may win per id.
      auto d = store->insert_factor(factor("f_dup_" + std::to_string(k)));
      if (d) {
        ++dup_wins;
      } else if (d.error().code == Errc::kAlreadyExists) {
        ++dup_exists;
      } else {
        ++other_errors;
      }
      const std::string id = "f_" + std::to_string(t) + "_" + std::to_string(k);
      if (store->insert_factor(factor(id))) {
        ++unique_ok;
        if (raw_count(check, "SELECT count(*) FROM factors WHERE id = '" + id + "'") != 1) {
          ++not_visible;
        }
      } else {
        ++other_errors;
      }
      AuditEvent e;
      e.app = "system";
      e.user = "alice";
      e.event = "test.gc";
      auto a = store->append_audit(e);
      if (a) {
        ++audit_ok;
        if (raw_count(check,
                      "SELECT count(*) FROM audit_events WHERE id = " + std::to_string(*a)) != 1) {
          ++not_visible;
        }
      } else {
        ++other_errors;
      }
    }
    sqlite3_close(check);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (auto& th : threads) th.join();

  assert_int_equal(other_errors.load(), 0);
  assert_int_equal(not_visible.load(), 0);
  assert_int_equal(dup_wins.load(), kRounds);
  assert_int_equal(dup_exists.load(), kRounds * (kThreads - 1));
  assert_int_equal(unique_ok.load(), kRounds * kThreads);
  assert_int_equal(audit_ok.load(), kRounds * kThreads);
  sqlite3* db = nullptr;
  assert_int_equal(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  assert_int_equal(raw_count(db, "SELECT count(*) FROM factors"), kRounds * (kThreads + 1));
  assert_int_equal(raw_count(db, "SELECT count(*) FROM audit_events WHERE event = 'test.gc'"),
                   kRounds * kThreads);
  sqlite3_close(db);
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mixed_batches),
  };
  return cmocka_run_group_tests_name("sqlite_group_commit", tests, nullptr, nullptr);
}
