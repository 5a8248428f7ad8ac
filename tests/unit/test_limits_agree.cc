// The PAM module (libc-only, loaded into sshd) cannot include daemon/core/base/limits.h, so it
// keeps its own copies of the field limits of the conversation it relays. They must equal the
// daemon's: a longer module limit lets through an item that the daemon then refuses as a
// malformed request (a login failing for a reason nobody is told), a shorter one refuses
// logins the daemon would take. This binary holds them equal, at compile time and at run time.
#include "daemon/core/base/limits.h"
#include "pam_module/conversation.h"
#include "pam_module/pam_io.h"

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

namespace lim = mfa::limits;
namespace pam = mfa::pam;

static_assert(pam::kMaxUserLen == lim::kMaxUserNameLen);
static_assert(pam::kMaxServiceLen == lim::kMaxServiceNameLen);
static_assert(pam::kMaxRhostLen == lim::kMaxRhostLen);
static_assert(pam::kMaxRuserLen == lim::kMaxUserNameLen);
static_assert(pam::kMaxAnswerLen == lim::kMaxPamAnswerLen);

namespace {

void module_items_equal_daemon_fields(void**) {
  assert_int_equal(pam::kMaxUserLen, lim::kMaxUserNameLen);
  assert_int_equal(pam::kMaxServiceLen, lim::kMaxServiceNameLen);
  assert_int_equal(pam::kMaxRhostLen, lim::kMaxRhostLen);
  assert_int_equal(pam::kMaxRuserLen, lim::kMaxUserNameLen);
}

void module_answer_equals_daemon_answer(void**) {
  assert_int_equal(pam::kMaxAnswerLen, lim::kMaxPamAnswerLen);
  // A PIN (CTAP2: at most 63 bytes) and any code fit in one answer.
  assert_true(lim::kMaxPamAnswerLen >= lim::kMaxCodeLen);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(module_items_equal_daemon_fields),
      cmocka_unit_test(module_answer_equals_daemon_answer),
  };
  return cmocka_run_group_tests_name("limits_agree", tests, nullptr, nullptr);
}
