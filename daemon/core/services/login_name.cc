#include "daemon/core/services/login_name.h"

namespace mfa::core {

Result<LoginName> resolve_login_name(Directory& directory, UserAliases aliases,
                                     const std::string& name) {
  auto found = directory.resolve(name);
  if (!found) return fail(found.error());
  LoginName out;
  if (!found->has_value()) return out;
  out.account = std::move(**found);
  // Byte for byte: a name that differs from the account's only in case is another name too.
  const bool alias = out.account.name != name;
  out.kind = alias && aliases == UserAliases::kRefuse ? LoginName::Kind::kRefusedAlias
                                                      : LoginName::Kind::kAccount;
  return out;
}

}  // namespace mfa::core
