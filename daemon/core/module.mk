# daemon/core: all logic, no sockets, no main(). Built as a static library that mfad, mfactl
# and the unit tests link.
CORE_SRCS := $(sort $(wildcard daemon/core/*.cc daemon/core/*/*.cc))
CORE_OBJS := $(CORE_SRCS:%.cc=$(BUILD)/%.o)
CORE_LIB := $(BUILD)/libmfacore.a
CORE_LIBS := $(call pc_libs,$(PKGS_CORE))

$(CORE_LIB): $(CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
