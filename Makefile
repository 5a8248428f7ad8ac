# mfad — non-recursive GNU make. Each directory contributes a fragment (module.mk);
# this file only holds the shared targets. See docs/architecture.md.
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Keep the objects of the test and fuzz binaries (pattern-rule intermediates that make would
# delete): without them every change to a library recompiled every test (84 s for one file).
.SECONDARY:
SHELL := /bin/bash

include mk/flags.mk
include mk/deps.mk
include client/module.mk
include pam_module/module.mk
include daemon/core/module.mk
include daemon/src/module.mk
include cli/module.mk
include tests/module.mk
include tests/fuzz/module.mk
include bench/module.mk
include mk/man.mk

PREFIX ?= /usr
SYSCONFDIR ?= /etc
PAMDIR ?= /lib/$(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/security
DESTDIR ?=

.PHONY: all check run install format lint clean deps
all: $(ALL_TARGETS)

# `make run`: an embedded default instance under the working tree (SQLite, socket, key).
RUN_DIR ?= $(CURDIR)/run
run: deps
	$(MAKE) -j$(shell nproc) all
	@echo "mfad dev instance in $(RUN_DIR); in another shell try:"
	@echo "  curl --unix-socket $(RUN_DIR)/mfad.sock http://localhost/v1/health"
	@echo "  $(BUILD)/mfactl --socket $(RUN_DIR)/mfad.sock status"
	@echo "  $(BUILD)/mfactl --socket $(RUN_DIR)/mfad.sock enroll totp   # then: policy explain, audit"
	@echo "try a PAM login (as root, with pamtester):"
	@echo "  printf 'auth required $(CURDIR)/$(BUILD)/pam_mfa.so socket=$(RUN_DIR)/mfad.sock\\nauth optional pam_permit.so\\n' > /etc/pam.d/mfa-try"
	@echo "  pamtester mfa-try \$$USER authenticate"
	exec $(BUILD)/mfad --dev $(RUN_DIR)

install: all
	install -D -m 0755 $(BUILD)/mfad $(DESTDIR)$(PREFIX)/sbin/mfad
	install -D -m 0755 $(BUILD)/mfactl $(DESTDIR)$(PREFIX)/bin/mfactl
	install -D -m 0644 $(BUILD)/pam_mfa.so $(DESTDIR)$(PAMDIR)/pam_mfa.so
	install -D -m 0644 conf/mfad.yaml $(DESTDIR)$(SYSCONFDIR)/mfad/mfad.yaml
	install -D -m 0644 conf/policy.yaml $(DESTDIR)$(SYSCONFDIR)/mfad/policy.yaml
	install -d $(DESTDIR)$(SYSCONFDIR)/mfad/pam.d
	install -m 0644 conf/pam.d/* $(DESTDIR)$(SYSCONFDIR)/mfad/pam.d/

FORMAT_FILES = $(shell git ls-files '*.cc' '*.h' 2>/dev/null)
PYTHON ?= /usr/bin/python3
format:
	clang-format -i $(FORMAT_FILES)
# `make lint` (and so `make check`): formatting, then the tier rules (docs/architecture.md) on
# every #include, after the tier check has proved on a scratch tree that each rule can fail.
lint:
	@echo "clang-format --dry-run -Werror ($(words $(FORMAT_FILES)) files)"
	@clang-format --dry-run -Werror $(FORMAT_FILES)
	$(PYTHON) tests/tiers/check_tiers.py --self-test
	$(PYTHON) tests/tiers/check_tiers.py .

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
