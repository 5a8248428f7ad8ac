// The one "may this factor be used or enrolled here" decision, for every factor type: the
// policy's evaluation for the login (or enrolment) lists the factors it allows (DESIGN.md
// section 4). Refusals are kFactorNotAllowed (HTTP 403 factor_not_allowed) whatever the type.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/base/result.h"
#include "daemon/core/store/store_enums.h"

namespace mfa::core {

// kFactorNotAllowed "the policy does not allow <factor_display_name> here" unless `type` is
// in `allowed` (code_verifier.h factor_allowed: `webauthn` covers fido2 keys too).
// The policy's factor names are the factor types' strings plus `backup_code`.
Status require_factor_allowed(const std::vector<std::string>& allowed, std::string_view type);
inline Status require_factor_allowed(const std::vector<std::string>& allowed, FactorType type) {
  return require_factor_allowed(allowed, to_string(type));
}

// "TOTP", "text messages", "email codes", "passkeys", "security keys", "backup codes".
std::string factor_display_name(std::string_view type);

}  // namespace mfa::core
