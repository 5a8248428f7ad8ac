// doctor: what sshd must say for pam_mfa.so to be asked at an SSH login (conf/pam.d/README.md):
// UsePAM yes (else no PAM stack runs), KbdInteractiveAuthentication yes (the code prompt is a
// keyboard-interactive exchange), and AuthenticationMethods lists that each end in
// keyboard-interactive (a public key alone never runs PAM's auth stack). Read from `sshd -T`
// (the effective configuration: needs root and the host keys) when no file is named, else
// from the file and its Include files, as sshd reads them: first value wins, Match blocks
// apply only to some logins (reported, not judged).
#include <fcntl.h>
#include <glob.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/doctor.h"
#include "daemon/core/base/c_handles.h"

extern char** environ;

namespace mfa::cli::doctor {
namespace {

constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr std::size_t kMaxOutput = 1 << 20;
constexpr int kMaxIncludeDepth = 16;  // sshd's own READCONF_MAX_DEPTH

struct GlobFree {
  void operator()(glob_t* g) const noexcept { globfree(g); }
};
struct SpawnActionsDestroy {
  void operator()(posix_spawn_file_actions_t* a) const noexcept {
    posix_spawn_file_actions_destroy(a);
  }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct SshdSettings {
  std::map<std::string, std::string> values;  // lower-case keyword -> first value
  std::vector<std::string> in_match;          // our keywords that a Match block sets
  std::string source;
};

const std::vector<std::string> kKeywords = {"usepam", "kbdinteractiveauthentication",
                                            "authenticationmethods"};

std::string canonical_keyword(std::string k) {
  k = lower(std::move(k));
  return k == "challengeresponseauthentication" ? "kbdinteractiveauthentication" : k;
}

bool is_ours(const std::string& k) {
  return std::find(kKeywords.begin(), kKeywords.end(), k) != kKeywords.end();
}

void parse_file(const std::string& path, const std::string& base, int depth, SshdSettings& s);

void include(const std::string& pattern, const std::string& base, int depth, SshdSettings& s) {
  const std::string full = pattern.front() == '/' ? pattern : base + "/" + pattern;
  glob_t g{};
  std::unique_ptr<glob_t, GlobFree> owned(&g);
  if (glob(full.c_str(), 0, nullptr, &g) != 0) return;  // no match: sshd ignores it too
  for (std::size_t i = 0; i < g.gl_pathc; ++i) parse_file(g.gl_pathv[i], base, depth + 1, s);
}

void parse_file(const std::string& path, const std::string& base, int depth, SshdSettings& s) {
  if (depth > kMaxIncludeDepth) return;
  std::ifstream in(path);
  bool in_match = false;
  for (std::string line; std::getline(in, line);) {
    for (char& c : line) {
      if (c == '=' || c == '\t') c = ' ';  // "Keyword=value" is allowed
    }
    std::istringstream ws(line);
    std::string keyword;
    if (!(ws >> keyword) || keyword.front() == '#') continue;
    keyword = canonical_keyword(keyword);
    std::vector<std::string> args;
    for (std::string a; ws >> a;) {
      if (a.front() == '#') break;
      a.erase(std::remove(a.begin(), a.end(), '"'), a.end());
      args.push_back(a);
    }
    if (keyword == "match") {
      in_match = true;
    } else if (in_match) {
      if (is_ours(keyword)) s.in_match.push_back(keyword);
    } else if (keyword == "include") {
      for (const std::string& a : args) include(a, base, depth, s);
    } else if (is_ours(keyword) && !s.values.count(keyword) && !args.empty()) {
      std::string v;
      for (const std::string& a : args) v += (v.empty() ? "" : " ") + a;
      s.values[keyword] = keyword == "authenticationmethods" ? v : lower(v);
    }
  }
}

// `sshd -T`: the configuration sshd would run with. nullopt when it cannot say (no host keys,
// no /run/sshd, not root), with its last line of output in `why`; then the file is read.
std::optional<SshdSettings> sshd_dash_t(std::string& why) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  UniqueFd rd(fds[0]), wr(fds[1]);
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return std::nullopt;
  std::unique_ptr<posix_spawn_file_actions_t, SpawnActionsDestroy> owned(&actions);
  posix_spawn_file_actions_adddup2(&actions, wr.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, wr.get(), STDERR_FILENO);
  char arg0[] = "sshd", arg1[] = "-T";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = -1;
  if (posix_spawn(&pid, kSshd, &actions, nullptr, argv, environ) != 0) return std::nullopt;
  wr.reset();
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(rd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < kMaxOutput) out.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    why = out.substr(out.find_last_of('\n') == std::string::npos ? 0 : out.find_last_of('\n') + 1);
    return std::nullopt;
  }
  SshdSettings s;
  s.source = "sshd -T";
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string k = canonical_keyword(line.substr(0, sp));
    if (is_ours(k) && !s.values.count(k)) s.values[k] = line.substr(sp + 1);
  }
  return s;
}

