# stages/: the cluster-forming programs (ek-join, phylactery). Included by the top Makefile.
# They link libcurl and cJSON (phylactery also libmicrohttpd and libcrypto); PID 1 links none of
# these (make check-links). stages/ never links init/ code: what it needs from the node config is
# read by stages/lib/node_info.c.
STAGES_PKGS := libcurl libcjson
STAGES_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(STAGES_PKGS) libmicrohttpd libcrypto)
STAGES_LIBS = $(shell $(PKG_CONFIG) --libs $(STAGES_PKGS))
PHYLACTERY_LIBS = $(shell $(PKG_CONFIG) --libs $(STAGES_PKGS) libmicrohttpd libcrypto)

STAGES_LIB_SRC := $(wildcard stages/lib/*.c)
EKJOIN_SRC := $(wildcard stages/ek-join/*.c)
PHYLACTERY_SRC := $(wildcard stages/phylactery/*.c)
# The programs' pure parts (everything but main.c), linked into the unit tests too.
EKJOIN_PURE_SRC := $(filter-out stages/ek-join/main.c,$(EKJOIN_SRC))
PHYLACTERY_PURE_SRC := $(filter-out stages/phylactery/main.c,$(PHYLACTERY_SRC))

STAGES_BIN := $(BUILD)/ek-join $(BUILD)/phylactery
STAGES_UNIT_SRC := $(wildcard stages/tests/test_stages_*.c)
STAGES_UNIT_BIN := $(STAGES_UNIT_SRC:stages/tests/%.c=$(BUILD)/unit/%)
STAGES_HDR := $(wildcard stages/lib/*.h stages/ek-join/*.h stages/phylactery/*.h)

$(BUILD)/stages/%.o: stages/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(STAGES_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/ek-join: $(patsubst stages/%.c,$(BUILD)/stages/%.o,$(EKJOIN_SRC) $(STAGES_LIB_SRC))
	$(CC) $(CFLAGS) -o $@ $^ $(STAGES_LIBS)

$(BUILD)/phylactery: $(patsubst stages/%.c,$(BUILD)/stages/%.o,$(PHYLACTERY_SRC) $(STAGES_LIB_SRC))
	$(CC) $(CFLAGS) -o $@ $^ $(PHYLACTERY_LIBS)

# Unit tests, under ASan and UBSan like tests/unit/: every test links the library and both
# programs' pure parts. tests/run-all runs every build/unit/test_*.
$(BUILD)/unit/test_stages_%: stages/tests/test_stages_%.c tests/unit/t.h $(STAGES_LIB_SRC) $(EKJOIN_PURE_SRC) $(PHYLACTERY_PURE_SRC) $(STAGES_HDR) | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O1 -g $(SAN) $(STAGES_CFLAGS) -Itests/unit -o $@ $< \
		$(STAGES_LIB_SRC) $(EKJOIN_PURE_SRC) $(PHYLACTERY_PURE_SRC) $(PHYLACTERY_LIBS)

all: $(STAGES_BIN)
check unit: $(STAGES_BIN) $(STAGES_UNIT_BIN)
UNIT_BIN += $(STAGES_UNIT_BIN)

# The stages' unit tests alone.
.PHONY: stages-unit
stages-unit: $(STAGES_BIN) $(STAGES_UNIT_BIN)
	@tests/unit/run $(STAGES_UNIT_BIN)

-include $(shell find $(BUILD)/stages -name '*.d' 2>/dev/null)
