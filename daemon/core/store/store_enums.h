// The closed sets the store keeps as TEXT columns: a factor's type and status, a challenge's
// purpose, method and status. Each has exactly one string table (store_enums.cc), used both
// where rows are read and written and where HTTP input is parsed, so that a spelling lives in
// one place and an unknown value is refused where it enters instead of compared as a string.
// The strings are the stored values (schema unchanged) and the API's JSON values.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>

namespace mfa::core {

enum class FactorType { kTotp, kSms, kEmail, kWebauthn, kFido2 };
enum class FactorStatus { kPending, kActive };
enum class ChallengePurpose { kLogin, kStepUp, kSensitiveAction, kEnroll };
// kWebauthnLink: the enrolment link's challenge (webauthn_enroll_link.cc), never offered by
// the API.
enum class ChallengeMethod {
  kAny,
  kTotp,
  kBackupCode,
  kSms,
  kEmail,
  kWebauthn,
  kFido2,
  kWebauthnLink
};
enum class ChallengeStatus { kPending, kApproved, kDenied, kExpired, kCancelled, kFailed };

std::string_view to_string(FactorType v);
std::string_view to_string(FactorStatus v);
std::string_view to_string(ChallengePurpose v);
std::string_view to_string(ChallengeMethod v);
std::string_view to_string(ChallengeStatus v);

// nullopt for anything not in the table (exact, case-sensitive match).
std::optional<FactorType> parse_factor_type(std::string_view s);
std::optional<FactorStatus> parse_factor_status(std::string_view s);
std::optional<ChallengePurpose> parse_challenge_purpose(std::string_view s);
std::optional<ChallengeMethod> parse_challenge_method(std::string_view s);
std::optional<ChallengeStatus> parse_challenge_status(std::string_view s);

// JSON values are the table's strings: without these, nlohmann::json would write an enum
// placed in a JSON object as its number, silently.
void to_json(nlohmann::json& j, FactorType v);
void to_json(nlohmann::json& j, FactorStatus v);
void to_json(nlohmann::json& j, ChallengePurpose v);
void to_json(nlohmann::json& j, ChallengeMethod v);
void to_json(nlohmann::json& j, ChallengeStatus v);

// SMS and email: factors whose code is delivered (code_delivery.h).
inline bool is_delivery_type(FactorType t) {
  return t == FactorType::kSms || t == FactorType::kEmail;
}

// The challenge method that names this factor type.
ChallengeMethod method_of(FactorType t);

// Whether a challenge made for `m` may be answered with a factor of type `t`.
inline bool method_accepts(ChallengeMethod m, FactorType t) {
  return m == ChallengeMethod::kAny || m == method_of(t);
}

}  // namespace mfa::core
