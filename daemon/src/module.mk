# daemon/src: mfad — listeners, routes, delivery, logging, main. Everything but main.cc also
# goes into libmfad.a so that unit tests can reach the router and handlers' helpers.
MFAD_SRCS := $(sort $(wildcard daemon/src/*.cc daemon/src/*/*.cc))
MFAD_LIB_OBJS := $(filter-out $(BUILD)/daemon/src/main.o,$(MFAD_SRCS:%.cc=$(BUILD)/%.o))
MFAD_LIB := $(BUILD)/libmfad.a
MFAD := $(BUILD)/mfad
ALL_TARGETS += $(MFAD)

$(MFAD_LIB): $(MFAD_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(MFAD): $(BUILD)/daemon/src/main.o $(MFAD_LIB) $(CORE_LIB)
	$(CXX) $(LDFLAGS_APP) -o $@ $^ $(call pc_libs,$(PKGS_APP))
