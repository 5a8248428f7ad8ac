// The PAM user is its account (issue 10 finding 3): the login name is resolved once, when a
// conversation starts, to the account's canonical name (core/login_name.h), and only that
// name is kept, so policy, factors, lockout, grace, enrolment and audit are the account's.
#include <nlohmann/json.hpp>

#include "daemon/core/engine.h"
#include "daemon/core/login_name.h"
#include "daemon/core/policy_holder.h"
#include "daemon/src/pam_conversation.h"

namespace mfa::daemon {
namespace {

core::AuditContext user_ctx(const PamStart& r) {
  core::AuditContext ctx;
  ctx.actor = "pam:" + r.service;
  ctx.remote_addr = r.rhost;
  return ctx;
}

}  // namespace

Result<std::optional<PamStep>> PamConversations::resolve_user(Conv& c, const Caller& caller) {
  core::Engine& e = *s_.engine;
  const auto policy = e.deps().policy->current();
  auto r = e.deps().directory != nullptr
               ? core::resolve_login_name(*e.deps().directory, policy->pam_user_aliases, c.req.user)
               : Result<core::LoginName>(fail(Errc::kUnavailable, "no user directory"));
  // A screen locker runs PAM as the user: it may verify that account, never another one. By
  // uid: the account's other names are the same account, and its name is what it resolves to.
  if (!caller.admin &&
      (!r || r->kind == core::LoginName::Kind::kUnknown || r->account.uid != caller.uid)) {
    return fail(Errc::kPermissionDenied, "a non-admin caller may only authenticate itself");
  }
  if (!r) {
    return std::optional(
        pam_done("deny", "Multi-factor authentication is unavailable: " + r.error().context));
  }
  switch (r->kind) {
    case core::LoginName::Kind::kUnknown: return std::optional(pam_done("user_unknown"));
    case core::LoginName::Kind::kRefusedAlias: {
      // The account's audit trail shows the attempt: an unexpected second name for an
      // account (a uid 0 line named otherwise) is worth an administrator's look.
      const std::string detail =
          nlohmann::json{{"reason", "user_alias"}, {"login_name", c.req.user}}.dump();
      (void)e.audit.record("system", r->account.name, core::audit_event::kMfaFailed,
                           user_ctx(c.req), detail);
      return std::optional(pam_done("deny",
                                    "This login name is another name of an account; log in "
                                    "with the account's own name."));
    }
    case core::LoginName::Kind::kAccount: break;
  }
  c.req.user = r->account.name;
  return std::optional<PamStep>();
}

}  // namespace mfa::daemon
