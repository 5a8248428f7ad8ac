#include "daemon/core/services/factor_service.h"

#include <nlohmann/json.hpp>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/crypto/aead.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base32.h"
#include "daemon/core/otp/backup_codes.h"
#include "daemon/core/otp/factor_params.h"
#include "daemon/core/otp/otpauth_uri.h"
#include "daemon/core/policy/policy_context.h"
#include "daemon/core/services/contact.h"
#include "daemon/core/services/factor_policy.h"

namespace mfa::core {
namespace {

// RFC 4226 R6 asks for at least 128 bits and recommends 160; we use 160 (SHA-1 block fit).
constexpr std::size_t kTotpSecretBytes = 20;

}  // namespace

Status FactorService::ensure_user(const std::string& app, const std::string& user) {
  MFA_TRY(validate_app_name(app));
  MFA_TRY(validate_user_name(user));
  const std::int64_t now = deps_.clock->now_s();
  MFA_TRY(deps_.store->ensure_app(app, now));
  auto existing = deps_.store->get_user(app, user);
  if (!existing) return fail(existing.error());
  if (existing->has_value()) return {};
  UserRecord u;
  u.app = app;
  u.user = user;
  u.created_at_s = now;
  return deps_.store->upsert_user(u);
}

Result<std::size_t> FactorService::active_count(const std::string& app, const std::string& user) {
  auto factors = deps_.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  std::size_t n = 0;
  for (const auto& f : *factors) n += f.status == FactorStatus::kActive ? 1U : 0U;
  return n;
}

Result<TotpEnrollment> FactorService::begin_totp(const std::string& app, const std::string& user,
                                                 const std::string& label, const TotpParams& params,
                                                 const Requester& who) {
  MFA_TRY(ensure_user(app, user));
  MFA_TRY(validate_label(label));
  MFA_TRY(validate_totp_params(params));
  MFA_TRY(require_factor_allowed(
      evaluate_for_change(deps_, app, user, who.remote_addr).settings.factors, FactorType::kTotp));
  auto factors = deps_.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  // One pending enrolment per type at a time: an abandoned one (a closed terminal, a PAM
  // login cut short) is replaced rather than piling up. Pending factors protect nothing.
  for (const FactorRecord& old : *factors) {
    if (old.status == FactorStatus::kPending && old.type == FactorType::kTotp) {
      MFA_TRY(deps_.store->delete_factor(old.id));
    }
  }
  std::erase_if(*factors, [](const FactorRecord& f) {
    return f.status == FactorStatus::kPending && f.type == FactorType::kTotp;
  });
  if (factors->size() >= limits::kMaxFactorsPerUser) {
    return fail(Errc::kLimitExceeded, "too many factors for this user");
  }
  auto active = active_count(app, user);
  if (!active) return fail(active.error());
  if (*active > 0) MFA_TRY(require_step_up(deps_, verifier_, app, user, who, kEnrollStepUp));

  auto id = deps_.random->id("f_");
  if (!id) return fail(id.error());
  auto secret = deps_.random->secret(kTotpSecretBytes);
  if (!secret) return fail(secret.error());
  auto sealed = deps_.aead->seal(secret->span(), factor_aad(app, user, *id));
  if (!sealed) return fail(sealed.error());

  FactorRecord f;
  f.id = *id;
  f.app = app;
  f.user = user;
  f.type = FactorType::kTotp;
  f.label = label.empty() ? "Authenticator app" : label;
  f.status = FactorStatus::kPending;
  f.secret_ct = std::move(*sealed);
  FactorParams stored;
  stored.totp = params;
  f.params = factor_params_json(FactorType::kTotp, stored);
  f.created_at_s = deps_.clock->now_s();
  MFA_TRY(deps_.store->insert_factor(f));

  return totp_enrollment(f, params, secret->span());
}

Result<TotpEnrollment> FactorService::totp_enrollment(const FactorRecord& f,
                                                      const TotpParams& params,
                                                      std::span<const std::uint8_t> secret) const {
  TotpEnrollment out;
  out.factor_id = f.id;
  out.label = f.label;
  out.params = params;
  out.secret_b32 = base32_encode(secret);
  // Label "issuer:account" per the Key URI format; the account shows the app for non-system.
  const std::string account = f.app == kSystemApp ? f.user : f.user + "@" + f.app;
  const auto per_app = deps_.app_issuers.find(f.app);
  const std::string& issuer = per_app != deps_.app_issuers.end() ? per_app->second : deps_.issuer;
  auto uri = make_otpauth_uri(issuer, account, out.secret_b32, params);
  if (!uri) return fail(uri.error());
  out.otpauth_uri = std::move(*uri);
  return out;
}

Result<std::optional<TotpEnrollment>> FactorService::resume_totp(const std::string& app,
                                                                 const std::string& user,
                                                                 const Requester& who) {
  MFA_TRY(validate_app_name(app));
  MFA_TRY(validate_user_name(user));
  MFA_TRY(require_factor_allowed(
      evaluate_for_change(deps_, app, user, who.remote_addr).settings.factors, FactorType::kTotp));
  auto factors = deps_.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  const std::int64_t now = deps_.clock->now_s();
  const FactorRecord* pending = nullptr;
  for (const FactorRecord& f : *factors) {
    // With an active factor, a new one needs a step-up: begin_totp's path, not this one.
    if (f.status == FactorStatus::kActive) return std::optional<TotpEnrollment>();
    if (f.status == FactorStatus::kPending && f.type == FactorType::kTotp &&
        now - f.created_at_s < limits::kPendingTotpReuseS) {
      pending = &f;
    }
  }
  if (pending == nullptr) return std::optional<TotpEnrollment>();
  auto params = read_factor_params(*pending);
  if (!params) return fail(params.error());
  auto key = deps_.aead->open(pending->secret_ct, factor_aad(app, user, pending->id));
  if (!key) return fail(key.error());
  auto out = totp_enrollment(*pending, params->totp, key->span());
  if (!out) return fail(out.error());
  return std::optional<TotpEnrollment>(std::move(*out));
}

Result<std::vector<std::string>> FactorService::issue_backup_codes(const std::string& app,
                                                                   const std::string& user) {
  auto generated = generate_backup_codes(*deps_.random, app, user);
  if (!generated) return fail(generated.error());
  MFA_TRY(deps_.store->replace_backup_codes(app, user, generated->records));
  return std::move(generated->codes);
}

Result<Activation> FactorService::activate(const std::string& app, const std::string& user,
                                           const std::string& factor_id, std::string_view code,
                                           const AuditContext& ctx) {
  auto found = deps_.store->get_factor(factor_id);
  if (!found) return fail(found.error());
  if (!found->has_value() || (*found)->app != app || (*found)->user != user) {
    return fail(Errc::kNotFound, "no such factor");
  }
  FactorRecord f = std::move(**found);
  if (f.status != FactorStatus::kPending) {
    return fail(Errc::kConflict, "factor is already active");
  }
  if (f.type != FactorType::kTotp && !is_delivery_type(f.type)) {
    return fail(Errc::kInvalidArgument, "this factor is not activated by a code");
  }
  if (code.size() > limits::kMaxCodeLen) return fail(Errc::kInvalidArgument, "code too long");
  const std::int64_t now = deps_.clock->now_s();
  std::optional<std::int64_t> step;
  if (is_delivery_type(f.type)) {
    auto checked = check_enroll_code(f, code);
    if (!checked) return fail(checked.error());
    step = -1;  // no time steps: the enrolment challenge was consumed instead
    MFA_TRY(record_new_destination(f, ctx));
  } else {
    auto params = read_factor_params(f);
    if (!params) return fail(params.error());
    auto key = deps_.aead->open(f.secret_ct, factor_aad(app, user, f.id));
    if (!key) return fail(key.error());
    auto matched = totp_match(*key, code, now, params->totp);
    if (!matched) return fail(matched.error());  // the library failed: not a wrong code
    step = *matched;
  }
  if (!step) return fail(Errc::kBadCode, "wrong code; check the time on your device and try again");

  auto active_before = active_count(app, user);
  if (!active_before) return fail(active_before.error());
  MFA_TRY(deps_.store->activate_factor(f.id, *step, now));
  Activation out;
  f.status = FactorStatus::kActive;
  f.last_step = *step;
  f.secret_ct.clear();
  out.factor = std::move(f);
  auto remaining = backup_codes_remaining(app, user);
  if (!remaining) return fail(remaining.error());
  if (*active_before == 0 && *remaining == 0) {
    auto codes = issue_backup_codes(app, user);
    if (!codes) return fail(codes.error());
    out.backup_codes = std::move(*codes);
  }
  nlohmann::json detail = {{"factor_id", out.factor.id},
                           {"type", to_string(out.factor.type)},
                           {"label", out.factor.label}};
  if (is_delivery_type(out.factor.type)) {
    detail["destination"] = obfuscate_destination(out.factor.type, factor_destination(out.factor));
  }
  MFA_TRY(audit_.record(app, user, audit_event::kFactorEnrolled, ctx, detail.dump()));
  return out;
}

Result<std::vector<FactorRecord>> FactorService::list(const std::string& app,
                                                      const std::string& user) {
  auto factors = deps_.store->list_factors(app, user);
  if (!factors) return fail(factors.error());
  for (auto& f : *factors) f.secret_ct.clear();
  return std::move(*factors);
}

Status FactorService::remove(const std::string& app, const std::string& user,
                             const std::string& factor_id, const Requester& who) {
  auto found = deps_.store->get_factor(factor_id);
  if (!found) return fail(found.error());
  if (!found->has_value() || (*found)->app != app || (*found)->user != user) {
    return fail(Errc::kNotFound, "no such factor");
  }
  // A pending factor protects nothing yet: its owner may drop it without a step-up.
  if ((*found)->status == FactorStatus::kActive) {
    MFA_TRY(require_step_up(deps_, verifier_, app, user, who,
                            StepUp{"remove_factor", factor_id, true, false}));
  }
  MFA_TRY(deps_.store->delete_factor(factor_id));
  auto active = active_count(app, user);
  if (!active) return fail(active.error());
  // Backup codes back up a factor; with none left they would be a lone weak factor.
  if (*active == 0) MFA_TRY(deps_.store->replace_backup_codes(app, user, {}));
  nlohmann::json detail = {
      {"factor_id", factor_id}, {"type", (*found)->type}, {"by_admin", who.admin}};
  return audit_.record(app, user, audit_event::kFactorRemoved, who.audit, detail.dump());
}

Result<std::size_t> FactorService::reset(const std::string& app, const std::string& user,
                                         const AuditContext& ctx) {
  auto removed = deps_.store->delete_all_factors(app, user);
  if (!removed) return fail(removed.error());
  MFA_TRY(deps_.store->replace_backup_codes(app, user, {}));
  MFA_TRY(deps_.store->clear_lockout(Lockout::user_key(app, user)));
  nlohmann::json detail = {{"factors_removed", *removed}};
  MFA_TRY(audit_.record(app, user, audit_event::kFactorAdminReset, ctx, detail.dump()));
  return *removed;
}

Result<std::vector<std::string>> FactorService::regenerate_backup_codes(const std::string& app,
                                                                        const std::string& user,
                                                                        const Requester& who) {
  auto active = active_count(app, user);
  if (!active) return fail(active.error());
  if (*active == 0) {
    return fail(Errc::kConflict, "backup codes need an active factor; enrol one first");
  }
  MFA_TRY(require_step_up(deps_, verifier_, app, user, who,
                          StepUp{"regenerate_backup_codes", "", false, false}));
  auto codes = issue_backup_codes(app, user);
  if (!codes) return fail(codes.error());
  MFA_TRY(audit_.record(app, user, audit_event::kBackupRegenerated, who.audit,
                        "{\"count\":" + std::to_string(codes->size()) + "}"));
  return codes;
}

Result<std::size_t> FactorService::backup_codes_remaining(const std::string& app,
                                                          const std::string& user) {
  auto unused = deps_.store->unused_backup_codes(app, user);
  if (!unused) return fail(unused.error());
  return unused->size();
}

}  // namespace mfa::core
