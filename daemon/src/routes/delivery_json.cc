#include "daemon/src/routes/delivery_json.h"

#include "daemon/core/services/contact.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/routes/engine_json.h"

namespace mfa::daemon {

nlohmann::json factor_view(const FactorRecord& f, bool admin) {
  nlohmann::json j = factor_json(f);
  if (core::is_delivery_type(f.type)) {
    const std::string dest = core::factor_destination(f);
    j["destination"] = admin ? dest : core::obfuscate_destination(f.type, dest);
  }
  return j;
}

void add_delivery_state(nlohmann::json& j, const ChallengeRecord& c) {
  const nlohmann::json data = nlohmann::json::parse(c.data, nullptr, false);
  if (data.is_discarded() || !data.is_object() || !data.contains("delivery")) return;
  for (const char* k : {"delivery", "channel", "destination", "delivery_error"}) {
    if (data.contains(k)) j[k] = data[k];
  }
  if (!c.factor_id.empty()) j["factor_id"] = c.factor_id;
}

void add_factor_hints(nlohmann::json& login, const core::LoginResult& r) {
  if (!login.contains("challenge")) return;
  auto& arr = login["challenge"]["factors"];
  for (std::size_t i = 0; i < r.factors.size() && i < arr.size(); ++i) {
    if (!r.factors[i].hint.empty()) arr[i]["destination"] = r.factors[i].hint;
  }
}

nlohmann::json receipt_json(const std::string& challenge_id, const core::DeliveryReceipt& r) {
  return {{"id", challenge_id},    {"status", core::to_string(core::ChallengeStatus::kPending)},
          {"delivery", "sent"},    {"channel", r.channel},
          {"destination", r.hint}, {"code_expires_at", iso8601(r.code_expires_at_s)}};
}

ApiResponse delivery_error(const Error& e) {
  if (e.code == Errc::kUnavailable) return error_response(502, "delivery_failed", e.context);
  return from_error(e);
}

}  // namespace mfa::daemon
