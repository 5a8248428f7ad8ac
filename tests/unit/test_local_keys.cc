// Local FIDO2 keys (issue 7): the checks of what a key returns (local_key_checks.h) against a
// software authenticator with real ES256 and EdDSA signatures (tests/support), each refusal
// on its own (wrong rp id, UP missing, UV missing when required, tampered authenticator data,
// wrong key, attested data in an assertion, unrequested algorithm, sign-count regression);
// then LocalKeyService on a real SQLite store with a software key behind the FidoDevices seam:
// enrolment, login, a removed key, a forged answer, a cloned key, and UV without a PIN.
#include <fido.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/base/clock.h"
#include "daemon/core/config/fido2_config.h"
#include "daemon/core/encoding/base64url.h"
#include "daemon/core/engine.h"
#include "daemon/core/fido/fido_device.h"
#include "daemon/core/fido/local_key_checks.h"
#include "daemon/core/store/store.h"
#include "daemon/src/fido/fido_libfido2.h"
#include "tests/support/engine_world.h"
#include "tests/support/soft_authenticator.h"

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

using namespace mfa;
using namespace mfa::testing;

namespace {

constexpr const char* kRp = "pam://host";

std::array<std::uint8_t, 32> hash_of(std::uint8_t v) {
  std::array<std::uint8_t, 32> h{};
  h.fill(v);
  return h;
}

Ceremony local(std::uint8_t flags = 0x01) {
  Ceremony c;
  c.rp_id = kRp;
  c.flags = flags;
  return c;
}

fido::MadeCredential made_for(SoftCredential& cred, const Ceremony& c) {
  fido::MadeCredential m;
  m.auth_data = SoftAuthenticator::auth_data(c, cred.counter, &cred);
  m.fmt = "none";
  m.attestation = "none";
  return m;
}

fido::Assertion assert_with(SoftCredential& cred, const Ceremony& c,
                            const std::array<std::uint8_t, 32>& cdh) {
  ++cred.counter;
  fido::Assertion a;
  a.credential_id = cred.id;
  a.auth_data = SoftAuthenticator::auth_data(c, cred.counter, nullptr);
  std::vector<std::uint8_t> msg = a.auth_data;
  msg.insert(msg.end(), cdh.begin(), cdh.end());
  a.signature = SoftAuthenticator::sign(cred, msg);
  return a;
}

fido::LocalAssertionCheck check_for(const std::vector<std::uint8_t>& key,
                                    const std::array<std::uint8_t, 32>& cdh,
                                    std::int64_t stored = 0, bool uv = false) {
  return fido::LocalAssertionCheck{kRp, cdh, key, stored, uv};
}

void test_registration_and_assertion_es256_eddsa(void**) {
  for (std::int64_t alg : {-7, -8}) {
    SoftCredential cred = SoftAuthenticator::new_credential(alg);
    auto reg = fido::check_local_registration({kRp, {-8, -7}, false}, made_for(cred, local()));
    assert_true(reg.has_value());
    assert_int_equal(reg->alg, alg);
    assert_true(reg->credential_id == cred.id);
    const auto cdh = hash_of(7);
    auto out =
        fido::check_local_assertion(check_for(reg->cose_key, cdh), assert_with(cred, local(), cdh));
    assert_true(out.has_value());
    assert_int_equal(out->sign_count, 1);
    assert_false(out->sign_count_regression);
    assert_false(out->uv);
  }
}

void test_registration_refusals(void**) {
  SoftCredential cred = SoftAuthenticator::new_credential(-7);
  Ceremony other = local();
  other.rp_id = "pam://elsewhere";
  assert_int_equal(
      static_cast<int>(
          fido::check_local_registration({kRp, {-7}, false}, made_for(cred, other)).error().code),
      static_cast<int>(Errc::kBadCode));
  // UP missing; UV missing when required; algorithm not requested.
  assert_false((fido::check_local_registration({kRp, {-7}, false}, made_for(cred, local(0x00))))
                   .has_value());
  assert_false(
      (fido::check_local_registration({kRp, {-7}, true}, made_for(cred, local(0x01)))).has_value());
  assert_true(
      (fido::check_local_registration({kRp, {-7}, true}, made_for(cred, local(0x05)))).has_value());
  assert_false(
      (fido::check_local_registration({kRp, {-8}, false}, made_for(cred, local()))).has_value());
  // No attested credential data at all.
  fido::MadeCredential bare;
  bare.auth_data = SoftAuthenticator::auth_data(local(), 0, nullptr);
  assert_false((fido::check_local_registration({kRp, {-7}, false}, bare)).has_value());
}

void test_assertion_refusals(void**) {
  SoftCredential cred = SoftAuthenticator::new_credential(-7);
  const auto key = SoftAuthenticator::cose_key(cred);
  const auto cdh = hash_of(9);
  Ceremony other = local();
  other.rp_id = "pam://elsewhere";
  assert_false((fido::check_local_assertion(check_for(key, cdh), assert_with(cred, other, cdh)))
                   .has_value());
  assert_false((fido::check_local_assertion(check_for(key, cdh), assert_with(cred, local(0), cdh)))
                   .has_value());
  assert_false((fido::check_local_assertion(check_for(key, cdh, 0, true),
                                            assert_with(cred, local(0x01), cdh)))
                   .has_value());
  assert_true((fido::check_local_assertion(check_for(key, cdh, 0, true),
                                           assert_with(cred, local(0x05), cdh)))
                  .has_value());
  // Signed over another clientDataHash (a replayed answer to an older challenge).
  assert_false(
      (fido::check_local_assertion(check_for(key, hash_of(1)), assert_with(cred, local(), cdh)))
          .has_value());
  // Tampered authenticator data: the counter byte changed after signing.
  auto a = assert_with(cred, local(), cdh);
  a.auth_data.back() ^= 0x01;
  auto r = fido::check_local_assertion(check_for(key, cdh), a);
  assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::kBadCode));
  // Another key's signature.
  SoftCredential thief = SoftAuthenticator::new_credential(-7, 9);
  assert_false((fido::check_local_assertion(check_for(key, cdh), assert_with(thief, local(), cdh)))
                   .has_value());
  // Attested credential data has no place in an assertion.
  auto b = assert_with(cred, local(), cdh);
  b.auth_data = SoftAuthenticator::auth_data(local(), cred.counter, &cred);
  assert_false((fido::check_local_assertion(check_for(key, cdh), b)).has_value());
  // A counter that does not grow is reported.
  auto c = assert_with(cred, local(), cdh);
  auto out = fido::check_local_assertion(check_for(key, cdh, cred.counter + 5), c);
  assert_true(out.has_value());
  assert_true(out->sign_count_regression);
}

