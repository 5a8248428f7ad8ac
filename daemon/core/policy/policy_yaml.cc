// The yaml-cpp adapter for policy.yaml: the only place that sees YAML (DESIGN.md section 7)
// and one of the few allowed to use exceptions. Every YAML::Exception, and every validation
// failure, leaves as kPolicyInvalid naming "file:line: key.path: what".
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>
#include <sstream>

#include "daemon/core/base/bounded_file.h"
#include "daemon/core/base/duration.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/names.h"
#include "daemon/core/policy/cidr.h"
#include "daemon/core/policy/policy.h"

namespace mfa::core {
namespace {

// Thrown only inside this file and caught in parse_policy().
struct PolicyError {
  int line;  // 1-based, 0 = unknown
  std::string path;
  std::string message;
};

// Error messages quote the offending text; they end up in logs, JSON and terminals, so
// control characters and bytes that are not valid UTF-8 become '?'.
std::string printable(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    bool ok = len > 0 && i + len <= in.size() && c >= 0x20 && c != 0x7f;
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len == 2) ok = c >= 0xC2;  // no overlong two-byte forms
    out += ok ? in.substr(i, len) : std::string("?");
    i += ok ? len : 1;
  }
  return out;
}

struct Parser {
  std::size_t entries = 0;
  // Errors of the sections parsed so far: each rule, app and top-level section is parsed on
  // its own, so `policy check` reports every broken one at once (issue 20), not the first.
  std::vector<PolicyError> errors;

  template <class F>
  void collect(F&& f) {
    try {
      f();
    } catch (const PolicyError& e) {
      errors.push_back(e);
    }
  }

  [[noreturn]] static void error(int line, const std::string& path, std::string msg) {
    throw PolicyError{line, printable(path), printable(msg)};
  }

  static int line_of(const YAML::Node& n, int fallback) {
    const int l = n.Mark().line;
    return (l >= 0 && !n.IsNull()) ? l + 1 : fallback;
  }

  // A scalar with no tag other than the defaults; `group: !wheel` (unquoted) parses as a tag
  // named "!wheel" on an empty value, which is never what the admin meant.
  static std::string scalar(const YAML::Node& n, int line, const std::string& path) {
    const std::string& tag = n.Tag();
    if (!tag.empty() && tag != "?" && tag != "!" && tag != "tag:yaml.org,2002:str") {
      if (tag[0] == '!' && tag.rfind("!!", 0) != 0) {
        error(line, path, "'" + tag + "' is a YAML tag; quote negations, e.g. \"" + tag + "\"");
      }
      error(line, path, "unexpected YAML tag '" + tag + "'");
    }
    if (!n.IsScalar()) error(line, path, "expected a single value");
    return n.Scalar();
  }

  static bool boolean(const YAML::Node& n, int line, const std::string& path) {
    const std::string s = scalar(n, line, path);
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    error(line, path, "expected true or false, got '" + s.substr(0, 64) + "'");
  }

  static std::int64_t duration(const YAML::Node& n, int line, const std::string& path) {
    auto d = parse_duration(scalar(n, line, path));
    if (!d) error(line, path, d.error().context);
    return *d;
  }

  static Mode mode(const YAML::Node& n, int line, const std::string& path) {
    auto m = parse_mode(scalar(n, line, path));
    if (!m) error(line, path, m.error().context);
    return *m;
  }

  static UserAliases user_aliases(const YAML::Node& n, int line, const std::string& path) {
    const std::string s = scalar(n, line, path);
    if (s == "refuse") return UserAliases::kRefuse;
    if (s == "canonical") return UserAliases::kCanonical;
    error(line, path, "expected refuse or canonical, got '" + s.substr(0, 64) + "'");
  }

  // A scalar or a sequence of scalars.
  std::vector<std::string> list(const YAML::Node& n, int line, const std::string& path) {
    std::vector<std::string> out;
    if (n.IsSequence()) {
      std::size_t i = 0;
      for (const YAML::Node& e : n) {
        const std::string p = path + "[" + std::to_string(i++) + "]";
        if (++entries > limits::kMaxPolicyEntries) error(line, p, "too many list entries");
        out.push_back(scalar(e, line_of(e, line), p));
      }
    } else {
      if (++entries > limits::kMaxPolicyEntries) error(line, path, "too many list entries");
      out.push_back(scalar(n, line, path));
    }
    return out;
  }

