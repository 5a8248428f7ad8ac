#include "daemon/src/delivery/message_template.h"

namespace mfa::daemon {

std::string render_template(std::string_view tmpl, const TemplateVars& vars) {
  std::string out;
  out.reserve(tmpl.size() + 16);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      const std::size_t end = tmpl.find('}', i + 1);
      if (end != std::string_view::npos) {
        const std::string_view name = tmpl.substr(i + 1, end - i - 1);
        bool done = false;
        for (const auto& [k, v] : vars) {
          if (k == name) {
            out += v;
            done = true;
            break;
          }
        }
        if (done) {
          i = end + 1;
          continue;
        }
      }
    }
    out += tmpl[i++];
  }
  return out;
}

}  // namespace mfa::daemon