// --- LocalKeyService over a software key behind the FidoDevices seam -----------------------

struct SoftKey {
  SoftCredential cred = SoftAuthenticator::new_credential(-8, 3);
  bool present = true;
  bool forge = false;   // sign with another key
  bool rewind = false;  // counter goes back (a clone)
  std::string last_rp;
  bool last_pin = false;
  int assertions = 0;
};

class SoftDevice final : public fido::FidoDevice {
 public:
  explicit SoftDevice(SoftKey& k) : k_(k) {}
  Result<fido::MadeCredential> make_credential(const fido::MakeCredentialRequest& req) override {
    k_.last_rp = req.rp_id;
    k_.last_pin = req.pin != nullptr;
    for (const auto& id : req.exclude) {
      if (id == k_.cred.id)
        return Unexpected{make_error(Errc::kAlreadyExists, "already registered")};
    }
    Ceremony c = local(req.pin != nullptr ? 0x05 : 0x01);
    c.rp_id = req.rp_id;
    return made_for(k_.cred, c);
  }
  Result<fido::Assertion> get_assertion(const fido::GetAssertionRequest& req) override {
    ++k_.assertions;
    k_.last_pin = req.pin != nullptr;
    bool allowed = false;
    for (const auto& id : req.allow) allowed = allowed || id == k_.cred.id;
    if (!allowed)
      return Unexpected{make_error(Errc::kNotFound, "this security key is not registered")};
    Ceremony c = local(req.pin != nullptr ? 0x05 : 0x01);
    c.rp_id = req.rp_id;
    if (k_.rewind) k_.cred.counter = 0;
    if (k_.forge) {
      SoftCredential other = SoftAuthenticator::new_credential(-8, 5);
      other.id = k_.cred.id;
      return assert_with(other, c, req.client_data_hash);
    }
    return assert_with(k_.cred, c, req.client_data_hash);
  }

 private:
  SoftKey& k_;
};

class SoftDevices final : public fido::FidoDevices {
 public:
  explicit SoftDevices(SoftKey& k) : k_(k) {}
  Result<std::vector<fido::FidoDeviceInfo>> list() override {
    if (!k_.present) return std::vector<fido::FidoDeviceInfo>{};
    return std::vector<fido::FidoDeviceInfo>{{"soft:0", "mfad", "soft key"}};
  }
  Result<std::unique_ptr<fido::FidoDevice>> open(const std::string& path) override {
    if (!k_.present || path != "soft:0")
      return Unexpected{make_error(Errc::kUnavailable, "no security key found")};
    return std::unique_ptr<fido::FidoDevice>(std::make_unique<SoftDevice>(k_));
  }

 private:
  SoftKey& k_;
};

