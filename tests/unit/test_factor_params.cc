// FactorRecord::params (daemon/core/otp/factor_params.h): the stored JSON of each factor type,
// read with bounds and written back unchanged, and the refusals.
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/core/otp/factor_params.h"

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

void assert_refused(FactorType type, const std::string& text) {
  auto r = parse_factor_params(type, text);
  if (r.has_value()) fail_msg("accepted: %s", text.c_str());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(mfa::Errc::kInvalidArgument));
}

void test_totp(void**) {
  assert_string_equal(factor_params_json(FactorType::kTotp, FactorParams{}).c_str(),
                      R"({"algorithm":"SHA1","digits":6,"period":30})");
  auto p =
      parse_factor_params(FactorType::kTotp, R"({"algorithm":"SHA256","digits":8,"period":60})");
  assert_true(p.has_value());
  assert_true(p->totp.algorithm == OtpAlgorithm::kSha256);
  assert_int_equal(p->totp.digits, 8);
  assert_int_equal(p->totp.period, 60);
  auto rt = parse_factor_params(FactorType::kTotp, factor_params_json(FactorType::kTotp, *p));
  assert_true(rt.has_value());
  assert_int_equal(rt->totp.period, 60);
  auto d = parse_factor_params(FactorType::kTotp, "{}");
  assert_true(d.has_value());
  assert_int_equal(d->totp.digits, 6);
  // Unknown keys are ignored.
  assert_true(parse_factor_params(FactorType::kTotp, R"({"digits":7,"later":[1]})").has_value());
  for (const char* bad :
       {"", "[]", "{", "null", R"({"algorithm":"MD5"})", R"({"algorithm":1})", R"({"digits":"6"})",
        R"({"digits":9})", R"({"period":600})", R"({"period":1e9})",
        R"({"digits":18446744073709551615})", R"({"period":-30})"}) {
    assert_refused(FactorType::kTotp, bad);
  }
}

void test_destination(void**) {
  FactorParams p;
  p.destination = "+12015550123";
  const std::string text = factor_params_json(FactorType::kSms, p);
  assert_string_equal(text.c_str(), R"({"destination":"+12015550123"})");
  auto back = parse_factor_params(FactorType::kSms, text);
  assert_true(back.has_value());
  assert_string_equal(back->destination.c_str(), "+12015550123");
  auto none = parse_factor_params(FactorType::kEmail, "{}");
  assert_true(none.has_value() && none->destination.empty());
  assert_refused(FactorType::kEmail, R"({"destination":42})");
  assert_refused(FactorType::kEmail, R"({"destination":")" + std::string(3000, 'a') + "\"}");
  // Each type reads its own keys only: a TOTP key in an email factor is not validated.
  assert_true(parse_factor_params(FactorType::kEmail, R"({"digits":99})").has_value());
}

void test_webauthn(void**) {
  // A pending registration holds the user handle only.
  FactorParams pending;
  pending.credential.user_handle = "aGFuZGxl";
  assert_string_equal(factor_params_json(FactorType::kWebauthn, pending).c_str(),
                      R"({"user_handle":"aGFuZGxl"})");
  FactorParams p = pending;
  CredentialParams& c = p.credential;
  c.credential_id = "Y3JlZA";
  c.public_key = "cHVi";
  c.alg = -7;
  c.transports = {"usb", "nfc"};
  c.attestation = "basic";
  c.attestation_trusted = true;
  c.fmt = "packed";
  c.aaguid = "00ff";
  c.uv_initialized = true;
  c.backup_eligible = true;
  c.backup_state = false;
  const std::string text = factor_params_json(FactorType::kWebauthn, p);
  const auto j = nlohmann::json::parse(text);
  assert_string_equal(j["credential_id"].get<std::string>().c_str(), "Y3JlZA");
  assert_int_equal(j["alg"].get<int>(), -7);
  assert_true(j["attestation_trusted"].get<bool>());
  assert_false(j.contains("rp_id"));
  auto back = parse_factor_params(FactorType::kWebauthn, text);
  assert_true(back.has_value());
  assert_string_equal(factor_params_json(FactorType::kWebauthn, *back).c_str(), text.c_str());
  assert_int_equal(static_cast<int>(back->credential.transports.size()), 2);
  assert_refused(FactorType::kWebauthn, R"({"transports":"usb"})");
  assert_refused(FactorType::kWebauthn, R"({"transports":[1]})");
  assert_refused(FactorType::kWebauthn, R"({"transports":["a","a","a","a","a","a","a","a","a"]})");
  assert_refused(FactorType::kWebauthn, R"({"backup_state":1})");
  assert_refused(FactorType::kWebauthn, R"({"alg":"ES256"})");
  assert_refused(FactorType::kWebauthn, R"({"alg":4294967296})");
}

void test_fido2(void**) {
  FactorParams p;
  CredentialParams& c = p.credential;
  c.credential_id = "a2V5";
  c.public_key = "cHVi";
  c.alg = -8;
  c.rp_id = "pam://host";
  c.user_handle = "aGFuZGxl";
  c.attestation = "self";
  c.fmt = "packed";
  c.aaguid = "00";
  c.uv_initialized = false;
  const std::string text = factor_params_json(FactorType::kFido2, p);
  const auto j = nlohmann::json::parse(text);
  assert_string_equal(j["rp_id"].get<std::string>().c_str(), "pam://host");
  assert_false(j.contains("transports"));
  auto back = parse_factor_params(FactorType::kFido2, text);
  assert_true(back.has_value());
  assert_string_equal(back->credential.rp_id.c_str(), "pam://host");
  assert_int_equal(static_cast<int>(back->credential.alg), -8);
  assert_string_equal(factor_params_json(FactorType::kFido2, *back).c_str(), text.c_str());
  assert_refused(FactorType::kFido2, R"({"rp_id":["x"]})");
}

void test_stored_row_is_internal(void**) {
  mfa::FactorRecord f;
  f.type = FactorType::kTotp;
  f.params = R"({"digits":5})";
  auto r = read_factor_params(f);
  assert_false(r.has_value());
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(mfa::Errc::kInternal));
  assert_non_null(strstr(r.error().context.c_str(), "factor params"));
  f.params = factor_params_json(FactorType::kTotp, FactorParams{});
  assert_true(read_factor_params(f).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_totp),
      cmocka_unit_test(test_destination),
      cmocka_unit_test(test_webauthn),
      cmocka_unit_test(test_fido2),
      cmocka_unit_test(test_stored_row_is_internal),
  };
  return cmocka_run_group_tests_name("factor_params", tests, nullptr, nullptr);
}
