// Key file loader (key_file.h): creation with mode 0400 and 32 random bytes, stable reload,
// and refusal of loose modes, wrong sizes, symlinks, non-regular files and foreign owners.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/core/crypto/key_file.h"
#include "tests/support/temp_dir.h"

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

using mfa::testing::temp_dir_setup;
using mfa::testing::temp_dir_teardown;
const std::string& D(void** state) {
  return mfa::testing::temp_dir(state);
}

void write_file(const std::string& path, std::size_t n, mode_t mode) {
  std::ofstream(path) << std::string(n, 'k');
  assert_int_equal(chmod(path.c_str(), mode), 0);
}

void assert_config_error(const Result<SecretBuffer>& r, const char* needle) {
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kConfigInvalid));
  if (std::strstr(r.error().context.c_str(), needle) == nullptr) {
    fail_msg("error '%s' does not mention '%s'", r.error().context.c_str(), needle);
  }
}

void test_create_then_reload(void** state) {
  const std::string path = D(state) + "/secret.key";
  auto k1 = load_or_create_key_file(path);
  assert_true(k1.has_value());
  assert_int_equal(k1->size(), 32);
  struct stat sb {};
  assert_int_equal(lstat(path.c_str(), &sb), 0);
  assert_true(S_ISREG(sb.st_mode));
  assert_int_equal(sb.st_mode & 07777, 0400);
  assert_int_equal(sb.st_size, 32);
  assert_int_equal(sb.st_uid, geteuid());
  // Not all zero (it came from the CSPRNG).
  bool nonzero = false;
  for (auto b : k1->span()) nonzero |= b != 0;
  assert_true(nonzero);

  auto k2 = load_or_create_key_file(path);
  assert_true(k2.has_value());
  assert_true(ct_equal(*k1, *k2));

  // 0600 is accepted too.
  assert_int_equal(chmod(path.c_str(), 0600), 0);
  assert_true(load_or_create_key_file(path).has_value());
}

void test_refuse_loose_mode(void** state) {
  const std::string path = D(state) + "/secret.key";
  write_file(path, 32, 0644);
  auto r = load_or_create_key_file(path);
  assert_config_error(r, "has mode 0644; it must be 0400 or 0600");
  assert_config_error(r, path.c_str());
  assert_int_equal(chmod(path.c_str(), 0440), 0);
  assert_config_error(load_or_create_key_file(path), "mode 0440");
  assert_int_equal(chmod(path.c_str(), 0401), 0);
  assert_config_error(load_or_create_key_file(path), "mode 0401");
}

void test_refuse_wrong_size(void** state) {
  const std::string path = D(state) + "/secret.key";
  write_file(path, 31, 0400);
  assert_config_error(load_or_create_key_file(path), "31 bytes");
  const std::string big = D(state) + "/big.key";
  write_file(big, 33, 0600);
  assert_config_error(load_or_create_key_file(big), "33 bytes");
  const std::string empty = D(state) + "/empty.key";
  write_file(empty, 0, 0600);
  assert_config_error(load_or_create_key_file(empty), "0 bytes");
}

void test_refuse_symlink(void** state) {
  const std::string target = D(state) + "/real.key";
  write_file(target, 32, 0400);
  const std::string link = D(state) + "/link.key";
  assert_int_equal(symlink(target.c_str(), link.c_str()), 0);
  assert_config_error(load_or_create_key_file(link), "symbolic link");
  // A dangling symlink is not followed to create a key at its target either.
  const std::string dangling = D(state) + "/dangling.key";
  const std::string nowhere = D(state) + "/nowhere.key";
  assert_int_equal(symlink(nowhere.c_str(), dangling.c_str()), 0);
  assert_false(load_or_create_key_file(dangling).has_value());
  struct stat sb {};
  assert_int_equal(lstat(nowhere.c_str(), &sb), -1);
}

void test_refuse_directory_and_owner(void** state) {
  const std::string dir = D(state) + "/adir";
  assert_int_equal(mkdir(dir.c_str(), 0700), 0);
  assert_config_error(load_or_create_key_file(dir), "not a regular file");
  if (geteuid() == 0) {
    const std::string path = D(state) + "/foreign.key";
    write_file(path, 32, 0400);
    assert_int_equal(chown(path.c_str(), 1, 1), 0);
    assert_config_error(load_or_create_key_file(path), "owned by uid 1");
  }
}

void test_missing_directory(void** state) {
  auto r = load_or_create_key_file(D(state) + "/no/such/dir/secret.key");
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kConfigInvalid));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create_then_reload, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_refuse_loose_mode, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_refuse_wrong_size, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_refuse_symlink, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_refuse_directory_and_owner, temp_dir_setup,
                                      temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_missing_directory, temp_dir_setup, temp_dir_teardown),
  };
  return cmocka_run_group_tests_name("key_file", tests, nullptr, nullptr);
}