std::string value_or(const SshdSettings& s, const std::string& k, const char* def) {
  const auto it = s.values.find(k);
  return it == s.values.end() ? def : it->second;
}

std::string match_note(const SshdSettings& s, const std::string& k) {
  return std::find(s.in_match.begin(), s.in_match.end(), k) == s.in_match.end()
             ? ""
             : "; a Match block changes it for some logins (check: sshd -T -C "
               "user=U,host=H,addr=A)";
}

Check use_pam(const SshdSettings& s) {
  const std::string v = value_or(s, "usepam", "no");
  const std::string at = "UsePAM " + v + " (" + s.source + ")" + match_note(s, "usepam");
  if (v == "yes") return {"sshd:UsePAM", Verdict::kOk, at, ""};
  return {"sshd:UsePAM", Verdict::kFail,
          at + ": sshd runs no PAM stack, so pam_mfa.so is never asked",
          "UsePAM yes in sshd_config, then systemctl reload ssh"};
}

Check kbd_interactive(const SshdSettings& s) {
  const std::string k = "kbdinteractiveauthentication";
  const std::string v = value_or(s, k, "yes");
  const std::string at =
      "KbdInteractiveAuthentication " + v + " (" + s.source + ")" + match_note(s, k);
  if (v == "yes") return {"sshd:KbdInteractiveAuthentication", Verdict::kOk, at, ""};
  return {"sshd:KbdInteractiveAuthentication", Verdict::kFail,
          at + ": the code prompt is a keyboard-interactive exchange, so sshd cannot ask for it",
          "KbdInteractiveAuthentication yes in sshd_config, then systemctl reload ssh"};
}

Check methods(const SshdSettings& s) {
  const std::string k = "authenticationmethods";
  const std::string v = value_or(s, k, "any");
  const std::string name = "sshd:AuthenticationMethods";
  const std::string at = "AuthenticationMethods " + v + " (" + s.source + ")" + match_note(s, k);
  const std::string fix =
      "AuthenticationMethods publickey,keyboard-interactive (a key, then the code through PAM)";
  if (v == "any") {
    return {name, Verdict::kWarn,
            at + ": any one method logs in, and a public key login never runs PAM's auth stack, "
                 "so it skips the code",
            fix};
  }
  std::istringstream lists(v);
  for (std::string list; lists >> list;) {
    std::istringstream steps(list);
    bool kbd = false;
    for (std::string step; std::getline(steps, step, ',');) {
      kbd = kbd || step == "keyboard-interactive" || step.rfind("keyboard-interactive:", 0) == 0;
    }
    if (!kbd) {
      return {name, Verdict::kWarn,
              at + ": the list '" + list +
                  "' logs in without keyboard-interactive, so without "
                  "the code",
              fix};
    }
  }
  return {name, Verdict::kOk, at, ""};
}

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Checks check_sshd(const std::string& sshd_config, bool file_given) {
  std::optional<SshdSettings> settings;
  const bool have_sshd = ::access(kSshd, X_OK) == 0;
  std::string dash_t_failed;
  if (!file_given && have_sshd && is_root()) settings = sshd_dash_t(dash_t_failed);
  if (!settings) {
    struct stat st {};
    if (::stat(sshd_config.c_str(), &st) != 0 || ::access(sshd_config.c_str(), R_OK) != 0) {
      const int err = errno;
      const std::string why = sshd_config + ": " + std::strerror(err);
      if (err == ENOENT && !have_sshd && !file_given) {
        return {{"sshd", Verdict::kSkip, "sshd is not installed (" + why + ")", ""}};
      }
      if (err == EACCES) return {needs_root("sshd", why, "")};
      return {{"sshd", Verdict::kFail, why, "name sshd's config with --sshd-config FILE"}};
    }
    settings.emplace();
    // Relative Include paths: sshd takes them from /etc/ssh, the main file's directory.
    parse_file(sshd_config, dir_of(sshd_config), 0, *settings);
    settings->source = sshd_config;
    if (!dash_t_failed.empty()) settings->source += "; sshd -T: " + dash_t_failed;
  }
  return {use_pam(*settings), kbd_interactive(*settings), methods(*settings)};
}

}  // namespace mfa::cli::doctor
