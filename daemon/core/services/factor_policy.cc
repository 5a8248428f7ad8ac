#include "daemon/core/services/factor_policy.h"

#include "daemon/core/services/code_verifier.h"

namespace mfa::core {

std::string factor_display_name(std::string_view type) {
  if (type == "totp") return "TOTP";
  if (type == "sms") return "text messages";
  if (type == "email") return "email codes";
  if (type == "webauthn") return "passkeys";
  if (type == "fido2") return "security keys";
  if (type == "backup_code") return "backup codes";
  return std::string(type);
}

Status require_factor_allowed(const std::vector<std::string>& allowed, std::string_view type) {
  if (factor_allowed(allowed, type)) return {};
  std::string why = "the policy does not allow " + factor_display_name(type) + " here";
  if (type == "fido2") why += " (factors: webauthn)";
  return fail(Errc::kFactorNotAllowed, std::move(why));
}

}  // namespace mfa::core
