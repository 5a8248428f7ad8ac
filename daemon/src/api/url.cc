#include "daemon/src/api/url.h"

namespace mfa::daemon {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex(in[i + 1]);
      const int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return false;
    out += c;
  }
  return true;
}

bool parse_target(std::string_view target, std::string& ret_path,
                  std::map<std::string, std::string>& ret_query) {
  if (target.empty() || target.front() != '/') return false;
  const std::size_t q = target.find('?');
  std::string path;
  if (!percent_decode(target.substr(0, q), false, path)) return false;
  // Dot segments never name a resource here; refuse them rather than normalise.
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i + 1);
    if (j == std::string::npos) j = path.size();
    const std::string_view seg = std::string_view(path).substr(i + 1, j - i - 1);
    if (seg == "." || seg == "..") return false;
    i = j;
  }
  std::map<std::string, std::string> query;
  if (q != std::string_view::npos) {
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      const std::size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (pair.empty()) continue;
      const std::size_t eq = pair.find('=');
      std::string k, v;
      if (!percent_decode(pair.substr(0, eq), true, k)) return false;
      if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), true, v)) {
        return false;
      }
      query[k] = v;
    }
  }
  ret_path = std::move(path);
  ret_query = std::move(query);
  return true;
}

}  // namespace mfa::daemon
