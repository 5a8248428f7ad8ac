// Where a login comes from: the PAM service (or the app's name for its login form), the
// remote address and the terminal (issue 11: the tuple had five shapes and two names for the
// address). Made once from the request and carried as one value by the login, its challenge
// (which keeps it, so that every later step of the login evaluates the policy as the login
// did), the policy context and the PAM conversation. The address is `remote_addr`, as the
// HTTP API calls it; the policy YAML's `rhost:` condition (user-facing config) matches it.
#pragma once

#include <string>

namespace mfa::core {

struct LoginOrigin {
  std::string service;
  std::string remote_addr;  // canonical (remote_address.h), or empty for a local login
  std::string tty;          // PAM_TTY: policy `tty:` rules match it at verification too
};

}  // namespace mfa::core
