// doctor: the PAM stacks that name pam_mfa.so. Warns where MFA can be skipped (an auth line
// whose failure PAM ignores: `sufficient`, `optional`, `[... auth_err=ignore ...]`, or a `-`
// type that drops a missing module silently) and where the module would ask another socket
// than mfad's; fails where the module file does not exist (PAM then refuses, or with `-`
// skips, every login of that stack).
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/doctor.h"

namespace mfa::cli::doctor {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModuleDefaultSocket = "/run/mfad/mfad.sock";  // client/limits.h
constexpr std::uintmax_t kMaxStackBytes = 1 << 20;

struct Finding {
  Verdict verdict;
  std::string text;
  std::string fix;
};

struct StackLine {
  int number = 0;
  bool dash = false;  // "-auth": a module that cannot be loaded is skipped silently
  std::string type, control, module;
  std::vector<std::string> args;
};

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// "[a b" "c]" -> "[a b c]" (brackets group a control or an argument that holds spaces).
std::vector<std::string> rejoin_brackets(const std::vector<std::string>& ws) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    std::string w = ws[i];
    if (!w.empty() && w.front() == '[') {
      while (w.find(']') == std::string::npos && i + 1 < ws.size()) w += " " + ws[++i];
    }
    out.push_back(w);
  }
  return out;
}

