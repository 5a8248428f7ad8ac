#include "daemon/src/os/log.h"

#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "daemon/core/base/display_text.h"

namespace mfa::daemon {
namespace {

std::atomic<bool> g_journal{false};
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_stderr_mu;

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

int syslog_priority(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return LOG_DEBUG;
    case LogLevel::kInfo: return LOG_INFO;
    case LogLevel::kWarning: return LOG_WARNING;
    case LogLevel::kError: return LOG_ERR;
  }
  return LOG_INFO;
}

// sd_journal_send() succeeds silently when journald is not running (its socket is missing),
// so a daemon told `log.target: journal` without one printed nothing at all (issue 20).
constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

bool journal_available() {
  struct stat st {};
  return ::stat(kJournalSocket, &st) == 0 && S_ISSOCK(st.st_mode);
}

// Once: says on stderr why the log goes there from now on.
void fall_back_to_stderr(const char* why) {
  if (!g_journal.exchange(false)) return;
  std::lock_guard<std::mutex> lock(g_stderr_mu);
  std::fprintf(stderr, "mfad warning: log.target is journal but %s; logging to stderr\n", why);
  std::fflush(stderr);
}

}  // namespace

void log_init(bool journal, std::string_view level) {
  g_journal = journal;
  if (journal && !journal_available()) {
    fall_back_to_stderr("journald is not running (no /run/systemd/journal/socket)");
  }
  LogLevel l = LogLevel::kInfo;
  if (level == "debug") l = LogLevel::kDebug;
  if (level == "warning") l = LogLevel::kWarning;
  if (level == "error") l = LogLevel::kError;
  g_min_level = static_cast<int>(l);
}

void log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < g_min_level.load()) return;
  const int len = static_cast<int>(message.size());
  if (g_journal) {
    if (sd_journal_send("MESSAGE=%.*s", len, message.data(), "PRIORITY=%d", syslog_priority(level),
                        "SYSLOG_IDENTIFIER=mfad", nullptr) >= 0) {
      return;
    }
    fall_back_to_stderr("journald refused a message");
  }
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(g_stderr_mu);
  std::fprintf(stderr, "%s.%03dZ mfad %s: %.*s\n", ts, static_cast<int>(ms), level_name(level), len,
               message.data());
  std::fflush(stderr);
}

std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 256;
  const bool cut = s.size() > kMax;
  if (cut) s = s.substr(0, kMax);  // a sequence cut in two shows as \xNN escapes
  std::string out = "'";
  for (char c : core::escape_terminal_controls(s)) {
    if (c == '\'') out += '\\';
    out += c;
  }
  out += cut ? "'..." : "'";
  return out;
}

}  // namespace mfa::daemon