  std::vector<std::string> factors(const YAML::Node& n, int line, const std::string& path) {
    if (!n.IsSequence()) error(line, path, "expected a list, e.g. [totp, webauthn]");
    std::vector<std::string> out = list(n, line, path);
    if (out.empty()) error(line, path, "at least one factor is needed");
    std::set<std::string> seen;
    for (const std::string& f : out) {
      if (!is_known_factor(f)) {
        error(line, path,
              "unknown factor '" + f.substr(0, 64) +
                  "' (expected webauthn, totp, sms, email or backup_code)");
      }
      if (!seen.insert(f).second) error(line, path, "factor '" + f + "' listed twice");
    }
    return out;
  }

  // Iterates a map, rejecting duplicate keys (yaml-cpp keeps both silently) and non-maps.
  template <class F>
  static void each_key(const YAML::Node& n, int line, const std::string& path, F&& f) {
    if (n.IsNull()) return;
    if (!n.IsMap())
      error(line, path.empty() ? "(top level)" : path, "expected a mapping (key: value)");
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const int kline = line_of(kv.first, line);
      const std::string key = scalar(kv.first, kline, path.empty() ? "(key)" : path);
      const std::string kpath = path.empty() ? key : path + "." + key;
      if (!seen.insert(key).second) error(kline, kpath, "duplicate key");
      f(key, kv.second, line_of(kv.second, kline), kpath, kline);
    }
  }

  [[noreturn]] static void unknown(int line, const std::string& path, const char* allowed) {
    error(line, path, std::string("unknown key (expected one of: ") + allowed + ")");
  }

  // Keys shared by defaults, rules and apps. Returns false when `key` is not one of them.
  bool override_key(SettingsOverride& o, const std::string& key, const YAML::Node& v, int line,
                    const std::string& path) {
    if (key == "mode") {
      o.mode = mode(v, line, path);
    } else if (key == "factors") {
      o.factors = factors(v, line, path);
    } else if (key == "grace_period") {
      o.grace_period_s = duration(v, line, path);
    } else if (key == "remember") {
      o.remember_s = duration(v, line, path);
    } else if (key == "enroll_at_login") {
      o.enroll_at_login = boolean(v, line, path);
    } else if (key == "webauthn_skips_mfa") {
      o.webauthn_skips_mfa = boolean(v, line, path);
    } else {
      return false;
    }
    return true;
  }

  LockoutSettings lockout(const YAML::Node& n, int line, const std::string& path,
                          LockoutSettings base) {
    each_key(n, line, path,
             [&](const std::string& key, const YAML::Node& v, int l, const std::string& p, int) {
               if (key == "attempts") {
                 const std::string s = scalar(v, l, p);
                 std::int64_t a = 0;
                 auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), a);
                 // NIST 800-63B 5.2.2: no more than 100 consecutive failed attempts.
                 if (ec != std::errc() || end != s.data() + s.size() || a < 1 || a > 100) {
                   error(l, p, "expected a whole number 1..100, got '" + s.substr(0, 32) + "'");
                 }
                 base.attempts = a;
               } else if (key == "window") {
                 base.window_s = duration(v, l, p);
                 if (base.window_s <= 0) error(l, p, "must be longer than 0s");
               } else {
                 unknown(l, p, "attempts, window");
               }
             });
    return base;
  }

  PolicySettings defaults(const YAML::Node& n, int line) {
    PolicySettings s;
    SettingsOverride o;
    each_key(n, line, "defaults",
             [&](const std::string& key, const YAML::Node& v, int l, const std::string& p, int) {
               if (key == "lockout") {
                 s.lockout = lockout(v, l, p, s.lockout);
               } else if (!override_key(o, key, v, l, p)) {
                 unknown(l, p,
                         "mode, factors, grace_period, remember, webauthn_skips_mfa, "
                         "enroll_at_login, lockout");
               }
             });
    if (o.mode) s.mode = *o.mode;
    if (o.factors) s.factors = *o.factors;
    if (o.grace_period_s) s.grace_period_s = *o.grace_period_s;
    if (o.remember_s) s.remember_s = *o.remember_s;
    if (o.enroll_at_login) s.enroll_at_login = *o.enroll_at_login;
    if (o.webauthn_skips_mfa) s.webauthn_skips_mfa = *o.webauthn_skips_mfa;
    return s;
  }

  RuleMatch match(const YAML::Node& n, int line, const std::string& path) {
    RuleMatch m;
    each_key(n, line, path,
             [&](const std::string& key, const YAML::Node& v, int l, const std::string& p, int) {
               std::vector<std::string>* field = nullptr;
               if (key == "service" || key == "services")
                 field = &m.services;
               else if (key == "user" || key == "users")
                 field = &m.users;
               else if (key == "group" || key == "groups")
                 field = &m.groups;
               else if (key == "rhost" || key == "rhosts")
                 field = &m.rhosts;
               else if (key == "tty" || key == "ttys")
                 field = &m.ttys;
               else if (key == "app" || key == "apps")
                 field = &m.apps;
               else
                 unknown(l, p, "service, user, group, rhost, tty, app");
               if (!field->empty()) error(l, p, "given twice (singular and plural)");
               *field = list(v, l, p);
               for (std::size_t i = 0; i < field->size(); ++i) {
                 const std::string& e = (*field)[i];
                 const std::string ep = v.IsSequence() ? p + "[" + std::to_string(i) + "]" : p;
                 if (e.empty() || e == "!") error(l, ep, "empty entry");
                 if (field == &m.rhosts) {
                   auto c = parse_cidr(e[0] == '!' ? std::string_view(e).substr(1) : e);
                   if (!c) error(l, ep, c.error().context);
                 }
                 if (field == &m.apps) check_app_pattern(e, l, ep);
               }
             });
    return m;
  }

  Rule rule(const YAML::Node& n, int line, const std::string& path) {
    Rule r;
    r.line = line;
    each_key(n, line, path,
             [&](const std::string& key, const YAML::Node& v, int l, const std::string& p, int) {
               if (key == "match") {
                 r.match = match(v, l, p);
               } else if (key == "name") {
                 r.name = scalar(v, l, p);
                 if (r.name.size() > 128) error(l, p, "name too long");
               } else if (!override_key(r, key, v, l, p)) {
                 unknown(l, p,
                         "name, match, mode, factors, grace_period, remember, "
                         "webauthn_skips_mfa, enroll_at_login");
               }
             });
    if (!n.IsMap()) error(line, path, "expected a mapping with match: and settings");
    return r;
  }

  // The API's own rule (validate_app_name): a name the API refuses could never match a
  // request, so an entry spelt that way would silently never apply.
  static void check_app_name(const std::string& name, int line, const std::string& path) {
    if (auto ok = validate_app_name(name); !ok) {
      error(line, path, "'" + printable(name) + "': " + ok.error().context);
    }
  }

  // A `match: app:` entry: an app name, optionally negated ('!') and with glob wildcards
  // (* ?), which stand for name characters.
  static void check_app_pattern(const std::string& entry, int line, const std::string& path) {
    std::string name = entry[0] == '!' ? entry.substr(1) : entry;
    for (char& c : name) {
      if (c == '*' || c == '?') c = 'a';
    }
    if (auto ok = validate_app_name(name); !ok) {
      error(line, path, "'" + printable(entry) + "': " + ok.error().context);
    }
  }

  AppPolicy app(const YAML::Node& n, int line, const std::string& path,
                const PolicySettings& defaults_in) {
    AppPolicy a;
    a.line = line;
    each_key(n, line, path,
             [&](const std::string& key, const YAML::Node& v, int l, const std::string& p, int) {
               if (key == "lockout") {
                 a.lockout = lockout(v, l, p, defaults_in.lockout);
               } else if (key == "email_auth_type") {
                 a.email_auth_type = scalar(v, l, p);
                 if (a.email_auth_type != "otp") {
                   error(l, p, "expected otp, got '" + a.email_auth_type.substr(0, 32) + "'");
                 }
               } else if (!override_key(a, key, v, l, p)) {
                 unknown(l, p,
                         "mode, factors, grace_period, remember, webauthn_skips_mfa, "
                         "enroll_at_login, lockout, email_auth_type");
               }
             });
    return a;
  }

  Policy policy(const YAML::Node& root) {
    Policy out;
    if (!root.IsNull() && !root.IsMap()) {
      error(line_of(root, 1), "(top level)",
            "expected a mapping with defaults:, rules:, step_up:, pam:, apps:");
    }
    // defaults first, whatever the key order: apps' lockout inherits from it.
    if (root.IsMap()) {
      for (const auto& kv : root) {
        if (kv.first.IsScalar() && kv.first.Scalar() == "defaults") {
          collect([&] {
            out.defaults = defaults(kv.second, line_of(kv.second, line_of(kv.first, 1)));
          });
        }
      }
    }
    each_key(root, 1, "",
             [&](const std::string& key, const YAML::Node& v, int l, const std::string& p, int) {
               if (key == "defaults") return;  // done above
               if (key == "rules") {
                 if (v.IsNull()) return;
                 if (!v.IsSequence()) error(l, p, "expected a list of rules (- match: ...)");
                 if (v.size() > limits::kMaxPolicyRules) {
                   error(l, p, "more than " + std::to_string(limits::kMaxPolicyRules) + " rules");
                 }
                 std::size_t i = 0;
                 for (const YAML::Node& r : v) {
                   const std::string rp = p + "[" + std::to_string(i++) + "]";
                   collect([&] { out.rules.push_back(rule(r, line_of(r, l), rp)); });
                 }
               } else if (key == "step_up") {
                 collect([&] {
                   each_key(v, l, p,
                            [&](const std::string& k2, const YAML::Node& v2, int l2,
                                const std::string& p2, int) {
                              if (k2 != "new_rhost") unknown(l2, p2, "new_rhost");
                              out.step_up_new_rhost = boolean(v2, l2, p2);
                            });
                 });
               } else if (key == "pam") {
                 collect([&] {
                   each_key(v, l, p,
                            [&](const std::string& k2, const YAML::Node& v2, int l2,
                                const std::string& p2, int) {
                              if (k2 != "user_aliases") unknown(l2, p2, "user_aliases");
                              out.pam_user_aliases = user_aliases(v2, l2, p2);
                            });
                 });
               } else if (key == "apps") {
                 each_key(v, l, p,
                          [&](const std::string& name, const YAML::Node& v2, int l2,
                              const std::string& p2, int kline) {
                            collect([&] {
                              check_app_name(name, kline, p2);
                              out.apps.emplace(name, app(v2, l2, p2, out.defaults));
                            });
                          });
               } else {
                 collect([&] { unknown(l, p, "defaults, rules, step_up, pam, apps"); });
               }
             });
    return out;
  }
};

