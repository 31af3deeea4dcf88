# stages/: the cluster-forming programs (ek-join, phylactery, ek-vip-clean). Included by the top
# Makefile before its layer rules, so the stages are layers like init/'s: stages/lib (stlib: config,
# share protocol, HTTP and etcd clients, JSON), stages/ek-join (ekjoin) and stages/phylactery
# (phyl), each a static library built once per flavour; each program is its main.c and the archives
# it may use. They link libcurl, cJSON and libcrypto (phylactery also libmicrohttpd); PID 1 links
# none of these (make check-links), and stages never use init/ (what they need from the node config
# is read by stages/lib/node_info.c).
LAYERS += stlib ekjoin phyl
DIR_stlib := stages/lib
DIR_ekjoin := stages/ek-join
DIR_phyl := stages/phylactery
USES_stlib :=
USES_ekjoin := stlib
USES_phyl := stlib
LINK_ORDER := ekjoin phyl $(LINK_ORDER) stlib

STAGES_PKGS := libcurl libcjson libmicrohttpd libcrypto
STAGES_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(STAGES_PKGS))
STAGES_LIBS = $(shell $(PKG_CONFIG) --libs libcurl libcjson libcrypto)
PHYLACTERY_LIBS = $(shell $(PKG_CONFIG) --libs $(STAGES_PKGS))
# The stages' objects take the stages' libraries' flags instead of PID 1's.
$(BUILD)/obj/stages/%.o $(BUILD)/san/stages/%.o $(BUILD)/fuzz/stages/%.o: INIT_CFLAGS = $(STAGES_CFLAGS)

STAGES_BIN := $(BUILD)/ek-join $(BUILD)/phylactery $(BUILD)/ek-vip-clean

$(BUILD)/obj/stages/ek-join/main.o: IQ = $(call iquote,ekjoin stlib)
$(BUILD)/ek-join: $(BUILD)/obj/stages/ek-join/main.o $(BUILD)/obj/libekjoin.a $(BUILD)/obj/libstlib.a
	$(CC) $(CFLAGS) -o $@ $^ $(STAGES_LIBS)

$(BUILD)/obj/stages/phylactery/main.o: IQ = $(call iquote,phyl stlib)
$(BUILD)/phylactery: $(BUILD)/obj/stages/phylactery/main.o $(BUILD)/obj/libphyl.a $(BUILD)/obj/libstlib.a
	$(CC) $(CFLAGS) -o $@ $^ $(PHYLACTERY_LIBS)

# ek-vip-clean needs nothing beyond libc (rtnetlink by hand) and the library's cluster.conf reader.
$(BUILD)/obj/stages/vip-clean/main.o: IQ = $(call iquote,stlib)
$(BUILD)/ek-vip-clean: $(BUILD)/obj/stages/vip-clean/main.o $(BUILD)/obj/libstlib.a
	$(CC) $(CFLAGS) -o $@ $^ $(STAGES_LIBS)

# Unit tests (stages/tests/test_stages_*.c), under ASan and UBSan like tests/unit/, each compiled
# once and linked with the stages' sanitizer archives. tests/run-all runs every build/unit/test_*.
STAGES_UNIT_SRC := $(wildcard stages/tests/test_stages_*.c)
STAGES_UNIT_BIN := $(STAGES_UNIT_SRC:stages/tests/%.c=$(BUILD)/unit/%)
$(BUILD)/san/stages/tests/%.o: IQ = -iquote tests/unit $(call iquote,ekjoin phyl stlib)
$(BUILD)/unit/test_stages_%: $(BUILD)/san/stages/tests/test_stages_%.o $(BUILD)/san/libekjoin.a $(BUILD)/san/libphyl.a $(BUILD)/san/libstlib.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(PHYLACTERY_LIBS)

# The API, render and VIP tests drive the real programs.
$(BUILD)/unit/test_stages_api: | $(BUILD)/phylactery
$(BUILD)/unit/test_stages_render: | $(BUILD)/phylactery
$(BUILD)/unit/test_stages_vip: | $(BUILD)/ek-vip-clean

# libFuzzer targets for the stages' parsers (tests/fuzz/run builds and runs them with the others).
STAGES_FUZZ_SRC := $(wildcard stages/tests/fuzz/fuzz_*.c)
$(BUILD)/fuzz/stages/tests/fuzz/%.o: IQ = $(call iquote,phyl stlib)
$(BUILD)/fuzz/fuzz_stages_%: $(BUILD)/fuzz/stages/tests/fuzz/fuzz_stages_%.o $(BUILD)/fuzz/libphyl.a $(BUILD)/fuzz/libstlib.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PHYLACTERY_LIBS)

# The stages' unit tests alone.
.PHONY: stages-unit
stages-unit: $(STAGES_BIN) $(STAGES_UNIT_BIN)
	@tests/unit/run $(STAGES_UNIT_BIN)

# Keep the test objects (make would delete them as intermediates and compile them again).
.SECONDARY: $(STAGES_UNIT_SRC:%.c=$(BUILD)/san/%.o) $(STAGES_FUZZ_SRC:%.c=$(BUILD)/fuzz/%.o)
