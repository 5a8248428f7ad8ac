// Validation of the names that callers choose (apps, users, labels): bounded (limits.h) and
// restricted to characters that are safe in URLs, logs and terminals (display_text.h).
// kInvalidArgument naming the field when a name does not pass.
#pragma once

#include <string_view>

#include "daemon/core/base/result.h"

namespace mfa::core {

Status validate_app_name(std::string_view app);
Status validate_user_name(std::string_view user);
Status validate_label(std::string_view label);

}  // namespace mfa::core
