// The bounded file reader (bounded_file.h): a size cap checked on the descriptor and while
// reading, refusal of what is not a regular file (directory, FIFO) and of symbolic links where
// asked, empty and exactly-at-cap files, and no unwiped copy of a secret file in freed memory.
#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <string>

#include "daemon/core/base/bounded_file.h"
#include "daemon/src/delivery/delivery_pool.h"
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

// Every heap block freed while `g_watch` is set is searched for kMarker: a block that still
// holds it was freed without being wiped. (Replacing the global operator new/delete is this
// binary's own affair: one test file, one binary.)
namespace {
constexpr char kMarker[] = "MARKER-5e1f0c-this-is-the-secret-text";
std::atomic<bool> g_watch{false};
std::atomic<int> g_unwiped{0};

void scan_freed(void* p, std::size_t n) noexcept {
  if (g_watch.load() && p != nullptr && n >= sizeof kMarker - 1 &&
      memmem(p, n, kMarker, sizeof kMarker - 1) != nullptr) {
    ++g_unwiped;
  }
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  if (p != nullptr) scan_freed(p, malloc_usable_size(p));
  std::free(p);
}
void operator delete(void* p, std::size_t n) noexcept {
  scan_freed(p, n);
  std::free(p);
}

namespace {

using mfa::testing::temp_dir_setup;
using mfa::testing::temp_dir_teardown;
const std::string& D(void** state) {
  return mfa::testing::temp_dir(state);
}

// Written with write(2) from the caller's bytes: no heap copy of the content.
void write_file(const std::string& path, const char* data, std::size_t n) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(::write(fd, data, n), static_cast<ssize_t>(n));
  assert_int_equal(::close(fd), 0);
}

void write_file(const std::string& path, std::size_t n, char c = 'x') {
  const std::string s(n, c);
  write_file(path, s.data(), s.size());
}

template <class T>
void assert_error(const Result<T>& r, const char* needle, Errc code = Errc::kConfigInvalid) {
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(code));
  if (std::strstr(r.error().context.c_str(), needle) == nullptr) {
    fail_msg("error '%s' does not mention '%s'", r.error().context.c_str(), needle);
  }
}

FileReadRules rules(std::size_t max, bool follow = true) {
  return FileReadRules{.max_bytes = max, .follow_symlinks = follow, .what = "test file"};
}

void test_exactly_at_cap_and_one_past(void** state) {
  const std::string at = D(state) + "/at", past = D(state) + "/past";
  write_file(at, 100, 'a');
  write_file(past, 101, 'p');
  auto s = read_bounded_file(at, rules(100));
  assert_true(s.has_value());
  assert_int_equal(s->size(), 100);
  assert_true(*s == std::string(100, 'a'));
  auto k = read_bounded_secret_file(at, rules(100));
  assert_true(k.has_value());
  assert_int_equal(k->size(), 100);
  assert_true(k->view() == std::string(100, 'a'));

  assert_error(read_bounded_file(past, rules(100)), "is larger than 100 bytes");
  assert_error(read_bounded_secret_file(past, rules(100)), "is larger than 100 bytes");
  // The path and the file's role are named.
  assert_error(read_bounded_file(past, rules(100)), (past + ": test file").c_str());
}

void test_much_too_large(void** state) {
  const std::string path = D(state) + "/big";
  write_file(path, 1 << 20);
  assert_error(read_bounded_file(path, rules(4096)), "larger than 4096");
  assert_error(read_bounded_secret_file(path, rules(4096)), "larger than 4096");
}

// A file whose st_size says nothing (procfs reports 0) is still capped while reading: the
// cap + 1 rule, not the fstat, is what bounds the read (and catches a file that grew).
void test_cap_holds_when_size_lies(void**) {
  struct stat sb {};
  assert_int_equal(stat("/proc/self/status", &sb), 0);
  assert_int_equal(sb.st_size, 0);
  assert_error(read_bounded_file("/proc/self/status", rules(10)), "larger than 10 bytes");
  assert_error(read_bounded_secret_file("/proc/self/status", rules(10)), "larger than 10 bytes");
  auto all = read_bounded_file("/proc/self/status", rules(1 << 20));
  assert_true(all.has_value());
  assert_true(all->find("Name:") != std::string::npos);
}

void test_missing(void** state) {
  const std::string path = D(state) + "/nope.yaml";
  assert_error(read_bounded_file(path, rules(10)), "cannot open test file: No such file");
  assert_error(read_bounded_secret_file(path, rules(10)), "cannot open test file");
  assert_error(read_bounded_file(path, rules(10)), path.c_str());
  assert_error(read_bounded_file("", rules(10)), "the path is empty");
}

void test_symlink_refused_or_followed(void** state) {
  const std::string target = D(state) + "/target", link = D(state) + "/link";
  write_file(target, 5, 't');
  assert_int_equal(symlink(target.c_str(), link.c_str()), 0);
  assert_error(read_bounded_file(link, rules(10, false)), "is a symbolic link; refusing");
  assert_error(read_bounded_secret_file(link, rules(10, false)), "is a symbolic link");
  auto followed = read_bounded_file(link, rules(10, true));
  assert_true(followed.has_value());
  assert_true(*followed == "ttttt");
  // A link to a directory is still refused as not a regular file when followed.
  const std::string dlink = D(state) + "/dlink";
  assert_int_equal(symlink(D(state).c_str(), dlink.c_str()), 0);
  assert_error(read_bounded_file(dlink, rules(10, true)), "is not a regular file");
}

