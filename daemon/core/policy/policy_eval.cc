// evaluate(): defaults -> apps.<name> -> first matching rule.
#include <algorithm>

#include "daemon/core/base/duration.h"
#include "daemon/core/base/system_app.h"
#include "daemon/core/policy/cidr.h"
#include "daemon/core/policy/policy.h"

namespace mfa::core {
namespace {

// '*' matches any run (also empty), '?' one character; everything else literally. Iterative
// with single backtracking point: linear-ish, no recursion blow-up on hostile patterns.
bool glob_match(std::string_view pat, std::string_view s) {
  std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && (pat[p] == '?' || pat[p] == s[i])) {
      ++p;
      ++i;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

enum class Kind { kGlob, kExact, kRhost };

bool entry_matches(Kind kind, std::string_view entry, const std::vector<std::string>& values) {
  for (const std::string& v : values) {
    switch (kind) {
      case Kind::kGlob:
        if (glob_match(entry, v)) return true;
        break;
      case Kind::kExact:
        if (entry == v) return true;
        break;
      case Kind::kRhost: {
        // The parser validated every entry; a non-CIDR entry here would simply not match.
        auto c = parse_cidr(entry);
        if (c && cidr_contains(*c, v)) return true;
        if (!c && entry == v) return true;
        break;
      }
    }
  }
  return false;
}

// See RuleMatch: (no positive entries || a positive one matches) && no negated one matches.
bool list_matches(Kind kind, const std::vector<std::string>& entries,
                  const std::vector<std::string>& values) {
  bool any_positive = false, positive_hit = false;
  for (const std::string& e : entries) {
    const bool negated = !e.empty() && e[0] == '!';
    const std::string_view body = negated ? std::string_view(e).substr(1) : std::string_view(e);
    const bool hit = entry_matches(kind, body, values);
    if (negated && hit) return false;
    if (!negated) {
      any_positive = true;
      positive_hit = positive_hit || hit;
    }
  }
  return !any_positive || positive_hit;
}

std::string join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

void apply(PolicySettings& s, const SettingsOverride& o) {
  if (o.mode) s.mode = *o.mode;
  if (o.factors) s.factors = *o.factors;
  if (o.grace_period_s) s.grace_period_s = *o.grace_period_s;
  if (o.remember_s) s.remember_s = *o.remember_s;
  if (o.enroll_at_login) s.enroll_at_login = *o.enroll_at_login;
  if (o.webauthn_skips_mfa) s.webauthn_skips_mfa = *o.webauthn_skips_mfa;
}

std::string describe_overrides(const SettingsOverride& o) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  if (o.mode) add("mode " + std::string(to_string(*o.mode)));
  if (o.factors) add("factors " + join(*o.factors));
  if (o.grace_period_s) add("grace_period " + format_duration(*o.grace_period_s));
  if (o.remember_s) add("remember " + format_duration(*o.remember_s));
  if (o.enroll_at_login)
    add(std::string("enroll_at_login ") + (*o.enroll_at_login ? "true" : "false"));
  if (o.webauthn_skips_mfa) {
    add(std::string("webauthn_skips_mfa ") + (*o.webauthn_skips_mfa ? "true" : "false"));
  }
  return out.empty() ? "no overrides" : out;
}

std::string rule_label(const Policy& policy, const Rule& rule, std::size_t index) {
  std::string out = "rules[" + std::to_string(index) + "]";
  if (!rule.name.empty()) out += " \"" + rule.name + "\"";
  std::string src = policy.source;
  if (const auto slash = src.rfind('/'); slash != std::string::npos) src = src.substr(slash + 1);
  if (src.empty()) src = "policy";
  return out + " (" + src + ":" + std::to_string(rule.line) + ")";
}

}  // namespace

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::kOff: return "off";
    case Mode::kRequired: return "required";
    case Mode::kOptional: break;
  }
  return "optional";
}

std::string_view to_string(UserAliases aliases) {
  return aliases == UserAliases::kCanonical ? "canonical" : "refuse";
}

mfa::Result<Mode> parse_mode(std::string_view text) {
  if (text == "off") return Mode::kOff;
  if (text == "optional") return Mode::kOptional;
  if (text == "required") return Mode::kRequired;
  return mfa::fail(mfa::Errc::kPolicyInvalid, "expected off, optional or required, got '" +
                                                  std::string(text.substr(0, 64)) + "'");
}

bool is_known_factor(std::string_view name) {
  return std::any_of(std::begin(kFactorNames), std::end(kFactorNames),
                     [&](const char* f) { return name == f; });
}

bool rule_matches(const RuleMatch& m, const LoginContext& ctx, std::string* why) {
  auto fail_with = [&](const char* what, const std::vector<std::string>& entries,
                       const std::string& value) {
    if (why != nullptr)
      *why = std::string(what) + " '" + value + "' does not match " + join(entries);
    return false;
  };
  const std::vector<std::string> app{ctx.app};
  if (m.apps.empty()) {
    if (ctx.app != kSystemApp) {
      if (why != nullptr) *why = "app '" + ctx.app + "' is not system (rule has no app: match)";
      return false;
    }
  } else if (!list_matches(Kind::kGlob, m.apps, app)) {
    return fail_with("app", m.apps, ctx.app);
  }
  if (!m.services.empty() && !list_matches(Kind::kGlob, m.services, {ctx.origin.service})) {
    return fail_with("service", m.services, ctx.origin.service);
  }
  if (!m.users.empty() && !list_matches(Kind::kGlob, m.users, {ctx.user})) {
    return fail_with("user", m.users, ctx.user);
  }
  if (!m.groups.empty() && !list_matches(Kind::kExact, m.groups, ctx.groups)) {
    return fail_with("groups", m.groups, join(ctx.groups));
  }
  if (!m.rhosts.empty() && !list_matches(Kind::kRhost, m.rhosts, {ctx.origin.remote_addr})) {
    return fail_with("rhost", m.rhosts, ctx.origin.remote_addr);
  }
  if (!m.ttys.empty() && !list_matches(Kind::kGlob, m.ttys, {ctx.origin.tty})) {
    return fail_with("tty", m.ttys, ctx.origin.tty);
  }
  return true;
}

Evaluation evaluate(const Policy& policy, const LoginContext& ctx) {
  Evaluation ev;
  ev.settings = policy.defaults;
  ev.matched = "defaults";
  ev.step_up_new_rhost = policy.step_up_new_rhost;
  ev.trace.push_back("defaults: mode " + std::string(to_string(policy.defaults.mode)));
  if (auto it = policy.apps.find(ctx.app); it != policy.apps.end()) {
    apply(ev.settings, it->second);
    if (it->second.lockout) ev.settings.lockout = *it->second.lockout;
    ev.email_auth_type = it->second.email_auth_type;
    ev.matched = "apps." + ctx.app;
    ev.trace.push_back("apps." + ctx.app + ": applied (" + describe_overrides(it->second) + ")");
  } else if (ctx.app != kSystemApp) {
    ev.trace.push_back("apps." + ctx.app + ": not configured, defaults apply");
  }
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const Rule& rule = policy.rules[i];
    const std::string label = rule_label(policy, rule, i);
    std::string why;
    if (!rule_matches(rule.match, ctx, &why)) {
      ev.trace.push_back(label + ": skipped, " + why);
      continue;
    }
    apply(ev.settings, rule);
    ev.matched = label;
    ev.trace.push_back(label + ": matched (" + describe_overrides(rule) + "); first match wins");
    break;
  }
  return ev;
}

}  // namespace mfa::core
