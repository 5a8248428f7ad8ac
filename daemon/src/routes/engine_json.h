// JSON views of engine records for the API. Secrets never appear: factor secrets are not
// serialized at all, and emails/phones are obfuscated for non-admin callers (DESIGN.md 6).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/otp/otp.h"
#include "daemon/core/services/login_service.h"
#include "daemon/core/store/store.h"

namespace mfa::daemon {

nlohmann::json factor_json(const FactorRecord& f);
// {"algorithm", "digits", "period"}: the stored form (factor_params.h).
nlohmann::json totp_params_json(const core::TotpParams& p);
nlohmann::json challenge_json(const ChallengeRecord& c, bool with_events);
nlohmann::json audit_json(const AuditEvent& e);
nlohmann::json login_json(const core::LoginResult& r);
// The API's one time format: RFC 3339 UTC with whole seconds, "2026-12-04T01:02:03Z".
std::string iso8601(std::int64_t unix_s);
// Its inverse for query parameters: exactly that shape (a 'Z', no offset, no fraction).
std::optional<std::int64_t> parse_iso8601(std::string_view text);

}  // namespace mfa::daemon
