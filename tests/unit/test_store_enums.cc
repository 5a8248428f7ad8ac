// The store's closed sets (daemon/core/store/store_enums.h): every enumerator has its string, the
// strings round-trip, anything else is refused, and JSON carries the string.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daemon/core/store/store_enums.h"

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

// Every value of E from first to last (the enums are dense from 0): its string parses back to
// it, and the strings are distinct.
template <class E, class Parse>
void check_round_trip(E last, Parse parse, std::initializer_list<std::string_view> expected) {
  const int n = static_cast<int>(last) + 1;
  assert_int_equal(n, static_cast<int>(expected.size()));
  int i = 0;
  for (std::string_view want : expected) {
    const E v = static_cast<E>(i++);
    assert_string_equal(std::string(to_string(v)).c_str(), std::string(want).c_str());
    auto back = parse(to_string(v));
    assert_true(back.has_value());
    assert_true(*back == v);
    assert_string_equal(nlohmann::json(v).get<std::string>().c_str(), std::string(want).c_str());
  }
}

void test_round_trips(void**) {
  check_round_trip(FactorType::kFido2, parse_factor_type,
                   {"totp", "sms", "email", "webauthn", "fido2"});
  check_round_trip(FactorStatus::kActive, parse_factor_status, {"pending", "active"});
  check_round_trip(ChallengePurpose::kEnroll, parse_challenge_purpose,
                   {"login", "step_up", "sensitive_action", "enroll"});
  check_round_trip(
      ChallengeMethod::kWebauthnLink, parse_challenge_method,
      {"any", "totp", "backup_code", "sms", "email", "webauthn", "fido2", "webauthn_link"});
  check_round_trip(ChallengeStatus::kFailed, parse_challenge_status,
                   {"pending", "approved", "denied", "expired", "cancelled", "failed"});
}

void test_unknown_refused(void**) {
  for (std::string_view bad : {"", "TOTP", "totp ", " sms", "passkey", "backup_code", "any"}) {
    assert_false(parse_factor_type(bad).has_value());
  }
  for (std::string_view bad : {"", "Active", "disabled", "approved"}) {
    assert_false(parse_factor_status(bad).has_value());
  }
  for (std::string_view bad : {"", "LOGIN", "step-up", "verify_email", "passkey_login"}) {
    assert_false(parse_challenge_purpose(bad).has_value());
  }
  for (std::string_view bad : {"", "Any", "backup", "password"}) {
    assert_false(parse_challenge_method(bad).has_value());
  }
  for (std::string_view bad : {"", "used", "active", "Pending"}) {
    assert_false(parse_challenge_status(bad).has_value());
  }
  // A string with an embedded NUL is not its prefix.
  assert_false(parse_factor_type(std::string_view("sms\0x", 5)).has_value());
}

void test_methods_of_types(void**) {
  assert_true(method_of(FactorType::kTotp) == ChallengeMethod::kTotp);
  assert_true(method_of(FactorType::kSms) == ChallengeMethod::kSms);
  assert_true(method_of(FactorType::kEmail) == ChallengeMethod::kEmail);
  assert_true(method_of(FactorType::kWebauthn) == ChallengeMethod::kWebauthn);
  assert_true(method_of(FactorType::kFido2) == ChallengeMethod::kFido2);
  assert_true(method_accepts(ChallengeMethod::kAny, FactorType::kFido2));
  assert_true(method_accepts(ChallengeMethod::kSms, FactorType::kSms));
  assert_false(method_accepts(ChallengeMethod::kSms, FactorType::kEmail));
  assert_false(method_accepts(ChallengeMethod::kBackupCode, FactorType::kTotp));
  assert_false(method_accepts(ChallengeMethod::kWebauthnLink, FactorType::kWebauthn));
  assert_true(is_delivery_type(FactorType::kSms) && is_delivery_type(FactorType::kEmail));
  assert_false(is_delivery_type(FactorType::kTotp) || is_delivery_type(FactorType::kFido2));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_unknown_refused),
      cmocka_unit_test(test_methods_of_types),
  };
  return cmocka_run_group_tests_name("store_enums", tests, nullptr, nullptr);
}
