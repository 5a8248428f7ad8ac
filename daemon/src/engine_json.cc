#include "daemon/src/engine_json.h"

#include <ctime>

namespace mfa::daemon {

std::string iso8601(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json factor_json(const FactorRecord& f) {
  nlohmann::json j = {{"id", f.id},
                      {"type", f.type},
                      {"label", f.label},
                      {"status", f.status},
                      {"created_at", iso8601(f.created_at_s)}};
  j["last_used_at"] = f.last_used_at_s > 0 ? nlohmann::json(iso8601(f.last_used_at_s)) : nullptr;
  if (f.type == "totp") {
    nlohmann::json params = nlohmann::json::parse(f.params, nullptr, false);
    if (!params.is_discarded()) j["params"] = params;
  }
  return j;
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
                      {"purpose", c.purpose},
                      {"method", c.method},
                      {"status", c.status},
                      {"attempts", c.attempts},
                      {"max_attempts", c.max_attempts},
                      {"created_at", iso8601(c.created_at_s)},
                      {"expires_at", iso8601(c.expires_at_s)},
                      {"remote_addr", c.remote_addr},
                      {"service", c.service},
                      {"tty", c.tty}};
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
