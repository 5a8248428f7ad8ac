// A fresh directory per cmocka test, for tests of code that reads and writes files:
// cmocka_unit_test_setup_teardown(test, temp_dir_setup, temp_dir_teardown), then
// temp_dir(state) inside the test.
#pragma once

#include <string>

namespace mfa::testing {

int temp_dir_setup(void** state);     // mkdtemp under /tmp; -1 when it cannot
int temp_dir_teardown(void** state);  // removes it with everything in it
const std::string& temp_dir(void** state);

}  // namespace mfa::testing
