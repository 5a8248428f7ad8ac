#include "daemon/src/routes/engine_json.h"

#include <ctime>

#include "daemon/core/otp/factor_params.h"

namespace mfa::daemon {

std::string iso8601(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::int64_t> parse_iso8601(std::string_view text) {
  // Digits and separators at fixed places: YYYY-MM-DDTHH:MM:SSZ.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != kShape.size()) return std::nullopt;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  const std::time_t t = timegm(&tm);
  if (t < 0) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

nlohmann::json factor_json(const FactorRecord& f) {
  nlohmann::json j = {{"id", f.id},
                      {"type", core::to_string(f.type)},
                      {"label", f.label},
                      {"status", core::to_string(f.status)},
                      {"created_at", iso8601(f.created_at_s)}};
  j["last_used_at"] = f.last_used_at_s > 0 ? nlohmann::json(iso8601(f.last_used_at_s)) : nullptr;
  if (f.type == core::FactorType::kTotp) {
    if (auto p = core::read_factor_params(f)) j["params"] = totp_params_json(p->totp);
  }
  return j;
}

nlohmann::json totp_params_json(const core::TotpParams& p) {
  core::FactorParams params;
  params.totp = p;
  return nlohmann::json::parse(core::factor_params_json(core::FactorType::kTotp, params));
}

// A timeline entry's detail is always an object (issue 20). The store keeps a JSON object for
// newer events and a bare word for older kinds: the error code of a failed attempt, the actor
// who cancelled or denied.
nlohmann::json event_detail(const ChallengeEvent& e) {
  if (e.detail.empty()) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(e.detail, nullptr, false);
  if (j.is_object()) return j;
  if (e.event == "attempt_failed") return {{"reason", e.detail}};
  if (e.event == "cancelled" || e.event == "denied") return {{"actor", e.detail}};
  return {{"note", e.detail}};
}

nlohmann::json challenge_json(const ChallengeRecord& c, bool with_events) {
  nlohmann::json j = {{"id", c.id},
                      {"user", c.user},
                      {"purpose", core::to_string(c.purpose)},
                      {"method", core::to_string(c.method)},
                      {"status", core::to_string(c.status)},
                      {"attempts", c.attempts},
                      {"max_attempts", c.max_attempts},
                      {"created_at", iso8601(c.created_at_s)},
                      {"expires_at", iso8601(c.expires_at_s)},
                      {"remote_addr", c.origin.remote_addr},
                      {"service", c.origin.service},
                      {"tty", c.origin.tty}};
  if (with_events) {
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : c.events) {
      events.push_back(
          {{"at", iso8601(e.at_ms / 1000)}, {"event", e.event}, {"detail", event_detail(e)}});
    }
    j["timeline"] = std::move(events);
  }
  return j;
}

nlohmann::json audit_json(const AuditEvent& e) {
  nlohmann::json detail = nlohmann::json::parse(e.detail, nullptr, false);
  if (detail.is_discarded()) detail = nlohmann::json::object();
  return {{"id", e.id},
          {"at", iso8601(e.at_ms / 1000)},
          {"app", e.app},
          {"user", e.user},
          {"event", e.event},
          {"actor", e.actor},
          {"remote_addr", e.remote_addr},
          {"client_addr", e.client_addr},
          {"detail", detail}};
}

nlohmann::json login_json(const core::LoginResult& r) {
  nlohmann::json j = {{"decision", std::string(core::to_string(r.decision))},
                      {"reason", r.reason},
                      {"allowed_factors", r.allowed_factors},
                      {"matched_rule", r.evaluation.matched}};
  if (r.decision == core::LoginDecision::kMfaRequired) {
    nlohmann::json factors = nlohmann::json::array();
    for (const auto& f : r.factors) {
      factors.push_back({{"id", f.id}, {"type", f.type}, {"label", f.label}});
    }
    j["challenge"] = {{"id", r.challenge_id},
                      {"expires_at", iso8601(r.challenge_expires_at_s)},
                      {"factors", factors},
                      {"backup_codes_remaining", r.backup_codes_remaining}};
  }
  if (r.grace_deadline_s) {
    j["grace_deadline"] = iso8601(*r.grace_deadline_s);
    j["can_defer"] = r.can_defer;
  }
  if (r.new_rhost) j["new_remote_addr"] = true;
  return j;
}

}  // namespace mfa::daemon
