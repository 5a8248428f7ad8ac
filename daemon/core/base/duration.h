// Durations in configuration files: "7d", "15m", "0s", "30s", "12h", "1h30m".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/base/result.h"

namespace mfa::core {

// Upper bound for any configured duration (100 years): keeps now + duration far from overflow.
inline constexpr std::int64_t kMaxDurationS = 100LL * 366 * 86400;

// One or more <digits><unit> groups, unit one of s, m, h, d, w, each unit at most once and in
// decreasing order ("1d12h", not "12h1d"). "0" alone is accepted (zero needs no unit); any
// other bare number is an error, because "remember: 15" is ambiguous. Whitespace around the
// whole value is trimmed. kInvalidArgument with a message that quotes the input (durations
// are never secret).
mfa::Result<std::int64_t> parse_duration(std::string_view text);

// Canonical form: largest units first, zero parts omitted ("7d", "1h30m", "0s").
std::string format_duration(std::int64_t seconds);

}  // namespace mfa::core
