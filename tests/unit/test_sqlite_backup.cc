// sqlite_backup: what the integration test cannot reach cheaply. A schema version newer than
// this build (or 0) is refused by the restore check; a dest that appears is never overwritten
// without force; a failed restore leaves the database as it was.
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/core/store/sqlite_backup.h"
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

std::string make_dir() {
  char tmpl[] = "/tmp/mfa-backup-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  return tmpl;
}

void make_store(const std::string& path) {
  auto s = open_sqlite_store(path);
  assert_true(static_cast<bool>(s));
}

void set_user_version(const std::string& path, int v) {
  sqlite3* db = nullptr;
  assert_int_equal(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string sql = "PRAGMA user_version=" + std::to_string(v);
  assert_int_equal(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

void test_backup_then_check(void**) {
  const std::string dir = make_dir();
  make_store(dir + "/mfad.db");
  auto v = backup_sqlite_file(dir + "/mfad.db", dir + "/b.db", false);
  assert_true(static_cast<bool>(v));
  assert_true(*v >= 1);
  struct stat st {};
  assert_int_equal(::stat((dir + "/b.db").c_str(), &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  auto again = backup_sqlite_file(dir + "/mfad.db", dir + "/b.db", false);
  assert_false(static_cast<bool>(again));
  assert_int_equal(static_cast<int>(again.error().code), static_cast<int>(Errc::kAlreadyExists));
  assert_true(static_cast<bool>(backup_sqlite_file(dir + "/mfad.db", dir + "/b.db", true)));
  // No temp file is left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files += e.path().filename().string().find(".tmp.") == std::string::npos ? 0 : 1;
  }
  assert_int_equal(files, 0);
  std::filesystem::remove_all(dir);
}

void test_unknown_schema_versions_refused(void**) {
  const std::string dir = make_dir();
  make_store(dir + "/mfad.db");
  make_store(dir + "/target.db");
  std::ifstream in(dir + "/target.db", std::ios::binary);
  const std::string before((std::istreambuf_iterator<char>(in)), {});
  for (int v : {0, 9999}) {
    assert_true(static_cast<bool>(backup_sqlite_file(dir + "/mfad.db", dir + "/b.db", true)));
    set_user_version(dir + "/b.db", v);
    auto c = check_mfad_database(dir + "/b.db");
    assert_false(static_cast<bool>(c));
    assert_non_null(std::strstr(c.error().context.c_str(), "schema version"));
    assert_false(static_cast<bool>(restore_sqlite_file(dir + "/b.db", dir + "/target.db")));
  }
  std::ifstream after_in(dir + "/target.db", std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(after_in)), {});
  assert_true(before == after);
  assert_false(std::filesystem::exists(dir + "/target.db.before-restore"));
  std::filesystem::remove_all(dir);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backup_then_check),
      cmocka_unit_test(test_unknown_schema_versions_refused),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
