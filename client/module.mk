# client: the libc-only HTTP/1.1-over-Unix-socket client (jsmn for JSON), shared by
# pam_module/, nss/ and mfactl. Compiled with the module flags.
CLIENT_SRCS := $(sort $(wildcard client/*.cc))
CLIENT_OBJS := $(CLIENT_SRCS:%.cc=$(BUILD)/mod/%.o)
CLIENT_LIB := $(BUILD)/libmfaclient.a

$(CLIENT_LIB): $(CLIENT_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
