// JSON for delivered codes (SMS, email): factor destinations (obfuscated unless the caller is
// an admin), a challenge's delivery state, and the error when a send failed.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/core/services/code_delivery.h"
#include "daemon/core/services/login_service.h"
#include "daemon/core/store/store.h"
#include "daemon/src/api/api_types.h"

namespace mfa::daemon {

// factor_json plus, for sms/email, "destination": the full one for admins, else obfuscated.
nlohmann::json factor_view(const FactorRecord& f, bool admin);
// Adds "delivery" (sent | failed), "channel", "destination" and "delivery_error" from the
// challenge's data, when a code was (or failed to be) delivered for it.
void add_delivery_state(nlohmann::json& j, const ChallengeRecord& c);
// Adds "destination" to login_json's challenge.factors entries that have one.
void add_factor_hints(nlohmann::json& login, const core::LoginResult& r);
nlohmann::json receipt_json(const std::string& challenge_id, const core::DeliveryReceipt& r);
// A failed send is 502 delivery_failed ("Could not send the code: ..."); the rest as usual.
ApiResponse delivery_error(const Error& e);

}  // namespace mfa::daemon
