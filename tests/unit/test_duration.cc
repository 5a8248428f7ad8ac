// Policy durations: "7d", "15m", "0s", "30s", "12h", combinations, and the errors.
#include <cstring>
#include <string>

#include "daemon/core/base/duration.h"

// cmocka last: it defines a fail() macro that clashes with mfa::fail.
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using namespace mfa::core;

namespace {

void test_valid(void**) {
  const struct {
    const char* in;
    std::int64_t s;
  } cases[] = {{"7d", 604800},  {"15m", 900},      {"0s", 0},       {"30s", 30},
               {"12h", 43200},  {"0", 0},          {"1h30m", 5400}, {"2w", 1209600},
               {" 1d ", 86400}, {"1d12h", 129600}, {"90s", 90},     {"1w2d3h4m5s", 788645}};
  for (const auto& c : cases) {
    auto d = parse_duration(c.in);
    assert_true(d.has_value());
    assert_int_equal(*d, c.s);
  }
}

void test_invalid(void**) {
  for (const char* bad : {"", "15", "m", "7x", "7 d", "-1s", "1.5h", "12h1d", "1m1m", "1d ago",
                          "99999999999999999999s", "101000w", "7D", "1h30"}) {
    auto d = parse_duration(bad);
    assert_false(d.has_value());
    assert_int_equal(static_cast<int>(d.error().code),
                     static_cast<int>(mfa::Errc::kInvalidArgument));
  }
  // The message quotes the input and gives examples.
  auto d = parse_duration("7x");
  assert_non_null(strstr(d.error().context.c_str(), "'7x'"));
}

void test_format(void**) {
  assert_string_equal(format_duration(0).c_str(), "0s");
  assert_string_equal(format_duration(604800).c_str(), "7d");
  assert_string_equal(format_duration(900).c_str(), "15m");
  assert_string_equal(format_duration(5400).c_str(), "1h30m");
  assert_string_equal(format_duration(90061).c_str(), "1d1h1m1s");
  for (std::int64_t s : {1, 59, 61, 3599, 86401, 1234567}) {
    auto back = parse_duration(format_duration(s));
    assert_true(back.has_value());
    assert_int_equal(*back, s);
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_format),
  };
  return cmocka_run_group_tests_name("duration", tests, nullptr, nullptr);
}
