#include "daemon/core/base/duration.h"

#include <algorithm>
#include <array>

namespace mfa::core {
namespace {

struct Unit {
  char suffix;
  std::int64_t seconds;
};
constexpr std::array<Unit, 5> kUnits{
    {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

mfa::Result<std::int64_t> parse_duration(std::string_view text) {
  const std::string_view s = trim(text);
  auto bad = [&](const std::string& why) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "bad duration '" + std::string(s.substr(0, 32)) +
                                                      "': " + why +
                                                      " (examples: 30s, 15m, 12h, 7d, 1h30m)");
  };
  if (s.empty()) return bad("empty");
  if (s == "0") return std::int64_t{0};
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // index into kUnits: units must appear in decreasing order
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] < '0' || s[i] > '9') return bad("expected a number");
    std::int64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > kMaxDurationS) return bad("too large");
      ++i;
    }
    if (i == s.size()) return bad("missing unit (s, m, h, d or w)");
    std::size_t end = i;
    while (end < s.size() && (s[end] < '0' || s[end] > '9')) ++end;
    if (end - i != 1) {
      return bad("unknown unit '" + std::string(s.substr(i, std::min<std::size_t>(end - i, 16))) +
                 "'");
    }
    const char u = s[i++];
    std::size_t k = next_unit;
    while (k < kUnits.size() && kUnits[k].suffix != u) ++k;
    if (k == kUnits.size()) {
      for (const Unit& unit : kUnits) {
        if (unit.suffix == u) return bad("units must go from largest to smallest, once each");
      }
      return bad("unknown unit");
    }
    next_unit = k + 1;
    if (n > kMaxDurationS / kUnits[k].seconds) return bad("too large");
    total += n * kUnits[k].seconds;
    if (total > kMaxDurationS) return bad("too large");
  }
  return total;
}

std::string format_duration(std::int64_t seconds) {
  if (seconds <= 0) return "0s";
  std::string out;
  for (const Unit& u : kUnits) {
    if (u.suffix == 'w') continue;  // "14d" reads better than "2w"
    const std::int64_t n = seconds / u.seconds;
    if (n > 0) {
      out += std::to_string(n);
      out.push_back(u.suffix);
      seconds -= n * u.seconds;
    }
  }
  return out;
}

}  // namespace mfa::core
