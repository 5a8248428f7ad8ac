# pam_module: pam_mfa.so — NEEDED only libc + libpam, exports only pam_sm_* (export.map).
PAM_SRCS := $(sort $(wildcard pam_module/*.cc))
PAM_OBJS := $(PAM_SRCS:%.cc=$(BUILD)/mod/%.o)
PAM_SO := $(BUILD)/pam_mfa.so
ALL_TARGETS += $(PAM_SO)

$(PAM_SO): $(PAM_OBJS) $(CLIENT_OBJS) pam_module/export.map
	$(CC) $(LDFLAGS_MOD) -Wl,--version-script=pam_module/export.map -o $@ \
	  $(PAM_OBJS) $(CLIENT_OBJS) -lpam -lc