mfa::Unexpected invalid(std::string_view source, int line, const std::string& path,
                        const std::string& msg) {
  std::string s(source);
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!path.empty()) s += path + ": ";
  return mfa::fail(mfa::Errc::kPolicyInvalid, s + msg);
}

}  // namespace

mfa::Result<Policy> parse_policy(std::string_view yaml_text, std::string_view source_name) {
  if (yaml_text.size() > limits::kMaxPolicyFileBytes) {
    return invalid(source_name, 0, "",
                   "file is " + std::to_string(yaml_text.size()) + " bytes, the limit is " +
                       std::to_string(limits::kMaxPolicyFileBytes));
  }
  if (yaml_text.find('\0') != std::string_view::npos) {
    return invalid(source_name, 0, "", "file contains a NUL byte");
  }
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    Parser parser;
    Policy p;
    parser.collect([&] { p = parser.policy(root); });
    if (!parser.errors.empty()) {
      // One line per error, in file order; the first one is the error's code and start.
      std::string all;
      constexpr std::size_t kShown = 20;  // a file broken everywhere: the first ones suffice
      for (std::size_t i = 0; i < parser.errors.size() && i < kShown; ++i) {
        const PolicyError& e = parser.errors[i];
        if (!all.empty()) all += "\n";
        all += invalid(source_name, e.line, e.path, e.message).error.context;
      }
      if (parser.errors.size() > kShown) {
        all += "\n(" + std::to_string(parser.errors.size() - kShown) + " more errors)";
      }
      return mfa::fail(mfa::Errc::kPolicyInvalid, all);
    }
    p.source = std::string(source_name);
    return p;
  } catch (const PolicyError& e) {
    return invalid(source_name, e.line, e.path, e.message);
  } catch (const YAML::Exception& e) {
    return invalid(source_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg);
  }
}

mfa::Result<Policy> load_policy_file(const std::string& path) {
  // Checked on the open descriptor (no stat-then-open race), at most the limit + 1 bytes read.
  auto text = mfa::read_bounded_file(path, {.max_bytes = limits::kMaxPolicyFileBytes,
                                            .what = "policy file",
                                            .errc = mfa::Errc::kPolicyInvalid});
  if (!text) return mfa::fail(text.error());
  return parse_policy(*text, path);
}

}  // namespace mfa::core
