// The account a PAM login name stands for (issue 10 finding 3). MFA state — factors, used
// codes, lockout, grace period, policy groups, audit — is keyed on an account's canonical
// name, so a second name for the same uid (an alias line in passwd, "Alice" in a
// case-insensitive directory such as SSSD with case_sensitive = false) must not start from an
// empty slate: it is either refused or taken as the account, as pam.user_aliases says.
#pragma once

#include <string>

#include "daemon/core/base/engine_deps.h"
#include "daemon/core/base/result.h"
#include "daemon/core/policy/policy.h"

namespace mfa::core {

struct LoginName {
  enum class Kind {
    kAccount,       // `account` is who logs in (the name given, or its account's under kCanonical)
    kUnknown,       // no such user
    kRefusedAlias,  // another name of `account`, and pam.user_aliases is refuse
  };
  Kind kind = Kind::kUnknown;
  Account account;
};

// Resolves `name` once through the directory; kUnavailable when the directory cannot answer.
Result<LoginName> resolve_login_name(Directory& directory, UserAliases aliases,
                                     const std::string& name);

}  // namespace mfa::core
