#include "daemon/core/policy/policy_explain.h"

#include "daemon/core/base/duration.h"
#include "daemon/core/base/system_app.h"

namespace mfa::core {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

nlohmann::json lockout_json(const LockoutSettings& l) {
  return {
      {"attempts", l.attempts}, {"window", format_duration(l.window_s)}, {"window_s", l.window_s}};
}

void overrides_json(nlohmann::json& j, const SettingsOverride& o) {
  if (o.mode) j["mode"] = std::string(to_string(*o.mode));
  if (o.factors) j["factors"] = *o.factors;
  if (o.grace_period_s) j["grace_period_s"] = *o.grace_period_s;
  if (o.remember_s) j["remember_s"] = *o.remember_s;
  if (o.enroll_at_login) j["enroll_at_login"] = *o.enroll_at_login;
  if (o.webauthn_skips_mfa) j["webauthn_skips_mfa"] = *o.webauthn_skips_mfa;
}

nlohmann::json match_json(const RuleMatch& m) {
  nlohmann::json j = nlohmann::json::object();
  auto put = [&](const char* k, const std::vector<std::string>& v) {
    if (!v.empty()) j[k] = v;
  };
  put("service", m.services);
  put("user", m.users);
  put("group", m.groups);
  put("rhost", m.rhosts);
  put("tty", m.ttys);
  put("app", m.apps);
  return j;
}

}  // namespace

nlohmann::json settings_to_json(const PolicySettings& s) {
  return {{"mode", std::string(to_string(s.mode))},
          {"factors", s.factors},
          {"grace_period", format_duration(s.grace_period_s)},
          {"grace_period_s", s.grace_period_s},
          {"remember", format_duration(s.remember_s)},
          {"remember_s", s.remember_s},
          {"webauthn_skips_mfa", s.webauthn_skips_mfa},
          {"enroll_at_login", s.enroll_at_login},
          {"lockout", lockout_json(s.lockout)}};
}

nlohmann::json policy_to_json(const Policy& p) {
  nlohmann::json j = {{"source", p.source},
                      {"defaults", settings_to_json(p.defaults)},
                      {"rules", nlohmann::json::array()},
                      {"step_up", {{"new_rhost", p.step_up_new_rhost}}},
                      {"pam", {{"user_aliases", to_string(p.pam_user_aliases)}}},
                      {"apps", nlohmann::json::object()}};
  for (std::size_t i = 0; i < p.rules.size(); ++i) {
    const Rule& r = p.rules[i];
    nlohmann::json rj = {{"index", i}, {"line", r.line}, {"match", match_json(r.match)}};
    if (!r.name.empty()) rj["name"] = r.name;
    overrides_json(rj, r);
    j["rules"].push_back(std::move(rj));
  }
  for (const auto& [name, a] : p.apps) {
    nlohmann::json aj = {{"line", a.line}, {"email_auth_type", a.email_auth_type}};
    overrides_json(aj, a);
    if (a.lockout) aj["lockout"] = lockout_json(*a.lockout);
    j["apps"][name] = std::move(aj);
  }
  return j;
}

nlohmann::json evaluation_to_json(const Evaluation& ev, const LoginContext& ctx) {
  return {{"matched", ev.matched},
          {"settings", settings_to_json(ev.settings)},
          {"trace", ev.trace},
          {"step_up_new_rhost", ev.step_up_new_rhost},
          {"email_auth_type", ev.email_auth_type},
          {"flow", explain_flow(ev, ctx)}};
}

std::vector<std::string> explain_flow(const Evaluation& ev, const LoginContext& ctx) {
  const PolicySettings& s = ev.settings;
  const std::string who = ctx.user.empty() ? std::string("the user") : ctx.user;
  const std::string factors = "[" + join(s.factors) + "]";
  const bool pam = ctx.app == kSystemApp;
  std::vector<std::string> flow;
  if (s.mode == Mode::kOff) {
    flow.push_back("MFA is off for this login: no second factor is asked" +
                   std::string(pam ? " (pam_mfa returns PAM_IGNORE; the rest of the stack decides)."
                                   : " (logins answer allow)."));
    return flow;
  }
  if (s.webauthn_skips_mfa && !pam) {
    flow.push_back("A passkey (WebAuthn) first factor already counts as two factors: allowed.");
  }
  if (s.remember_s > 0) {
    flow.push_back("If " + who + " passed MFA from the same address" +
                   std::string(pam ? " and service" : "") + " within the last " +
                   format_duration(s.remember_s) + ", no second factor is asked.");
  }
  flow.push_back(
      "If " + who + " has an active factor among " + factors +
      ", one is asked for (a picker when several; backup codes always work if allowed).");
  if (s.mode == Mode::kOptional) {
    flow.push_back("Otherwise the login continues without MFA" +
                   std::string(pam ? " (PAM_IGNORE)." : " (allow)."));
    if (ev.step_up_new_rhost) {
      flow.push_back("Step-up: from an address never seen for " + who +
                     ", MFA is asked even though the mode is optional (users with a factor).");
    }
  } else {
    flow.push_back("Otherwise, within the grace period (" + format_duration(s.grace_period_s) +
                   " from the first login under `required`), the login continues and " + who +
                   " is reminded to enrol.");
    if (s.enroll_at_login && pam) {
      flow.push_back("After the grace period, " + who +
                     " enrols during the login (QR code for TOTP, confirm a first code, backup "
                     "codes shown once), then the login continues.");
    } else {
      flow.push_back("After the grace period, the login is denied until " + who +
                     " enrols a factor" +
                     std::string(pam ? " (PAM_AUTH_ERR)." : " (enroll_required)."));
    }
  }
  flow.push_back("A wrong code counts as a failure: after " + std::to_string(s.lockout.attempts) +
                 " failures within " + format_duration(s.lockout.window_s) +
                 " (per user and per remote address) further attempts are locked out for " +
                 format_duration(s.lockout.window_s) + ".");
  return flow;
}

std::string explain_text(const Policy& policy, const LoginContext& ctx) {
  const Evaluation ev = evaluate(policy, ctx);
  std::string out = "Login: app " + ctx.app;
  if (!ctx.origin.service.empty()) out += ", service " + ctx.origin.service;
  if (!ctx.user.empty()) out += ", user " + ctx.user;
  out += ", rhost " +
         (ctx.origin.remote_addr.empty() ? std::string("(none)") : ctx.origin.remote_addr);
  if (!ctx.origin.tty.empty()) out += ", tty " + ctx.origin.tty;
  out += ", groups [" + join(ctx.groups) + "]\n";
  out += "Policy: " + (policy.source.empty() ? std::string("(built-in)") : policy.source) + "\n";
  for (const std::string& t : ev.trace) out += "  " + t + "\n";
  const PolicySettings& s = ev.settings;
  out += "Effective (from " + ev.matched + "): mode " + std::string(to_string(s.mode)) +
         ", factors [" + join(s.factors) + "], grace_period " + format_duration(s.grace_period_s) +
         ", remember " + format_duration(s.remember_s) + ", enroll_at_login " +
         (s.enroll_at_login ? "true" : "false") + ", webauthn_skips_mfa " +
         (s.webauthn_skips_mfa ? "true" : "false") + ", lockout " +
         std::to_string(s.lockout.attempts) + " per " + format_duration(s.lockout.window_s) + "\n";
  out += "Flow:\n";
  int n = 1;
  for (const std::string& step : explain_flow(ev, ctx)) {
    out += "  " + std::to_string(n++) + ". " + step + "\n";
  }
  return out;
}

}  // namespace mfa::core
