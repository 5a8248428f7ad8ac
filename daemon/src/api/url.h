// Request-target parsing (RFC 3986): splits "/path?query" and percent-decodes both parts.
// Pure string code, no Beast, so that tests and fuzzers can reach it.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace mfa::daemon {

// False for a target that is not origin-form ("/..."), has a bad %-escape, or decodes to a
// NUL byte or a path with "." / ".." segments.
bool parse_target(std::string_view target, std::string& ret_path,
                  std::map<std::string, std::string>& ret_query);

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out);

}  // namespace mfa::daemon
