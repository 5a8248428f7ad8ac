// LoginService's entry points for the PAM conversation (pam_conversation.h): who a PAM login
// name is, and the login that ends with an in-band enrolment. The audit events of both are the
// login's, so they are written here rather than by the conversation (issue 11).
#include <nlohmann/json.hpp>

#include "daemon/core/policy/policy_holder.h"
#include "daemon/core/services/login_service.h"

namespace mfa::core {

Result<LoginName> LoginService::resolve_pam_user(const std::string& name,
                                                 std::optional<uid_t> only_uid,
                                                 const AuditContext& ctx) {
  const auto policy = deps_.policy->current();
  auto r = deps_.directory != nullptr
               ? resolve_login_name(*deps_.directory, policy->pam_user_aliases, name)
               : Result<LoginName>(fail(Errc::kUnavailable, "no user directory"));
  // By uid: the account's other names are the same account, and its name is what it
  // resolves to.
  if (only_uid && (!r || r->kind == LoginName::Kind::kUnknown || r->account.uid != *only_uid)) {
    return fail(Errc::kPermissionDenied, "a non-admin caller may only authenticate itself");
  }
  if (!r) return fail(r.error());
  if (r->kind == LoginName::Kind::kRefusedAlias) {
    // The account's audit trail shows the attempt: an unexpected second name for an account
    // (a uid 0 line named otherwise) is worth an administrator's look. The login is refused
    // whether or not this record is written.
    const std::string detail =
        nlohmann::json{{"reason", "user_alias"}, {"login_name", name}}.dump();
    (void)audit_.record(kSystemApp, r->account.name, audit_event::kMfaFailed, ctx, detail);
  }
  return r;
}

Result<Activation> LoginService::activate_at_login(const std::string& app, const std::string& user,
                                                   const std::string& factor_id,
                                                   std::string_view code, const AuditContext& ctx) {
  auto a = factors_.activate(app, user, factor_id, code, ctx);
  if (!a) return fail(a.error());
  MFA_TRY(audit_.record(app, user, audit_event::kMfaSucceeded, ctx,
                        "{\"factor\":\"totp\",\"purpose\":\"enroll_at_login\"}"));
  return a;
}

}  // namespace mfa::core
