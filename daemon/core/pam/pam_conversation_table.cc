// The table of open PAM conversations and its bounds (issue 10 finding 2): expiry, the caps
// of limits.h (all conversations, per PAM user, per non-admin caller uid), and what a new
// conversation replaces. Every function here runs with PamConversations::mu_ held.
#include <algorithm>

#include "daemon/core/base/limits.h"
#include "daemon/core/base/secret.h"
#include "daemon/core/pam/pam_conversation.h"

namespace mfa::core {

void PamConversations::purge_expired(std::int64_t now) {
  for (auto it = convs_.begin(); it != convs_.end();) {
    it = it->second.expires_at_s > now ? std::next(it) : drop(it);
  }
}

std::map<std::string, PamConversations::Conv>::iterator PamConversations::drop(
    std::map<std::string, Conv>::iterator it) {
  secure_wipe(it->second.key_pin);
  secure_wipe(it->second.enroll_prompt);
  for (auto& code : it->second.backup_codes) secure_wipe(code);
  return convs_.erase(it);
}

std::vector<std::string> PamConversations::drop_replaced(uid_t owner, const PamStart& req) {
  std::vector<std::string> challenges;
  for (auto it = convs_.begin(); it != convs_.end();) {
    const Conv& c = it->second;
    if (c.owner != owner || c.state == State::kStarting || c.req.user != req.user ||
        c.req.origin.service != req.origin.service || c.req.origin.tty != req.origin.tty) {
      ++it;
      continue;
    }
    if (!c.challenge_id.empty()) challenges.push_back(c.challenge_id);
    it = drop(it);
  }
  return challenges;
}

Status PamConversations::check_caps(const PamStart& req, const PamCaller& caller,
                                    std::int64_t now) const {
  std::size_t for_user = 0;
  std::size_t for_uid = 0;
  std::int64_t user_next = 0;  // when the first of the user's (the uid's) slots frees up
  std::int64_t uid_next = 0;
  for (const auto& [id, c] : convs_) {
    if (c.req.user == req.user) {
      ++for_user;
      user_next = user_next == 0 ? c.expires_at_s : std::min(user_next, c.expires_at_s);
    }
    if (!caller.admin && c.owner == caller.uid) {
      ++for_uid;
      uid_next = uid_next == 0 ? c.expires_at_s : std::min(uid_next, c.expires_at_s);
    }
  }
  auto refuse = [now](const std::string& why, std::int64_t next) {
    Error e = make_error(Errc::kRateLimited, why);
    e.retry_after_s = std::max<std::int64_t>(1, next - now);
    return fail(std::move(e));
  };
  if (convs_.size() >= limits::kMaxPamConversations) {
    return refuse("too many PAM conversations in progress", now + limits::kPamConversationTtlS);
  }
  if (for_user >= limits::kMaxPamConversationsPerUser) {
    return refuse("too many PAM conversations in progress for this user", user_next);
  }
  if (!caller.admin && for_uid >= limits::kMaxPamConversationsPerUid) {
    return refuse("too many PAM conversations in progress for this caller", uid_next);
  }
  return {};
}

}  // namespace mfa::core
