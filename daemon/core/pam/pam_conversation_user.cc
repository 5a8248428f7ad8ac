// The PAM user is its account (issue 10 finding 3): the login name is resolved once, when a
// conversation starts, to the account's canonical name (LoginService::resolve_pam_user), and
// only that name is kept, so policy, factors, lockout, grace, enrolment and audit are the
// account's.
#include "daemon/core/engine.h"
#include "daemon/core/pam/pam_conversation.h"
#include "daemon/core/services/login_name.h"

namespace mfa::core {
namespace {

AuditContext user_ctx(const PamStart& r) {
  AuditContext ctx;
  ctx.actor = "pam:" + r.origin.service;
  ctx.remote_addr = r.origin.remote_addr;
  return ctx;
}

}  // namespace

Result<std::optional<PamStep>> PamConversations::resolve_user(Conv& c, const PamCaller& caller) {
  // A screen locker runs PAM as the user: it may verify that account, never another one.
  const std::optional<uid_t> only_uid =
      caller.admin ? std::nullopt : std::optional<uid_t>(caller.uid);
  auto r = engine_.logins.resolve_pam_user(c.req.user, only_uid, user_ctx(c.req));
  if (!r) {
    if (r.error().code == Errc::kPermissionDenied) return fail(r.error());
    return std::optional(
        pam_done("deny", "Multi-factor authentication is unavailable: " + r.error().context));
  }
  switch (r->kind) {
    case LoginName::Kind::kUnknown: return std::optional(pam_done("user_unknown"));
    case LoginName::Kind::kRefusedAlias:
      return std::optional(pam_done("deny",
                                    "This login name is another name of an account; log in "
                                    "with the account's own name."));
    case LoginName::Kind::kAccount: break;
  }
  c.req.user = r->account.name;
  return std::optional<PamStep>();
}

}  // namespace mfa::core
