// parse_options (pam_module/options.cc): the module's arguments from a PAM stack line. Root
// writes the stack, but a malformed value must be refused, never guessed, and nothing may
// overflow the fixed buffers of Options (the module runs inside sshd). The input is split
// at NUL bytes into argv. Properties: PAM_SUCCESS or PAM_SERVICE_ERR only; the result is always
// initialised and terminated; an accepted socket path is absolute and an accepted timeout
// positive.
#include <security/pam_appl.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pam_module/options.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

pam_handle_t* handle() {
  static pam_handle_t* pamh = [] {
    static const pam_conv conv = {nullptr, nullptr};
    pam_handle_t* h = nullptr;
    // A service with no stack file: only pam_syslog is used, nothing authenticates.
    FUZZ_CHECK(pam_start("mfad-fuzz", "nobody", &conv, &h) == PAM_SUCCESS);
    return h;
  }();
  return pamh;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args;
  std::string cur;
  for (std::size_t i = 0; i < size && args.size() < 32; ++i) {
    if (data[i] == 0) {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += static_cast<char>(data[i]);
    }
  }
  if (!cur.empty()) args.push_back(cur);
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  mfa::pam::Options o;
  std::memset(&o, 0xA5, sizeof o);  // parse_options must initialise every field
  const int rc = mfa::pam::parse_options(handle(), static_cast<int>(argv.size()), argv.data(), &o);
  FUZZ_CHECK(rc == PAM_SUCCESS || rc == PAM_SERVICE_ERR);
  FUZZ_CHECK(std::memchr(o.socket_path, 0, sizeof o.socket_path) != nullptr);
  FUZZ_CHECK(std::memchr(o.prompt_prefix, 0, sizeof o.prompt_prefix) != nullptr);
  FUZZ_CHECK(o.failmode == mfa::pam::FailMode::kClosed || o.failmode == mfa::pam::FailMode::kOpen);
  FUZZ_CHECK(o.reminder == mfa::pam::Reminder::kConversation ||
             o.reminder == mfa::pam::Reminder::kSession);
  if (rc == PAM_SUCCESS) {
    FUZZ_CHECK(o.socket_path[0] == '/');
    FUZZ_CHECK(o.timeout_ms > 0);
  }
  return 0;
}
