# Man pages: man/NAME.SECTION.scd (scdoc sources) -> $(BUILD)/man/NAME.SECTION, built by
# `make all` (`make man` alone) and installed by `make install` under $(MANDIR)/manSECTION/.
# tests/integration/test_man_pages.py renders them with `man --warnings -l`.
SCDOC ?= scdoc
MANDIR ?= $(PREFIX)/share/man
MAN_SRCS := $(wildcard man/*.scd)
MAN_PAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(MAN_SRCS))
ALL_TARGETS += $(MAN_PAGES)

.PHONY: man install-man
man: $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(@D)
	$(SCDOC) < $< > $@

# Each page to manN/ where N is the last dot-suffix of its name (mfad.yaml.5 -> man5).
install-man: $(MAN_PAGES)
	@for p in $(MAN_PAGES); do \
	  n=$$(basename $$p); s=$${n##*.}; \
	  install -D -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/$$n || exit 1; \
	done

# Bash completion for mfactl (conf/bash-completion/mfactl; tests/integration/
# test_bash_completion.py), to the directory bash-completion loads on demand.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
.PHONY: install-bash-completion
install-bash-completion:
	install -D -m 0644 conf/bash-completion/mfactl $(DESTDIR)$(BASHCOMPDIR)/mfactl

install: install-man install-bash-completion
