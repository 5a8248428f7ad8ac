#include "daemon/src/os/log.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <vector>

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

namespace {

constexpr std::size_t kMaxFieldValue = 256;

// Writes one entry; false when journald refused it.
bool send_to_journal(LogLevel level, std::string_view message, std::span<const LogField> fields) {
  std::vector<std::string> entries = journal_fields(fields);
  entries.push_back("MESSAGE=" + std::string(message));
  entries.push_back("PRIORITY=" + std::to_string(syslog_priority(level)));
  entries.push_back("SYSLOG_IDENTIFIER=mfad");
  std::vector<iovec> iov;
  iov.reserve(entries.size());
  for (std::string& e : entries) iov.push_back({e.data(), e.size()});
  return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0;
}

}  // namespace

std::vector<std::string> journal_fields(std::span<const LogField> fields) {
  std::vector<std::string> out;
  for (const LogField& f : fields) {
    if (f.value.empty()) continue;
    std::string_view v = f.value.substr(0, kMaxFieldValue);
    out.push_back(std::string(f.name) + "=" + core::escape_terminal_controls(v));
  }
  return out;
}

void log(LogLevel level, std::string_view message) {
  log(level, message, {});
}

void log(LogLevel level, std::string_view message, std::span<const LogField> fields) {
  if (static_cast<int>(level) < g_min_level.load()) return;
  const int len = static_cast<int>(message.size());
  if (g_journal) {
    if (send_to_journal(level, message, fields)) return;
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
