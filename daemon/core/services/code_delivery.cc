#include "daemon/core/services/code_delivery.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/otp/delivered_code.h"
#include "daemon/core/otp/factor_params.h"
#include "daemon/core/services/contact.h"
#include "daemon/core/services/sender.h"

namespace mfa::core {

std::string factor_destination(const FactorRecord& f) {
  if (!is_delivery_type(f.type)) return {};
  auto p = read_factor_params(f);
  return p ? std::move(p->destination) : std::string();
}

Status CodeDelivery::check_rate(const std::string& key, std::int64_t now) {
  auto st = deps_.store->get_lockout(key);
  if (!st) return fail(st.error());
  if (st->locked_until_s > now) {
    Error e = make_error(Errc::kRateLimited, "too many codes sent; try again in " +
                                                 std::to_string(st->locked_until_s - now) + " s");
    e.retry_after_s = st->locked_until_s - now;
    return fail(std::move(e));
  }
  return {};
}

Result<ChallengeRecord> CodeDelivery::create_enroll_challenge(const FactorRecord& f) {
  const std::int64_t now = deps_.clock->now_s();
  auto id = deps_.random->id("ch_");
  if (!id) return fail(id.error());
  ChallengeRecord c;
  c.id = *id;
  c.app = f.app;
  c.user = f.user;
  c.purpose = ChallengePurpose::kEnroll;
  c.method = method_of(f.type);
  c.status = ChallengeStatus::kPending;
  c.factor_id = f.id;
  c.max_attempts = static_cast<std::int64_t>(limits::kMaxChallengeAttempts);
  c.created_at_s = now;
  c.expires_at_s = now + kDeliveredCodeTtlS;
  c.data = "{}";
  c.events.push_back(ChallengeEvent{deps_.clock->now_ms(), "created", "{\"purpose\":\"enroll\"}"});
  MFA_TRY(deps_.store->insert_challenge(c));
  return c;
}

Result<DeliveryReceipt> CodeDelivery::send(const ChallengeRecord& c, const FactorRecord& f,
                                           const AuditContext& ctx) {
  if (deps_.sender == nullptr) {
    return fail(Errc::kUnavailable, "Could not send the code: delivery is not configured");
  }
  const std::string destination = factor_destination(f);
  if (destination.empty()) return fail(Errc::kInternal, "factor has no destination");
  const std::int64_t now = deps_.clock->now_s();
  const std::string user_key = "send:user:" + c.app + "/" + c.user;
  const std::string dest_key = "send:dest:" + destination;
  MFA_TRY(check_rate(user_key, now));
  MFA_TRY(check_rate(dest_key, now));
  // Every attempt counts, a failed one too: a dead gateway must not be hammered.
  for (const auto& [key, max] : {std::pair{user_key, limits::kMaxCodeSendsPerUser},
                                 std::pair{dest_key, limits::kMaxCodeSendsPerDestination}}) {
    auto r = deps_.store->record_failure(key, now, limits::kCodeSendWindowS, max,
                                         limits::kCodeSendWindowS);
    if (!r) return fail(r.error());
  }

  auto code = deps_.random->digits(kDeliveredCodeDigits);
  if (!code) return fail(code.error());
  auto hash = hash_delivered_code(*deps_.random, c.id, *code);
  if (!hash) {
    secure_wipe(*code);
    return fail(hash.error());
  }
  const std::string channel(to_string(f.type));
  DeliveryReceipt out;
  out.channel = channel;
  out.hint = obfuscate_destination(f.type, destination);
  out.code_expires_at_s = now + kDeliveredCodeTtlS;

  OutgoingCode msg;
  msg.channel = f.type;
  msg.app = c.app;
  msg.user = c.user;
  msg.destination = destination;
  msg.code = std::move(*code);
  msg.minutes = kDeliveredCodeTtlS / 60;
  msg.challenge_id = c.id;
  Status sent = deps_.sender->send(msg);
  secure_wipe(msg.code);

  nlohmann::json data = nlohmann::json::parse(c.data, nullptr, false);
  if (data.is_discarded() || !data.is_object()) data = nlohmann::json::object();
  data["channel"] = channel;
  data["destination"] = out.hint;
  nlohmann::json detail = {{"challenge_id", c.id},
                           {"factor_id", f.id},
                           {"channel", channel},
                           {"destination", out.hint},
                           {"purpose", to_string(c.purpose)}};
  const std::int64_t now_ms = deps_.clock->now_ms();
  if (!sent) {
    const std::string reason = sent.error().context;
    data["delivery"] = "failed";
    data["delivery_error"] = reason;
    detail["reason"] = reason;
    // Empty hash: no code of this challenge is valid any more (nothing was delivered).
    MFA_TRY(deps_.store->set_challenge_delivery(
        c.id, f.id, {}, c.expires_at_s, data.dump(),
        ChallengeEvent{now_ms, "delivery_failed", nlohmann::json{{"reason", reason}}.dump()}));
    MFA_TRY(audit_.record(c.app, c.user, audit_event::kDeliveryFailed, ctx, detail.dump()));
    return fail(Errc::kUnavailable, "Could not send the code: " + reason);
  }
  data["delivery"] = "sent";
  data.erase("delivery_error");
  data["code_expires_at_s"] = out.code_expires_at_s;
  // The challenge lives as long as its newest code.
  const std::int64_t expires = std::max(c.expires_at_s, out.code_expires_at_s);
  MFA_TRY(deps_.store->set_challenge_delivery(
      c.id, f.id, *hash, expires, data.dump(),
      ChallengeEvent{now_ms, "code_sent",
                     nlohmann::json{{"channel", channel}, {"destination", out.hint}}.dump()}));
  MFA_TRY(audit_.record(c.app, c.user, audit_event::kCodeSent, ctx, detail.dump()));
  return out;
}

}  // namespace mfa::core
