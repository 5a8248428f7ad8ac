# tests: cmocka unit tests (one binary per tests/unit/test_*.cc), ABI checks, PAM tests
# (pam_wrapper), integration tests (pytest against real processes). `make check` runs `make lint`
# first (clang-format and the tier check, tests/tiers/), then them all through tests/run_all.sh,
# which prints each runner's summary.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.cc))
UNIT_BINS := $(UNIT_SRCS:%.cc=$(BUILD)/%)
TEST_TOOL_SRCS := $(sort $(wildcard tests/tools/*.cc))
TEST_TOOLS := $(TEST_TOOL_SRCS:%.cc=$(BUILD)/%)
PAM_TEST_SRCS := $(sort $(wildcard tests/pam/*.cc))
PAM_TEST_BINS := $(PAM_TEST_SRCS:%.cc=$(BUILD)/%)

# tests/support/*.cc: scaffolding shared by the unit tests and the fuzz harnesses (the engine
# over an in-memory store); an archive, so that a binary links only what it uses.
TEST_SUPPORT_SRCS := $(sort $(wildcard tests/support/*.cc))
TEST_SUPPORT_LIB := $(BUILD)/tests/support/libtestsupport.a
$(TEST_SUPPORT_LIB): $(TEST_SUPPORT_SRCS:%.cc=$(BUILD)/%.o)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(TEST_SUPPORT_LIB) $(MFAD_LIB) $(CORE_LIB)
	$(CXX) $(LDFLAGS_APP) -o $@ $^ $(call pc_libs,$(PKGS_APP) cmocka)

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(MFAD_LIB) $(CORE_LIB)
	$(CXX) $(LDFLAGS_APP) -o $@ $^ $(call pc_libs,$(PKGS_APP))

# PAM test drivers link libpamtest (from libpamtest0-dev) and run under pam_wrapper. Never
# sanitized: pam_wrapper dlopen()s libpam with RTLD_DEEPBIND, which ASan refuses (and
# pam_mfa.so, the code under test, is built without sanitizers on purpose).
$(BUILD)/tests/pam/%.o: tests/pam/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(filter-out $(SANFLAGS),$(CXXFLAGS_APP)) -c $< -o $@
$(BUILD)/tests/pam/%: $(BUILD)/tests/pam/%.o
	$(CXX) $(filter-out $(SANFLAGS),$(LDFLAGS_APP)) -o $@ $^ -lpamtest -lpam

.PHONY: tests check
tests: $(UNIT_BINS) $(TEST_TOOLS) $(PAM_TEST_BINS)

check: deps
	$(MAKE) lint
	$(MAKE) -j$(shell nproc) all tests
	BUILD=$(BUILD) tests/run_all.sh
