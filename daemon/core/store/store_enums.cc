#include "daemon/core/store/store_enums.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace mfa::core {

namespace {

template <class E, std::size_t N>
using Table = std::array<std::pair<E, std::string_view>, N>;

constexpr Table<FactorType, 5> kFactorTypes{{{FactorType::kTotp, "totp"},
                                             {FactorType::kSms, "sms"},
                                             {FactorType::kEmail, "email"},
                                             {FactorType::kWebauthn, "webauthn"},
                                             {FactorType::kFido2, "fido2"}}};
constexpr Table<FactorStatus, 2> kFactorStatuses{
    {{FactorStatus::kPending, "pending"}, {FactorStatus::kActive, "active"}}};
constexpr Table<ChallengePurpose, 4> kPurposes{
    {{ChallengePurpose::kLogin, "login"},
     {ChallengePurpose::kStepUp, "step_up"},
     {ChallengePurpose::kSensitiveAction, "sensitive_action"},
     {ChallengePurpose::kEnroll, "enroll"}}};
constexpr Table<ChallengeMethod, 8> kMethods{{{ChallengeMethod::kAny, "any"},
                                              {ChallengeMethod::kTotp, "totp"},
                                              {ChallengeMethod::kBackupCode, "backup_code"},
                                              {ChallengeMethod::kSms, "sms"},
                                              {ChallengeMethod::kEmail, "email"},
                                              {ChallengeMethod::kWebauthn, "webauthn"},
                                              {ChallengeMethod::kFido2, "fido2"},
                                              {ChallengeMethod::kWebauthnLink, "webauthn_link"}}};
constexpr Table<ChallengeStatus, 6> kChallengeStatuses{{{ChallengeStatus::kPending, "pending"},
                                                        {ChallengeStatus::kApproved, "approved"},
                                                        {ChallengeStatus::kDenied, "denied"},
                                                        {ChallengeStatus::kExpired, "expired"},
                                                        {ChallengeStatus::kCancelled, "cancelled"},
                                                        {ChallengeStatus::kFailed, "failed"}}};

template <class E, std::size_t N>
std::string_view name_in(const Table<E, N>& t, E v) {
  for (const auto& [e, s] : t) {
    if (e == v) return s;
  }
  return "?";  // unreachable: every enumerator is in its table (unit-tested)
}

template <class E, std::size_t N>
std::optional<E> find_in(const Table<E, N>& t, std::string_view s) {
  for (const auto& [e, name] : t) {
    if (name == s) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(FactorType v) {
  return name_in(kFactorTypes, v);
}
std::string_view to_string(FactorStatus v) {
  return name_in(kFactorStatuses, v);
}
std::string_view to_string(ChallengePurpose v) {
  return name_in(kPurposes, v);
}
std::string_view to_string(ChallengeMethod v) {
  return name_in(kMethods, v);
}
std::string_view to_string(ChallengeStatus v) {
  return name_in(kChallengeStatuses, v);
}

std::optional<FactorType> parse_factor_type(std::string_view s) {
  return find_in(kFactorTypes, s);
}
std::optional<FactorStatus> parse_factor_status(std::string_view s) {
  return find_in(kFactorStatuses, s);
}
std::optional<ChallengePurpose> parse_challenge_purpose(std::string_view s) {
  return find_in(kPurposes, s);
}
std::optional<ChallengeMethod> parse_challenge_method(std::string_view s) {
  return find_in(kMethods, s);
}
std::optional<ChallengeStatus> parse_challenge_status(std::string_view s) {
  return find_in(kChallengeStatuses, s);
}

void to_json(nlohmann::json& j, FactorType v) {
  j = to_string(v);
}
void to_json(nlohmann::json& j, FactorStatus v) {
  j = to_string(v);
}
void to_json(nlohmann::json& j, ChallengePurpose v) {
  j = to_string(v);
}
void to_json(nlohmann::json& j, ChallengeMethod v) {
  j = to_string(v);
}
void to_json(nlohmann::json& j, ChallengeStatus v) {
  j = to_string(v);
}

ChallengeMethod method_of(FactorType t) {
  switch (t) {
    case FactorType::kTotp: return ChallengeMethod::kTotp;
    case FactorType::kSms: return ChallengeMethod::kSms;
    case FactorType::kEmail: return ChallengeMethod::kEmail;
    case FactorType::kWebauthn: return ChallengeMethod::kWebauthn;
    case FactorType::kFido2: return ChallengeMethod::kFido2;
  }
  return ChallengeMethod::kAny;  // unreachable
}

}  // namespace mfa::core
