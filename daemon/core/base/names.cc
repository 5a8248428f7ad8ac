#include "daemon/core/base/names.h"

#include <string_view>

#include "daemon/core/base/display_text.h"
#include "daemon/core/base/limits.h"

namespace mfa::core {
namespace {

bool all_of(std::string_view s, bool (*ok)(char)) {
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

bool app_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Unix names plus what app users need (emails as ids): no '/', no spaces, no controls.
bool user_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '@' || c == '+' || c == '$';
}

}  // namespace

Status validate_app_name(std::string_view app) {
  if (app.empty() || app.size() > limits::kMaxAppNameLen || !all_of(app, app_char)) {
    return fail(Errc::kInvalidArgument, "app names are 1-64 characters of a-z, 0-9, '-', '_'");
  }
  return {};
}

Status validate_user_name(std::string_view user) {
  if (user.empty() || user.size() > limits::kMaxUserNameLen || !all_of(user, user_char) ||
      user.front() == '-') {
    return fail(Errc::kInvalidArgument,
                "user names are 1-256 characters of letters, digits and . _ - @ + $");
  }
  return {};
}

Status validate_label(std::string_view label) {
  if (label.size() > limits::kMaxLabelLen) {
    return fail(Errc::kInvalidArgument, "labels are at most 64 bytes of UTF-8");
  }
  return check_display_text(label, "a label");
}

}  // namespace mfa::core
