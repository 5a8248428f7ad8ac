// Text people read (labels, names, service and tty names): terminal controls refused where
// they enter (core/display_text.h), escaped where they are printed (mfactl, the log).
#include <string>

#include "daemon/core/base/display_text.h"
#include "daemon/core/services/factor_service.h"

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

bool ok(std::string_view s) {
  return check_display_text(s, "label").has_value();
}

void test_scripts_and_emoji_are_text(void**) {
  assert_true(ok(""));
  assert_true(ok("YubiKey 5C (blue)"));
  assert_true(ok("T\xC3\xA9l\xC3\xA9phone"));           // é
  assert_true(ok("\xE6\x89\x8B\xE6\x9C\xBA"));          // 手机
  assert_true(ok("\xD9\x87\xD8\xA7\xD8\xAA\xD9\x81"));  // هاتف: right-to-left script is text
  assert_true(ok("\xF0\x9F\x93\xB1 phone"));            // U+1F4F1
  assert_true(ok("\xC2\xA0"));                          // U+00A0 is printable
}

void test_controls_are_refused(void**) {
  assert_false(ok("a\x1b[2Jb"));  // ESC (C0)
  assert_false(ok("a\x07"));      // BEL ends an OSC title
  assert_false(ok("a\tb"));
  assert_false(ok("a\nb"));
  assert_false(ok(std::string("a\0b", 3)));
  assert_false(ok("a\x7f"));  // DEL
  assert_false(
      ok("a\xC2\x9B"
         "2J"));                  // U+009B CSI (C1)
  assert_false(ok("a\xC2\x80"));  // U+0080
  assert_false(ok("a\xC2\x9F"));  // U+009F
  assert_false(ok("a\xC2\x85"));  // U+0085 NEL
  for (const char* bidi :
       {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE",
        "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9", "\xE2\x80\x8E",
        "\xE2\x80\x8F", "\xD8\x9C", "\xE2\x80\xA8", "\xE2\x80\xA9"}) {
    assert_false(ok(std::string("pay") + bidi + "lapyap"));
  }
  auto e = check_display_text("a\x1b", "field 'service'");
  assert_string_equal(e.error().context.c_str(),
                      "field 'service' must not contain control characters or bidirectional "
                      "overrides");
}

void test_ill_formed_utf8_is_refused(void**) {
  assert_false(ok("\xff"));
  assert_false(ok("\xC0\x9B"));          // overlong ESC-ish
  assert_false(ok("\xC1\xBF"));          // overlong
  assert_false(ok("\xE0\x80\xAF"));      // overlong '/'
  assert_false(ok("\xED\xA0\x80"));      // UTF-16 surrogate
  assert_false(ok("\xF4\x90\x80\x80"));  // past U+10FFFF
  assert_false(ok("\xE2\x80"));          // truncated
  assert_false(ok("\x80"));              // lone continuation
  auto e = check_display_text("\xff", "a label");
  assert_string_equal(e.error().context.c_str(), "a label is not valid UTF-8");
}

void test_labels_use_the_check(void**) {
  assert_true(validate_label("phone").has_value());
  assert_false(validate_label("phone\xE2\x80\xAE").has_value());
  assert_false(validate_label(std::string(65, 'a')).has_value());
  assert_true(validate_label(std::string(64, 'a')).has_value());
}

void test_escape_text(void**) {
  assert_string_equal(escape_terminal_controls("plain \xC3\xA9 text").c_str(),
                      "plain \xC3\xA9 text");
  assert_string_equal(escape_terminal_controls("\x1b]0;PWNED\x07").c_str(), "\\x1b]0;PWNED\\x07");
  assert_string_equal(escape_terminal_controls("a\xC2\x9B"
                                               "2J\xE2\x80\xAE")
                          .c_str(),
                      "a\\u009b2J\\u202e");
  assert_string_equal(escape_terminal_controls("a\xff\x7f").c_str(), "a\\xff\\x7f");
  // Backslashes are doubled, so an escape in the input cannot pass for one of ours.
  assert_string_equal(escape_terminal_controls("\\x1b").c_str(), "\\\\x1b");
}

void test_escape_json(void**) {
  // Serialised JSON: whitespace between tokens stays, controls in strings become \u escapes,
  // backslashes (already JSON escapes) stay as they are.
  const std::string doc = "{\n  \"l\": \"a\xC2\x9B\\u001b\xE2\x81\xA6\x7f\\\\\"\n}";
  assert_string_equal(escape_terminal_controls(doc, EscapeStyle::kJson).c_str(),
                      "{\n  \"l\": \"a\\u009b\\u001b\\u2066\\u007f\\\\\"\n}");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scripts_and_emoji_are_text),
      cmocka_unit_test(test_controls_are_refused),
      cmocka_unit_test(test_ill_formed_utf8_is_refused),
      cmocka_unit_test(test_labels_use_the_check),
      cmocka_unit_test(test_escape_text),
      cmocka_unit_test(test_escape_json),
  };
  return cmocka_run_group_tests_name("display_text", tests, nullptr, nullptr);
}