struct World {
  testing::EngineWorld base{1'800'000'000};
  std::unique_ptr<Store>& store = base.store;
  ManualClock& clock = base.clock;
  std::unique_ptr<core::Engine>& engine = base.engine;
  SoftKey key;
  SoftDevices devices{key};
  Fido2Config cfg;

  explicit World(bool uv = false) {
    cfg.enabled = true;
    cfg.rp_id = kRp;
    cfg.user_verification = uv ? "required" : "discouraged";
    Status st = base.init(
        "defaults: {mode: required, factors: [webauthn, backup_code], grace_period: 0s, "
        "lockout: {attempts: 3, window: 10m}}\n",
        nullptr, [this](core::EngineDeps& deps) {
          deps.fido2 = &cfg;
          deps.fido = &devices;
        });
    if (!st) fail_msg("engine: %s", st.error().context.c_str());
  }

  std::string login() {
    core::LoginRequest lr;
    lr.user = "alice";
    lr.origin.service = "sudo";
    lr.first_factor = "pam";
    auto r = engine->logins.login(lr);
    if (!r) fail_msg("login: %s", r.error().context.c_str());
    assert_int_equal(static_cast<int>(r->decision),
                     static_cast<int>(core::LoginDecision::kMfaRequired));
    bool offered = false;
    for (const auto& f : r->factors) offered = offered || f.type == core::FactorType::kFido2;
    assert_true(offered);  // the policy's `webauthn` covers local keys
    return r->challenge_id;
  }

  FactorRecord only_factor() {
    auto fs = store->list_factors("system", "alice");
    assert_true(fs.has_value());
    assert_int_equal(fs->size(), 1);
    return (*fs)[0];
  }
};

void test_service_enroll_and_login(void**) {
  World w;
  core::Requester admin;
  admin.admin = true;
  auto a = w.engine->local_keys.enroll("system", "alice", "desk", nullptr, admin);
  if (!a) fail_msg("enroll: %s", a.error().context.c_str());
  assert_int_equal(a->backup_codes.size(), 10);
  assert_string_equal(w.key.last_rp.c_str(), kRp);
  FactorRecord f = w.only_factor();
  assert_true(f.type == core::FactorType::kFido2);
  assert_true(f.status == core::FactorStatus::kActive);
  const auto p = nlohmann::json::parse(f.params);
  assert_int_equal(p["alg"].get<int>(), -8);
  assert_string_equal(p["rp_id"].get<std::string>().c_str(), kRp);
  assert_string_equal(p["credential_id"].get<std::string>().c_str(),
                      base64url_encode(w.key.cred.id).c_str());
  // The same key twice: excluded.
  auto again = w.engine->local_keys.enroll("system", "alice", "desk", nullptr, admin);
  assert_int_equal(static_cast<int>(again.error().code), static_cast<int>(Errc::kAlreadyExists));

  const std::string ch = w.login();
  auto v = w.engine->local_keys.verify("system", ch, nullptr, {});
  if (!v) fail_msg("verify: %s", v.error().context.c_str());
  assert_true(v->challenge.status == core::ChallengeStatus::kApproved);
  assert_string_equal(v->factor.type.c_str(), "fido2");
  assert_int_equal(w.only_factor().sign_count, 1);
}

// One key registered for two accounts: the key's exclude list is per user, so it makes the
// credential again for bob; the store's UNIQUE credential id (schema v2) refuses it.
void test_service_credential_unique_across_users(void**) {
  World w;
  core::Requester admin;
  admin.admin = true;
  auto a = w.engine->local_keys.enroll("system", "alice", "desk", nullptr, admin);
  if (!a) fail_msg("enroll: %s", a.error().context.c_str());
  auto b = w.engine->local_keys.enroll("system", "bob", "desk", nullptr, admin);
  assert_false(b.has_value());
  assert_int_equal(static_cast<int>(b.error().code), static_cast<int>(Errc::kAlreadyExists));
  assert_non_null(strstr(b.error().context.c_str(), "already registered"));
  auto bobs = w.store->list_factors("system", "bob");
  assert_true(bobs.has_value());
  assert_int_equal(bobs->size(), 0);
}

void test_service_failures(void**) {
  World w;
  core::Requester admin;
  admin.admin = true;
  assert_true(w.engine->local_keys.enroll("system", "alice", "", nullptr, admin).has_value());
  std::string ch = w.login();
  w.key.present = false;  // removed
  auto v = w.engine->local_keys.verify("system", ch, nullptr, {});
  assert_int_equal(static_cast<int>(v.error().code), static_cast<int>(Errc::kUnavailable));
  assert_int_equal(w.key.assertions, 0);
  // A missing key says nothing about the person: its reserved attempt is given back.
  assert_int_equal(w.engine->lockout.status("system", "alice")->failures, 0);
  w.key.present = true;
  w.key.forge = true;  // a signature by another key
  v = w.engine->local_keys.verify("system", ch, nullptr, {});
  assert_int_equal(static_cast<int>(v.error().code), static_cast<int>(Errc::kBadCode));
  assert_int_equal(w.engine->lockout.status("system", "alice")->failures, 1);
  w.key.forge = false;
  // The challenge allowed 3 attempts; the third (a good one) still passes.
  v = w.engine->local_keys.verify("system", ch, nullptr, {});
  assert_true(v.has_value());
  assert_int_equal(w.only_factor().sign_count, 1);
  assert_int_equal(w.engine->lockout.status("system", "alice")->failures, 0);

  // A clone: the counter goes back; audited and refused (refuse_sign_count_regression).
  ch = w.login();
  w.key.rewind = true;
  v = w.engine->local_keys.verify("system", ch, nullptr, {});
  assert_int_equal(static_cast<int>(v.error().code), static_cast<int>(Errc::kBadCode));
  assert_int_equal(w.only_factor().sign_count, 1);  // unchanged
}

void test_service_uv_needs_pin(void**) {
  World w(true);
  core::Requester admin;
  admin.admin = true;
  auto no_pin = w.engine->local_keys.enroll("system", "alice", "", nullptr, admin);
  assert_int_equal(static_cast<int>(no_pin.error().code), static_cast<int>(Errc::kInvalidArgument));
  SecretBuffer pin = SecretBuffer::from_string("1234");
  assert_true(w.engine->local_keys.enroll("system", "alice", "", &pin, admin).has_value());
  assert_true(w.key.last_pin);
  const std::string ch = w.login();
  auto v = w.engine->local_keys.verify("system", ch, nullptr, {});
  assert_false(v.has_value());
  v = w.engine->local_keys.verify("system", ch, &pin, {});
  assert_true(v.has_value());
  assert_true(w.key.last_pin);
}

// libfido2 statuses -> the codes of fido_device.h, which the PAM conversation turns into
// messages and retries.
void test_libfido2_error_mapping(void**) {
  using daemon::fido_error;
  auto code = [](int r, bool t) { return static_cast<int>(fido_error(r, t).code); };
  assert_int_equal(code(FIDO_ERR_PIN_INVALID, false), static_cast<int>(Errc::kUnauthenticated));
  assert_int_equal(code(FIDO_ERR_PIN_BLOCKED, false), static_cast<int>(Errc::kLockedOut));
  assert_int_equal(code(FIDO_ERR_PIN_REQUIRED, false), static_cast<int>(Errc::kInvalidArgument));
  assert_int_equal(code(FIDO_ERR_OPERATION_DENIED, false),
                   static_cast<int>(Errc::kPermissionDenied));
  assert_int_equal(code(FIDO_ERR_USER_ACTION_TIMEOUT, false),
                   static_cast<int>(Errc::kPermissionDenied));
  // Silence until the caller's timeout is a missing touch; an early RX error a vanished key.
  assert_int_equal(code(FIDO_ERR_RX, true), static_cast<int>(Errc::kPermissionDenied));
  assert_int_equal(code(FIDO_ERR_RX, false), static_cast<int>(Errc::kUnavailable));
  assert_int_equal(code(FIDO_ERR_TX, false), static_cast<int>(Errc::kUnavailable));
  assert_int_equal(code(FIDO_ERR_NO_CREDENTIALS, false), static_cast<int>(Errc::kNotFound));
  assert_int_equal(code(FIDO_ERR_CREDENTIAL_EXCLUDED, false),
                   static_cast<int>(Errc::kAlreadyExists));
}

// A unix: device whose socket does not exist is "no key" (kUnavailable), never a crash; and
// enumeration works (empty here: no hidraw devices on the test machines).
void test_libfido2_missing_unix_device(void**) {
  daemon::Libfido2Devices devices;
  auto d = devices.open("unix:/nonexistent/mfad-test-key.sock");
  assert_false(d.has_value());
  assert_int_equal(static_cast<int>(d.error().code), static_cast<int>(Errc::kUnavailable));
  auto list = devices.list();
  assert_true(list.has_value());
  assert_true(list->size() <= fido::kMaxDevices);
  auto none = fido::open_local_key(devices, "unix:relative");
  assert_false(none.has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registration_and_assertion_es256_eddsa),
      cmocka_unit_test(test_registration_refusals),
      cmocka_unit_test(test_assertion_refusals),
      cmocka_unit_test(test_service_enroll_and_login),
      cmocka_unit_test(test_service_credential_unique_across_users),
      cmocka_unit_test(test_service_failures),
      cmocka_unit_test(test_service_uv_needs_pin),
      cmocka_unit_test(test_libfido2_error_mapping),
      cmocka_unit_test(test_libfido2_missing_unix_device),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
