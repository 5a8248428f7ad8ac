// Contact destinations for delivered codes: E.164 phone numbers (ITU-T E.164) and email
// addresses, validated at enrolment and shown obfuscated to everyone but admins
// (DESIGN.md section 6): "+1 ••• ••• 4567", "a•••@example.com".
#pragma once

#include <string>
#include <string_view>

#include "daemon/core/result.h"

namespace mfa::core {

// Accepts "+15551234567" and the same with spaces, dashes, dots or parentheses; returns the
// canonical "+<digits>" form (8 to 15 digits, no leading zero: E.164 section 6).
Result<std::string> normalize_phone(std::string_view in);
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
std::string obfuscate_destination(std::string_view type, std::string_view destination);

}  // namespace mfa::core
