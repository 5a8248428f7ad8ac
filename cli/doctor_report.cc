// mfactl doctor's verdicts: the shared helpers and the two ways they are printed (a line per
// check for people, a JSON array for scripts).
#include "cli/doctor_report.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "cli/output.h"

namespace mfa::cli::doctor {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kOk: return "ok";
    case Verdict::kWarn: return "warn";
    case Verdict::kFail: return "fail";
    case Verdict::kSkip: return "skip";
  }
  return "fail";
}

bool is_root() {
  return ::geteuid() == 0;
}

Check needs_root(std::string name, const std::string& why, const std::string& fix) {
  if (!is_root()) {
    return {std::move(name), Verdict::kSkip, "skipped (needs root): " + why, ""};
  }
  return {std::move(name), Verdict::kFail, why, fix};
}

std::string uid_text(uid_t uid) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  std::string out = "uid " + std::to_string(uid);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    out += std::string(" (") + found->pw_name + ")";
  }
  return out;
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

bool all_hold(const Checks& checks) {
  for (const Check& c : checks) {
    if (c.verdict == Verdict::kWarn || c.verdict == Verdict::kFail) return false;
  }
  return true;
}

void print_text(const Checks& checks) {
  int counts[4] = {0, 0, 0, 0};
  for (const Check& c : checks) {
    ++counts[static_cast<int>(c.verdict)];
    std::printf("%-4s  %-34s %s\n", to_string(c.verdict), shown(c.name).c_str(),
                shown(c.detail).c_str());
    if (!c.fix.empty() && (c.verdict == Verdict::kWarn || c.verdict == Verdict::kFail)) {
      std::printf("      %-34s fix: %s\n", "", shown(c.fix).c_str());
    }
  }
  std::printf("\n%d ok, %d warnings, %d failures, %d skipped%s\n", counts[0], counts[1], counts[2],
              counts[3], counts[3] > 0 && !is_root() ? " (run as root to check everything)" : "");
}

void print_json(const Checks& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (const Check& c : checks) {
    out.push_back({{"check", c.name},
                   {"status", to_string(c.verdict)},
                   {"detail", c.detail},
                   {"fix", c.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.fix)}});
  }
  print_json_line(out);
}

}  // namespace mfa::cli::doctor
