// mfactl policy check [FILE] | reload |
//   explain --user U [--service S] [--rhost ADDR] [--tty TTY] [--first-factor F] [--app APP]
// `check` parses locally with the daemon's own parser, so a file can be checked before it is
// installed; `reload` and `explain` ask the running daemon.
#include <grp.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/self.h"
#include "daemon/core/policy/policy.h"
#include "daemon/core/policy/policy_holder.h"

namespace mfa::cli {
namespace {

constexpr const char* kDefaultPolicy = "/etc/mfad/policy.yaml";

std::string query_escape(const std::string& s) {
  return url_segment(s);
}

// The groups the rules name that this host does not know (a Debian policy says `sudo`, a RHEL
// one `wheel`): such a rule never matches, and its negation ("!wheel") always does.
std::vector<std::string> unknown_groups(const core::Policy& p) {
  std::vector<std::string> out;
  std::vector<char> buf(16384);
  for (const auto& rule : p.rules) {
    for (std::string g : rule.match.groups) {
      if (!g.empty() && g.front() == '!') g.erase(0, 1);
      group gr{};
      group* found = nullptr;
      if (g.empty() || getgrnam_r(g.c_str(), &gr, buf.data(), buf.size(), &found) != 0 ||
          found != nullptr) {
        continue;
      }
      const std::string where =
          rule.name.empty() ? "line " + std::to_string(rule.line) : "'" + rule.name + "'";
      out.push_back("rule " + where + " names group '" + g +
                    "', which does not exist on this host: it never matches");
    }
  }
  return out;
}

// Without FILE: the policy file of the daemon behind --socket (what it loaded, GET
// /v1/policy), so `--socket run/mfad.sock policy check` checks run/'s policy. When that daemon
// cannot say (not running, not an admin), the default path, and the user is told which.
std::string policy_of_instance(const CliContext& ctx) {
  auto r = ctx.call("GET", "/v1/policy");
  std::string why;
  if (!r) {
    why = "the daemon on " + ctx.socket + " is not reachable";
  } else if (r->status != 200) {
    why = "the daemon on " + ctx.socket + " did not say which policy it uses (HTTP " +
          std::to_string(r->status) + ")";
  } else if (std::string source = parse_body(*r).value("source", ""); !source.empty()) {
    return source;
  } else {
    why = "the daemon on " + ctx.socket + " runs without a policy file";
  }
  if (!ctx.json) {
    std::fprintf(stderr, "mfactl: %s; checking %s\n", shown(why).c_str(), kDefaultPolicy);
  }
  return kDefaultPolicy;
}

int check(CliContext& ctx, const std::vector<std::string>& args) {
  if (args.size() > 1) return usage_error("usage: policy check [FILE]");
  const std::string path = args.empty() ? policy_of_instance(ctx) : args[0];
  auto p = core::load_policy_file(path);
  if (!p) {
    // Every error of the file, one a line (the parser goes on after a broken rule or app).
    const std::string& all = p.error().context;
    if (ctx.json) {
      nlohmann::json errors = nlohmann::json::array();
      for (std::size_t at = 0; at <= all.size();) {
        const std::size_t nl = std::min(all.find('\n', at), all.size());
        errors.push_back(all.substr(at, nl - at));
        at = nl + 1;
      }
      print_json_line(nlohmann::json(
          {{"ok", false}, {"file", path}, {"error", errors[0]}, {"errors", errors}}));
    } else {
      for (std::size_t at = 0; at <= all.size();) {
        const std::size_t nl = std::min(all.find('\n', at), all.size());
        std::fprintf(stderr, "mfactl: %s\n", shown(all.substr(at, nl - at)).c_str());
        at = nl + 1;
      }
    }
    return kExitDaemonError;
  }
  // summarize() starts with the file name, which the OK line already gives.
  std::string summary = core::summarize(*p);
  if (summary.rfind(p->source + ": ", 0) == 0) summary.erase(0, p->source.size() + 2);
  const std::vector<std::string> warnings = unknown_groups(*p);
  if (ctx.json) {
    print_json_line(nlohmann::json(
        {{"ok", true}, {"file", path}, {"summary", summary}, {"warnings", warnings}}));
  } else {
    for (const auto& w : warnings) std::fprintf(stderr, "mfactl: warning: %s\n", shown(w).c_str());
    std::printf("%s: OK (%s)\n", shown(path).c_str(), shown(summary).c_str());
  }
  return kExitOk;
}

int reload(CliContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) return usage_error("usage: policy reload");
  auto r = ctx.call("POST", "/v1/policy/reload", "{}");
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  if (ctx.json) {
    print_json(r->body);
  } else {
    std::printf("policy reloaded: %s\n", shown(parse_body(*r), "summary").c_str());
  }
  return kExitOk;
}

int explain(CliContext& ctx, std::vector<std::string> args) {
  std::string user, service, rhost, tty, first_factor, app = "system";
  if (!take_option(args, "--user", user) || !take_option(args, "--service", service) ||
      !take_option(args, "--rhost", rhost) || !take_option(args, "--tty", tty) ||
      !take_option(args, "--first-factor", first_factor) || !take_option(args, "--app", app) ||
      !args.empty() || user.empty()) {
    return usage_error(
        "usage: policy explain --user USER [--service SERVICE] [--rhost ADDR] [--tty TTY] "
        "[--first-factor FACTOR] [--app APP]");
  }
  auto r = ctx.call(
      "GET", "/v1/policy/explain?user=" + query_escape(user) + "&service=" + query_escape(service) +
                 "&remote_addr=" + query_escape(rhost) + "&tty=" + query_escape(tty) +
                 "&first_factor=" + query_escape(first_factor) + "&app=" + query_escape(app));
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  if (ctx.json) {
    print_json(r->body);
    return kExitOk;
  }
  int n = 0;
  for (const auto& step : parse_body(*r).value("steps", nlohmann::json::array())) {
    std::printf("%2d. %s\n", ++n,
                step.is_string() ? shown(step.get_ref<const std::string&>()).c_str() : "?");
  }
  return kExitOk;
}

}  // namespace

int cmd_policy(CliContext& ctx, std::vector<std::string> args) {
  if (args.empty())
    return usage_error("usage: policy check [FILE] | reload | explain --user U ...");
  const std::string sub = args[0];
  args.erase(args.begin());
  if (sub == "check") return check(ctx, args);
  if (sub == "reload") return reload(ctx, args);
  if (sub == "explain") return explain(ctx, std::move(args));
  return usage_error("unknown policy command '" + sub + "'");
}

}  // namespace mfa::cli
