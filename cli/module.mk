# cli: mfactl — talks HTTP over the Unix socket through client/ (the same transport as the
# PAM module), and uses the core only for local checks (policy check FILE).
MFACTL_SRCS := $(sort $(wildcard cli/*.cc))
MFACTL_OBJS := $(MFACTL_SRCS:%.cc=$(BUILD)/%.o)
MFACTL := $(BUILD)/mfactl
ALL_TARGETS += $(MFACTL)

$(MFACTL): $(MFACTL_OBJS) $(CORE_LIB) $(CLIENT_LIB)
	$(CXX) $(LDFLAGS_APP) -o $@ $(MFACTL_OBJS) $(CORE_LIB) $(CLIENT_LIB) $(call pc_libs,$(PKGS_APP))
