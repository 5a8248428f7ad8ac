# bench: `make bench` builds the harnesses and runs bench/run_bench.py, which writes
# bench/RESULTS.md. Not part of `make all` or `make check`; its extra Debian packages are
# installed by `bench-deps` only (so `make check` stays lean).
BENCH_PKGS := libpam-google-authenticator libpam-oath nginx-light linux-perf strace
BENCH_TOOLS := $(BUILD)/bench/pam_bench $(BUILD)/bench/dlopen_bench $(BUILD)/bench/http_load \
               $(BUILD)/bench/seed_users
BENCH_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror

$(BUILD)/bench/pam_bench: bench/pam_bench.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -lpam -loath
$(BUILD)/bench/dlopen_bench: bench/dlopen_bench.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -ldl
$(BUILD)/bench/http_load: $(BUILD)/bench/http_load.o
	$(CXX) $(LDFLAGS_APP) -o $@ $^ -loath
$(BUILD)/bench/seed_users: $(BUILD)/bench/seed_users.o $(CORE_LIB)
	$(CXX) $(LDFLAGS_APP) -o $@ $^ $(CORE_LIBS)

.PHONY: bench bench-deps bench-tools
bench-tools: $(BENCH_TOOLS) $(BUILD)/mfad $(PAM_SO)

bench-deps: deps
	@missing=$$(for p in $(BENCH_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make bench-deps: installing $$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make bench-deps: run as root" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# BENCH_ARGS, e.g. BENCH_ARGS="--scale 10000,100000,1000000" (see bench/run_bench.py --help).
bench: bench-deps
	$(MAKE) -j$(shell nproc) bench-tools
	/usr/bin/python3 bench/run_bench.py --build $(BUILD) $(BENCH_ARGS)