std::vector<StackLine> mfa_lines(const fs::path& file) {
  std::vector<StackLine> out;
  std::ifstream in(file);
  std::string line, joined;
  int number = 0, first = 0;
  while (std::getline(in, line)) {
    ++number;
    if (joined.empty()) first = number;
    if (!line.empty() && line.back() == '\\') {  // continued on the next line
      joined += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    joined += line;
    std::string text = std::move(joined);
    joined.clear();
    if (const auto hash = text.find('#'); hash != std::string::npos) text.erase(hash);
    const auto ws = rejoin_brackets(words(text));
    if (ws.size() < 3 || ws[0].front() == '@') continue;
    StackLine s;
    s.number = first;
    s.type = ws[0];
    if (s.type.front() == '-') {
      s.dash = true;
      s.type.erase(0, 1);
    }
    s.control = ws[1];
    s.module = ws[2];
    if (fs::path(s.module).filename() != "pam_mfa.so") continue;
    s.args.assign(ws.begin() + 3, ws.end());
    out.push_back(std::move(s));
  }
  return out;
}

// Where libpam looks for a module named without a path: its own directory (the multiarch one on
// Debian, /usr/lib64/security on RHEL).
bool module_exists(const std::string& module) {
  std::error_code ec;
  if (!module.empty() && module.front() == '/') return fs::exists(module, ec);
  std::vector<fs::path> dirs = {"/lib/security", "/lib64/security", "/usr/lib/security",
                                "/usr/lib64/security"};
  for (const char* lib : {"/lib", "/usr/lib"}) {
    for (const auto& e : fs::directory_iterator(lib, ec)) {
      if (fs::is_directory(e.path() / "security", ec)) dirs.push_back(e.path() / "security");
    }
  }
  return std::any_of(dirs.begin(), dirs.end(),
                     [&](const fs::path& d) { return fs::exists(d / module, ec); });
}

// The action PAM takes for `code` under a control: "[k=v ...]" (an unlisted code takes
// `default`, and without it "bad": Linux-PAM's pam_handlers.c), or a keyword's meaning.
std::string action_for(const std::string& control, const std::string& code) {
  if (control == "required" || control == "requisite") return "bad";
  if (control == "sufficient" || control == "optional") return "ignore";
  if (control.empty() || control.front() != '[') return "bad";
  std::map<std::string, std::string> actions;
  for (std::string kv : words(control.substr(1, control.size() - 2))) {
    if (const auto eq = kv.find('='); eq != std::string::npos) {
      actions[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  if (auto it = actions.find(code); it != actions.end()) return it->second;
  if (auto it = actions.find("default"); it != actions.end()) return it->second;
  return "bad";
}

std::vector<Finding> judge(const StackLine& s, const Findings& f) {
  std::vector<Finding> out;
  const std::string at = "line " + std::to_string(s.number) + ": ";
  if (!module_exists(s.module)) {
    out.push_back({Verdict::kFail,
                   at + s.module + " does not exist" +
                       (s.dash ? " (and `-" + s.type + "` skips it silently: no MFA)"
                               : " (PAM fails every login of this stack)"),
                   "install libpam-mfa, or correct the module path"});
  }
  if (s.type == "auth") {
    if (s.control == "sufficient" || s.control == "optional") {
      out.push_back({Verdict::kWarn,
                     at + "control `" + s.control + "`: a wrong or missing code is ignored, so " +
                         "MFA can be skipped",
                     "use `required` (or `requisite`)"});
    } else if (action_for(s.control, "auth_err") == "ignore" ||
               action_for(s.control, "authinfo_unavail") == "ignore") {
      out.push_back({Verdict::kWarn,
                     at + "control " + s.control + " ignores a failed code or an unreachable " +
                         "daemon, so MFA can be skipped",
                     "use `required`, or map auth_err and authinfo_unavail to bad/die"});
    }
    if (s.dash) {
      out.push_back({Verdict::kWarn,
                     at + "`-auth`: if pam_mfa.so is ever removed, logins go on without MFA",
                     "drop the leading `-`"});
    }
  }
  if (f.config) {
    std::string socket;
    for (const std::string& a : s.args) {
      if (a.rfind("socket=", 0) == 0) socket = a.substr(7);
    }
    const std::string& served = f.config->socket_path;
    if (socket.empty() && served != kModuleDefaultSocket) {
      out.push_back({Verdict::kWarn,
                     at + "no socket=: the module asks " + kModuleDefaultSocket +
                         ", but mfad listens on " + served,
                     "add socket=" + served});
    } else if (!socket.empty() && socket != served) {
      out.push_back({Verdict::kWarn, at + "socket=" + socket + ", but mfad listens on " + served,
                     "socket=" + served});
    }
  }
  return out;
}

Check summarize(const std::string& name, const std::vector<StackLine>& lines,
                const std::vector<Finding>& findings) {
  Check c{name, Verdict::kOk, "", ""};
  if (findings.empty()) {
    std::string at;
    for (const StackLine& s : lines) {
      at += (at.empty() ? "" : ", ") + std::to_string(s.number) + " (" + s.type + " " + s.control +
            ")";
    }
    c.detail = "pam_mfa.so on line " + at;
    return c;
  }
  for (const Finding& x : findings) {
    if (x.verdict == Verdict::kFail || c.verdict == Verdict::kOk) c.verdict = x.verdict;
    c.detail += (c.detail.empty() ? "" : "; ") + x.text;
    if (c.fix.find(x.fix) == std::string::npos) c.fix += (c.fix.empty() ? "" : "; ") + x.fix;
  }
  return c;
}

}  // namespace

Checks check_pam(const std::string& pam_dir, const Findings& f) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(pam_dir, ec)) {
    std::error_code ec2;
    if (e.is_regular_file(ec2) && e.file_size(ec2) <= kMaxStackBytes) files.push_back(e.path());
  }
  if (ec) {
    if (ec == std::errc::permission_denied)
      return {needs_root("pam", pam_dir + ": " + ec.message(), "")};
    return {{"pam", Verdict::kWarn, pam_dir + ": " + ec.message(),
             "name the PAM directory with --pam-dir"}};
  }
  std::sort(files.begin(), files.end());
  Checks out;
  for (const fs::path& file : files) {
    const auto lines = mfa_lines(file);
    if (lines.empty()) continue;
    std::vector<Finding> findings;
    for (const StackLine& s : lines) {
      for (Finding& x : judge(s, f)) findings.push_back(std::move(x));
    }
    out.push_back(summarize("pam:" + file.filename().string(), lines, findings));
  }
  if (out.empty()) {
    out.push_back({"pam", Verdict::kWarn,
                   "no stack in " + pam_dir + " names pam_mfa.so: MFA protects no login yet",
                   "add `auth required pam_mfa.so` to the stacks to protect "
                   "(/usr/share/doc/mfad/examples/pam.d/; keep a root shell open)"});
  }
  return out;
}

}  // namespace mfa::cli::doctor
