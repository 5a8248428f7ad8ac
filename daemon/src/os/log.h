// mfad's logger: one line per event to stderr (with a UTC timestamp) or to the journal.
// Only daemon/src logs (core returns errors). User-controlled strings go through quote() so a
// crafted user name cannot forge log lines; secrets and codes are never passed here.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

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

// A structured journal field (MFA_USER, MFA_EVENT, MFA_APP, ...) sent with a message, so that
// `journalctl MFA_USER=alice` selects a user's events. Never a code or a secret.
struct LogField {
  const char* name;  // upper case, digits and '_' (journald's rule), not starting with '_'
  std::string_view value;
};

// As log(); in the journal the fields go with the message (on stderr the message alone, which
// carries the same information).
void log(LogLevel level, std::string_view message, std::span<const LogField> fields);

// The "NAME=value" entries the journal receives for `fields`: empty values are left out,
// terminal controls (newlines included) escaped and values cut at 256 bytes as quote() does,
// without the quotes.
std::vector<std::string> journal_fields(std::span<const LogField> fields);

// 'value' with terminal controls (core/display_text.h), quotes and backslashes escaped,
// truncated to 256 bytes.
std::string quote(std::string_view s);

}  // namespace mfa::daemon
