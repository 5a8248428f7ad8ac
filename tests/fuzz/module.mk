# tests/fuzz: libFuzzer harnesses (one per tests/fuzz/fuzz_<name>.cc, each exporting
# LLVMFuzzerTestOneInput) and their seed corpora (tests/fuzz/corpus/<name>/).
#
# `make tests` builds replay_<name> with the ordinary compiler (g++, no libFuzzer): main() in
# replay_main.cc feeds files to the harness, and tests/run_all.sh replays every committed
# corpus file under `make check` (and under SAN=address,undefined).
#
# `make fuzz` builds the real fuzzers with clang (-fsanitize=fuzzer,address,undefined, the
# code under test instrumented too) into $(BUILD)/libfuzzer/ and runs each for FUZZ_SECONDS
# on a scratch copy of its corpus; crashes land in $(BUILD)/libfuzzer/artifacts/<name>/.
# Not part of `make check`. One harness: `make fuzz FUZZ_TARGETS=router`.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.cc))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.cc,%,$(FUZZ_SRCS))
FUZZ_REPLAY_BINS := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o \
                              $(TEST_SUPPORT_LIB) $(MFAD_LIB) $(CORE_LIB)
	$(CXX) $(LDFLAGS_APP) -o $@ $^ $(call pc_libs,$(PKGS_APP))

tests: $(FUZZ_REPLAY_BINS)

# The module options harness runs the libc-only tier's parser (built with the module flags)
# against a real libpam handle.
$(BUILD)/tests/fuzz/replay_pam_options: $(BUILD)/mod/pam_module/options.o $(CLIENT_OBJS)
$(BUILD)/tests/fuzz/replay_pam_options: PKGS_APP += pam

# ---- make fuzz (clang + libFuzzer) ----
FUZZ_CXX ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_BUILD := $(BUILD)/libfuzzer
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# No -Werror: the warning set is tuned for g++; the g++ build is the one that gates.
FUZZ_CXXFLAGS := -std=c++20 -O1 -g $(FUZZ_SAN) -pthread -MMD -MP -I. \
                 $(call pc_cflags,$(PKGS_APP))
FUZZ_CORE_OBJS := $(CORE_SRCS:%.cc=$(FUZZ_BUILD)/%.o)
# The listener is left out: Boost 1.74's asio sees no C++20 coroutine support in clang 14 with
# libstdc++, and no harness reaches it (the router harness starts below the listener).
FUZZ_MFAD_SKIP := main http/http_server http/http_session
FUZZ_MFAD_OBJS := $(filter-out $(FUZZ_MFAD_SKIP:%=$(FUZZ_BUILD)/daemon/src/%.o),\
                    $(MFAD_SRCS:%.cc=$(FUZZ_BUILD)/%.o))

$(FUZZ_BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/libmfacore.a: $(FUZZ_CORE_OBJS)
	rm -f $@ && ar rcs $@ $^
$(FUZZ_BUILD)/libmfad.a: $(FUZZ_MFAD_OBJS)
	rm -f $@ && ar rcs $@ $^

# tests/support (the shared engine world), instrumented like the code under test.
$(FUZZ_BUILD)/libtestsupport.a: $(TEST_SUPPORT_SRCS:%.cc=$(FUZZ_BUILD)/%.o)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libtestsupport.a \
                      $(FUZZ_BUILD)/libmfad.a $(FUZZ_BUILD)/libmfacore.a
	$(FUZZ_CXX) $(FUZZ_SAN) -fsanitize=fuzzer -pthread -o $@ $^ $(call pc_libs,$(PKGS_APP))

$(FUZZ_BUILD)/fuzz_pam_options: $(FUZZ_BUILD)/pam_module/options.o \
                                $(CLIENT_SRCS:%.cc=$(FUZZ_BUILD)/%.o)
$(FUZZ_BUILD)/fuzz_pam_options: PKGS_APP += pam

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: fuzz-build
	@set -e; for n in $(FUZZ_TARGETS); do \
	  work=$(FUZZ_BUILD)/corpus/$$n; art=$(FUZZ_BUILD)/artifacts/$$n/; \
	  mkdir -p $$work $$art; cp -n tests/fuzz/corpus/$$n/* $$work/ 2>/dev/null || true; \
	  echo "== fuzz $$n for $(FUZZ_SECONDS) s (corpus $$work, crashes in $$art)"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -artifact_prefix=$$art -print_final_stats=1 $$work tests/fuzz/corpus/$$n; \
	done
