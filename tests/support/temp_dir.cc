#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <filesystem>

namespace mfa::testing {

int temp_dir_setup(void** state) {
  char tmpl[] = "/tmp/mfa-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return -1;
  *state = new std::string(tmpl);
  return 0;
}

int temp_dir_teardown(void** state) {
  auto* dir = static_cast<std::string*>(*state);
  std::error_code ec;
  std::filesystem::remove_all(*dir, ec);
  delete dir;
  return 0;
}

const std::string& temp_dir(void** state) {
  return *static_cast<std::string*>(*state);
}

}  // namespace mfa::testing
