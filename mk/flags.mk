# Compiler and linker flags shared by every tier (DESIGN.md section 8).
BUILD ?= build
CXX ?= g++
CC ?= gcc
SAN ?=

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -Wformat=2 -Wnon-virtual-dtor \
        -Wimplicit-fallthrough
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
OPT ?= -O2 -g
LDHARDEN := -Wl,-z,relro,-z,now

ifneq ($(SAN),)
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN := -fstack-protector-strong
OPT := -O1 -g
endif

# Daemon, CLI, core and tests: full C++20.
CXXFLAGS_APP := -std=c++20 $(OPT) $(WARN) $(HARDEN) $(SANFLAGS) -fPIE -pthread -MMD -MP -I.
LDFLAGS_APP := $(SANFLAGS) -pie -pthread $(LDHARDEN)

# libc-only tiers (client/, pam_module/, nss/): C++ syntax, C runtime footprint.
# Never sanitized: they are loaded into sshd/sudo and checked for NEEDED = libc (+ libpam).
CXXFLAGS_MOD := -std=c++20 -O2 -g $(WARN) -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC \
                -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-asynchronous-unwind-tables \
                -fvisibility=hidden -MMD -MP -I.
LDFLAGS_MOD := -shared -Wl,-z,defs -Wl,--as-needed $(LDHARDEN)

PKGS_CORE := openssl yaml-cpp sqlite3 liboath libfido2 libcbor libqrencode
PKGS_APP := $(PKGS_CORE) libcurl libsystemd
# Libraries without a pkg-config file: libphonenumber-dev ships CMake files only.
LIBS_NO_PC := -lphonenumber
pc_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pc_libs = $(shell pkg-config --libs $(1) 2>/dev/null) $(LIBS_NO_PC)

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_APP) $(call pc_cflags,$(PKGS_APP)) -c $< -o $@

# Objects of the libc-only tiers live under build/mod/ and use the module flags.
$(BUILD)/mod/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_MOD) -c $< -o $@