void test_directory_and_fifo(void** state) {
  assert_error(read_bounded_file(D(state), rules(10)), "is not a regular file");
  assert_error(read_bounded_secret_file(D(state), rules(10)), "is not a regular file");
  // A FIFO with no writer: opening it must not block the start (O_NONBLOCK), and it is refused.
  const std::string fifo = D(state) + "/fifo";
  assert_int_equal(mkfifo(fifo.c_str(), 0600), 0);
  assert_error(read_bounded_file(fifo, rules(10)), "is not a regular file");
}

void test_empty_file(void** state) {
  const std::string path = D(state) + "/empty";
  write_file(path, 0);
  auto s = read_bounded_file(path, rules(10));
  assert_true(s.has_value());
  assert_true(s->empty());
  auto k = read_bounded_secret_file(path, rules(10));
  assert_true(k.has_value());
  assert_true(k->empty());
  // Even with a cap of 0.
  assert_true(read_bounded_file(path, rules(0)).has_value());
}

void test_error_code_and_check(void** state) {
  const std::string path = D(state) + "/f";
  write_file(path, 20);
  FileReadRules r = rules(10);
  r.errc = Errc::kPolicyInvalid;
  assert_error(read_bounded_file(path, r), "larger than", Errc::kPolicyInvalid);
  // The descriptor check runs before the size check, and its error is returned as it is.
  bool called = false;
  r.check = [&](const struct stat& sb) -> Status {
    called = true;
    assert_int_equal(sb.st_size, 20);
    return Unexpected{make_error(Errc::kConfigInvalid, "custom refusal")};
  };
  assert_error(read_bounded_file(path, r), "custom refusal", Errc::kConfigInvalid);
  assert_true(called);
}

// The control: a std::string read of the marker leaves it in freed memory, so the detector
// works; the secret variant, on success and on refusal, leaves nothing behind.
void test_secret_variant_wipes(void** state) {
  const std::string path = D(state) + "/secret";
  write_file(path, kMarker, sizeof kMarker - 1);

  g_unwiped = 0;
  g_watch = true;
  {
    auto plain = read_bounded_file(path, rules(4096));
    assert_true(plain.has_value());
  }
  g_watch = false;
  assert_true(g_unwiped.load() > 0);

  g_unwiped = 0;
  g_watch = true;
  {
    auto secret = read_bounded_secret_file(path, rules(4096));
    assert_true(secret.has_value());
    assert_true(secret->view() == std::string_view(kMarker, sizeof kMarker - 1));
  }
  g_watch = false;
  assert_int_equal(g_unwiped.load(), 0);

  // Refused for its size: nothing of it is left in freed memory either.
  const std::string big = D(state) + "/big-secret";
  std::string content(kMarker);
  content += std::string(64, 'z');
  write_file(big, content.data(), content.size());
  secure_wipe(content);
  g_unwiped = 0;
  g_watch = true;
  assert_error(read_bounded_secret_file(big, rules(sizeof kMarker + 8)), "larger than");
  g_watch = false;
  assert_int_equal(g_unwiped.load(), 0);
}

// delivery.smtp.password_file: trailing newlines dropped, no unwiped copy, capped.
void test_smtp_password_file(void** state) {
  const std::string path = D(state) + "/smtp.pw";
  std::string content(kMarker);
  content += "\r\n";
  write_file(path, content.data(), content.size());
  secure_wipe(content);
  g_unwiped = 0;
  g_watch = true;
  {
    auto pw = daemon::read_smtp_password(path);
    assert_true(pw.has_value());
    assert_true(pw->view() == std::string_view(kMarker, sizeof kMarker - 1));
  }
  g_watch = false;
  assert_int_equal(g_unwiped.load(), 0);

  auto none = daemon::read_smtp_password("");
  assert_true(none.has_value());
  assert_true(none->empty());
  assert_error(daemon::read_smtp_password(D(state) + "/missing.pw"),
               "cannot open delivery.smtp.password_file");
  const std::string big = D(state) + "/big.pw";
  write_file(big, limits::kMaxSmtpPasswordFileBytes + 1);
  assert_error(daemon::read_smtp_password(big), "larger than");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_exactly_at_cap_and_one_past, temp_dir_setup,
                                      temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_much_too_large, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test(test_cap_holds_when_size_lies),
      cmocka_unit_test_setup_teardown(test_missing, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_symlink_refused_or_followed, temp_dir_setup,
                                      temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_directory_and_fifo, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_empty_file, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_error_code_and_check, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_secret_variant_wipes, temp_dir_setup, temp_dir_teardown),
      cmocka_unit_test_setup_teardown(test_smtp_password_file, temp_dir_setup, temp_dir_teardown),
  };
  return cmocka_run_group_tests_name("bounded_file", tests, nullptr, nullptr);
}
