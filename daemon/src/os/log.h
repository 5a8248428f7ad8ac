// mfad's logger: one line per event to stderr (with a UTC timestamp) or to the journal.
// Only daemon/src logs (core returns errors). User-controlled strings go through quote() so a
// crafted user name cannot forge log lines; secrets and codes are never passed here.
#pragma once

#include <string>
#include <string_view>

namespace mfa::daemon {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// target: "stderr" or "journal"; level: debug | info | warning | error.
void log_init(bool journal, std::string_view level);
void log(LogLevel level, std::string_view message);
inline void log_info(std::string_view m) {
  log(LogLevel::kInfo, m);
}
inline void log_warning(std::string_view m) {
  log(LogLevel::kWarning, m);
}
inline void log_error(std::string_view m) {
  log(LogLevel::kError, m);
}

// 'value' with terminal controls (core/display_text.h), quotes and backslashes escaped,
// truncated to 256 bytes.
std::string quote(std::string_view s);

}  // namespace mfa::daemon
