// Contact destinations for delivered codes: E.164 phone numbers (ITU-T E.164) and email
// addresses, validated at enrolment and shown obfuscated to everyone but admins
// (DESIGN.md section 6): "+1 ••• ••• 4567", "a•••@example.com".
#pragma once

#include <string>
#include <string_view>

#include "daemon/core/base/result.h"
#include "daemon/core/store/store_enums.h"

namespace mfa::core {

// A number a text message can reach, in E.164 ("+33612345678"), through libphonenumber (the
// reference for E.164 and each country's numbering plan). `in` is international ("+33 6 12 34
// 56 78") or, with `country` (ISO 3166-1 alpha-2, any case: "FR"), national ("06 12 34 56
// 78"); digits with spaces, dashes, dots or parentheses, nothing else (no letters, no
// extension). Refused (kInvalidArgument, saying why): numbers that are not valid in their
// country's plan, and types no SMS reaches (fixed line, toll-free, premium, shared cost).
Result<std::string> normalize_phone(std::string_view in, std::string_view country = {});
// A conservative addr-spec subset (RFC 5321 4.1.2 / 4.5.3.1): one '@', local part at most 64,
// whole address at most 254, a dotted domain, and none of the characters that could break
// out of an SMTP command or a header (CR, LF, '<', '>', ',', spaces, quotes, controls).
Result<std::string> normalize_email(std::string_view in);

// "+1 ••• ••• 4567": country code and the last four digits.
std::string obfuscate_phone(std::string_view e164);
// "••• 4567": for the PAM picker ("Text message to ••• 4567").
std::string obfuscate_phone_short(std::string_view e164);
// "a•••@example.com".
std::string obfuscate_email(std::string_view email);
// Dispatches on the factor type (sms | email); anything else is returned as "•••".
std::string obfuscate_destination(FactorType type, std::string_view destination);

}  // namespace mfa::core
