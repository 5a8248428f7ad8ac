// Placeholder substitution for delivery templates: "{code}", "{app}", "{minutes}", "{phone}".
// Unknown placeholders are left as written (a typo shows up in the message, not as a crash).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mfa::daemon {

using TemplateVars = std::vector<std::pair<std::string_view, std::string_view>>;

std::string render_template(std::string_view tmpl, const TemplateVars& vars);

}  // namespace mfa::daemon
