// WebAuthnService: one-time self-service enrolment links. A link is an enrolment challenge
// (purpose enroll, method webauthn_link) whose secret half only the holder has: the token is
// "<challenge id>.<base64url(32 random bytes)>", and only SHA-256 of the secret is stored.
// Whoever may add a factor for the user (an admin, or the user with a step-up code when a
// factor is already active) may issue one; the link itself then stands in for that right
// until it is used once or expires (webauthn.enroll_link_ttl_s).
#include "daemon/core/base/clock.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/encoding/base64url.h"
#include "daemon/core/passkeys/webauthn_service.h"
#include "daemon/core/store/store.h"
#include "daemon/core/webauthn/webauthn_config.h"
#include "daemon/core/webauthn/webauthn_rp.h"

namespace mfa::core {
namespace {

constexpr std::size_t kLinkSecretBytes = 32;
constexpr std::size_t kMaxTokenLen = 128;

}  // namespace

Result<EnrollLink> WebAuthnService::issue_link(const std::string& app, const std::string& user,
                                               const Requester& who) {
  if (!enabled())
    return fail(Errc::kConflict, "WebAuthn is not configured (webauthn: in mfad.yaml)");
  MFA_TRY(validate_app_name(app));
  MFA_TRY(validate_user_name(user));
  MFA_TRY(require_step_up(deps_, verifier_, app, user, who, kEnrollStepUp));
  const std::int64_t now = deps_.clock->now_s();
  auto pending = deps_.store->count_pending_challenges(app, user, now);
  if (!pending) return fail(pending.error());
  if (*pending >= limits::kMaxPendingChallengesPerUser) {
    return fail(Errc::kRateLimited, "too many pending challenges for this user");
  }
  auto id = deps_.random->id("ch_");
  if (!id) return fail(id.error());
  auto secret = deps_.random->secret(kLinkSecretBytes);
  if (!secret) return fail(secret.error());
  ChallengeRecord c;
  c.id = *id;
  c.app = app;
  c.user = user;
  c.purpose = ChallengePurpose::kEnroll;
  c.method = ChallengeMethod::kWebauthnLink;
  c.status = ChallengeStatus::kPending;
  c.max_attempts = 1;
  c.created_at_s = now;
  c.expires_at_s = now + deps_.webauthn->enroll_link_ttl_s;
  c.origin.remote_addr = who.remote_addr;
  c.origin.service = "enroll_link";
  c.code_hash = webauthn::sha256(secret->span());
  c.data = "{}";
  c.events.push_back(ChallengeEvent{deps_.clock->now_ms(), "created",
                                    "enrolment link issued by " + who.audit.actor});
  MFA_TRY(deps_.store->insert_challenge(c));
  MFA_TRY(
      audit_.record(app, user, "mfa.enroll_link_issued", who.audit,
                    nlohmann::json{{"link_id", c.id}, {"expires_at_s", c.expires_at_s}}.dump()));
  EnrollLink out;
  out.token = c.id + "." + base64url_encode(secret->span());
  out.path = "/enroll/" + out.token;
  out.expires_at_s = c.expires_at_s;
  return out;
}

Result<EnrollLinkTarget> WebAuthnService::resolve_link(const std::string& token) {
  const auto invalid = [] {
    return fail(Errc::kNotFound, "this enrolment link is not valid: used, expired or mistyped");
  };
  const auto dot = token.find('.');
  if (token.size() > kMaxTokenLen || dot == std::string::npos) return invalid();
  auto secret = base64url_decode(std::string_view(token).substr(dot + 1));
  if (!secret || secret->size() != kLinkSecretBytes) return invalid();
  auto found = deps_.store->get_challenge(token.substr(0, dot));
  if (!found) return fail(found.error());
  if (!found->has_value()) return invalid();
  const ChallengeRecord& c = **found;
  if (!ct_equal(webauthn::sha256(*secret), c.code_hash) || c.purpose != ChallengePurpose::kEnroll ||
      c.method != ChallengeMethod::kWebauthnLink || c.status != ChallengeStatus::kPending ||
      deps_.clock->now_s() >= c.expires_at_s) {
    return invalid();
  }
  return EnrollLinkTarget{c.id, c.app, c.user, c.expires_at_s};
}

Status WebAuthnService::consume_link(const EnrollLinkTarget& link, const std::string& factor_id) {
  auto moved = deps_.store->transition_challenge(
      link.link_id, ChallengeStatus::kPending, ChallengeStatus::kApproved,
      ChallengeEvent{deps_.clock->now_ms(), "approved",
                     nlohmann::json{{"factor_id", factor_id}}.dump()});
  if (!moved) return fail(moved.error());
  if (!*moved) return fail(Errc::kConflict, "this enrolment link was already used");
  return {};
}

}  // namespace mfa::core
