# ekinit — build, test, demo. `make` builds build/ekinit and build/ekctl.
# `make check` runs every test and ends with "N passed, N failed"; `make demo` boots a cluster in QEMU.

CC ?= cc
BUILD ?= build
PKG_CONFIG ?= pkg-config

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
# gcc only: snprintf truncating a message is deliberate (paths are length-checked where it matters).
WARN += $(shell $(CC) -Werror -Wno-format-truncation -x c -c /dev/null -o /dev/null 2>/dev/null && echo -Wno-format-truncation)
CFLAGS ?= -O2 -g
CFLAGS += -std=c17 -D_GNU_SOURCE $(WARN)
# PID 1 links only libmnl (and libc). libmount and libkmod are dlopened only while boot steps need
# them (libkmod only in a child process), to keep PID 1's resident set small; their headers are
# still needed. No libcurl, no cJSON. `make check-links` checks all of this.
# Recursive (=) so pkg-config runs after tools/ensure-deps has installed the -dev packages.
INIT_LIBS = $(shell $(PKG_CONFIG) --libs libmnl)
INIT_CFLAGS = $(shell $(PKG_CONFIG) --cflags mount libkmod libmnl)

# ---- the layers ------------------------------------------------------------------------------
# Each layer is a folder and a static library. USES_x lists every layer x may use (written out in
# full, not transitively): a source file is compiled with -iquote for its own folder and those only,
# so including a header of another layer fails the build, and each program links only the archives
# it may use. tools/check-layers (make check-layers) also checks the archives' symbols. The rule:
#   main -> core -> svc | boot -> base -> common;  svc -> units -> common;  ekctl -> units, common
# (never boot <-> svc, never units -> init). docs/architecture.md explains each layer.
LAYERS := common units base boot svc core ekctl
DIR_common := common
DIR_units := units
DIR_base := init/base
DIR_boot := init/boot
DIR_svc := init/svc
DIR_core := init/core
DIR_ekctl := ekctl
USES_common :=
USES_units := common
USES_base := common
USES_boot := base common
USES_svc := units base common
USES_core := svc boot units base common
USES_ekctl := units common
USES_main := core svc boot units base common
# Archives are linked in this order: a layer before the layers it uses.
LINK_ORDER := core svc boot ekctl units base common

# stages/stages.mk (the cluster programs) may add layers (LAYERS += x, DIR_x, USES_x, LINK_ORDER),
# programs to `make all` (STAGES_BIN) and unit-test programs to `make unit`/`check` (STAGES_UNIT_BIN).
STAGES_BIN :=
STAGES_UNIT_BIN :=
# `make` alone is `make all`: the first rule stages.mk defines would otherwise be the default.
.DEFAULT_GOAL := all
-include stages/stages.mk

comma := ,
empty :=
space := $(empty) $(empty)
# The sources of layer $1 (ekctl's main is the program, not the library).
src_of = $(filter-out ekctl/ekctl.c %/main.c,$(wildcard $(DIR_$1)/*.c))
# -iquote flags for the layers $1.
iquote = $(foreach L,$1,-iquote $(DIR_$L))
# The archives of the layers $2 in flavour $1 (obj | san), in link order.
libs = $(foreach L,$(LINK_ORDER),$(if $(filter $L,$2),$(BUILD)/$1/lib$L.a))

# Flavours: $(BUILD)/obj (CFLAGS; `make check-clang` builds it again under BUILD=build/clang CC=clang),
# $(BUILD)/san (AddressSanitizer + UndefinedBehaviorSanitizer, for the unit tests) and $(BUILD)/fuzz
# (clang's libFuzzer coverage and the sanitizers, for tests/fuzz). Each source is compiled at most
# once per flavour, and only when a program of that flavour needs its layer.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) -O1 -g $(SAN)
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INIT_CFLAGS) $(IQ) -MMD -MP -c -o $@ $<

$(BUILD)/san/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) $(INIT_CFLAGS) $(IQ) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(INIT_CFLAGS) $(IQ) -MMD -MP -c -o $@ $<

define layer_rules
$(BUILD)/obj/$(DIR_$1)/%.o $(BUILD)/san/$(DIR_$1)/%.o $(BUILD)/fuzz/$(DIR_$1)/%.o: IQ := $(call iquote,$1 $(USES_$1))
$(BUILD)/obj/lib$1.a: $(patsubst %.c,$(BUILD)/obj/%.o,$(call src_of,$1))
$(BUILD)/san/lib$1.a: $(patsubst %.c,$(BUILD)/san/%.o,$(call src_of,$1))
$(BUILD)/fuzz/lib$1.a: $(patsubst %.c,$(BUILD)/fuzz/%.o,$(call src_of,$1))
endef
$(foreach L,$(LAYERS),$(eval $(call layer_rules,$L)))

# (Two rules: one pattern rule with two targets would mean one run makes both.)
$(BUILD)/obj/lib%.a:
	@rm -f $@
	$(AR) rcs $@ $^
$(BUILD)/san/lib%.a:
	@rm -f $@
	$(AR) rcs $@ $^
$(BUILD)/fuzz/lib%.a:
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/init/main.o: IQ := $(call iquote,$(USES_main))
$(BUILD)/ekinit: $(BUILD)/obj/init/main.o $(call libs,obj,$(USES_main))
	$(CC) $(CFLAGS) -o $@ $^ $(INIT_LIBS)

# ekctl links the unit parser for `ekctl verify` (plain libc; it needs no PID 1).
$(BUILD)/ekctl: $(BUILD)/obj/ekctl/ekctl.o $(call libs,obj,ekctl $(USES_ekctl))
	$(CC) $(CFLAGS) -o $@ $^

.PHONY: all clean check check-quick check-build unit fuzz qemu-check cluster-check demo demo-stop demo-node check-links check-clang check-layers check-docs bench bench-cluster check-image
all: $(BUILD)/ekinit $(BUILD)/ekctl $(STAGES_BIN)

# The Debian packages the build and the tests need (tools/debian-packages), installed when missing.
$(BUILD)/.deps-ok: tools/debian-packages tools/ensure-deps
	@tools/ensure-deps
	@mkdir -p $(dir $@) && touch $@

# Unit tests: tests/unit/test_NAME.c tests the module NAME.c; it is compiled and linked as a member of
# that module's layer (its headers, its archives and those it may use), under the sanitizers.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
layer_of = $(firstword $(foreach L,$(LAYERS),$(if $(wildcard $(DIR_$L)/$1.c),$L)))
define unit_rules
$(BUILD)/san/tests/unit/$1.o: IQ := -iquote tests/unit $(call iquote,$2 $(USES_$2))
$(BUILD)/unit/$1: $(BUILD)/san/tests/unit/$1.o $(call libs,san,$2 $(USES_$2))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(SAN_CFLAGS) -o $$@ $$^ $$(INIT_LIBS)
endef
$(foreach t,$(UNIT_SRC:tests/unit/%.c=%),$(eval $(call unit_rules,$t,$(or $(call layer_of,$(t:test_%=%)),\
	$(error tests/unit/$t.c: no module $(t:test_%=%).c in any layer)))))

# libFuzzer targets: tests/fuzz/fuzz_NAME.c links the layer of NAME.c, as a unit test does
# (tests/fuzz/run builds them with `make fuzz` and runs them).
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
define fuzz_rules
$(BUILD)/fuzz/tests/fuzz/$1.o: IQ := $(call iquote,$2 $(USES_$2))
$(BUILD)/fuzz/$1: $(BUILD)/fuzz/tests/fuzz/$1.o $(call libs,fuzz,$2 $(USES_$2))
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^
endef
$(foreach t,$(FUZZ_SRC:tests/fuzz/%.c=%),$(eval $(call fuzz_rules,$t,$(or $(call layer_of,$(t:fuzz_%=%)),\
	$(error tests/fuzz/$t.c: no module $(t:fuzz_%=%).c in any layer)))))
fuzz: $(FUZZ_BIN)

unit: $(UNIT_BIN) $(STAGES_UNIT_BIN) $(BUILD)/ekctl
	@tests/unit/run $(UNIT_BIN) $(STAGES_UNIT_BIN)
	@tests/verify-debian-units

# Proves the layer rule: no include crosses a layer except downwards, no archive needs a symbol of
# a layer it may not use. Then docs/architecture.md's file maps against the tree: every source has
# one row, every row's file exists, no row's job is cut off (tools/check-file-map).
check-layers: $(foreach L,$(LAYERS),$(BUILD)/obj/lib$L.a) $(BUILD)/obj/init/main.o
	@tools/check-layers $(BUILD)/obj $(foreach L,$(LAYERS) main,$L=$(or $(DIR_$L),init):$(subst $(space),$(comma),$(strip $(USES_$L))))
	@tools/check-file-map

# The messages docs/troubleshooting.md and docs/operations.md quote are ones the C sources print
# (tools/check-doc-messages says how a quoted message is told and matched). Needs no build.
check-docs:
	@tools/check-doc-messages

# The node image recipes (image/): package and file lists against what the stages and units need,
# install-ekinit into a temporary root, the Rocky Containerfile and the scripts linted. Builds no image.
check-image: all
	@tests/check-image-recipes

check-links: $(BUILD)/ekinit
	@if ldd $(BUILD)/ekinit | grep -Eq 'libcurl|libcjson|libkmod|libmount|libcrypto'; then \
		echo "FAIL ekinit links libcurl, cJSON, libkmod, libmount or libcrypto"; exit 1; fi
	@echo "ok ekinit links neither libcurl nor cJSON; libkmod and libmount are only dlopened"

# clang's warnings all come from its front end, so -O0 checks the same code as -O2, in ~2/3 of the
# time (CFLAGS through the environment: the Makefile's += still adds the warnings).
check-clang:
	@CFLAGS=-O0 $(MAKE) -s BUILD=$(BUILD)/clang CC=clang all
	@echo "ok clang build"

qemu-check: all
	@qemu-tests/run

# The whole-cluster scenarios (manager + 3 control + 1 worker with real etcd, haproxy, keepalived and
# the Kubernetes stand-ins) with every fault: cluster (its subtests run on the one formed cluster) and
# leader-dies, on their own (make check runs them too, with the same faults: CHECK_SUBTESTS is all).
cluster-check: all
	@EKINIT_CLUSTER_SUBTESTS=all qemu-tests/run cluster leader-dies

# Everything: builds under gcc and clang, unit tests under sanitizers, then the QEMU scenarios.
# tests/run-all sums the tiers into the final "N passed, N failed" line. The builds run two jobs
# at a time (the machines this runs on have 2 cores) whatever -j make check was given; the fuzz
# targets are built here too, so tests/fuzz/run finds them made.
check:
	@$(MAKE) -j2 --no-print-directory check-build
	@tests/run-all

# make check without the whole-cluster scenarios (cluster, leader-dies: most of its time): the
# quick loop while changing init/ or the tests; the cluster parts get `make cluster-check`.
check-quick:
	@$(MAKE) -j2 --no-print-directory check-build
	@QEMU_SKIP=cluster,leader-dies tests/run-all

check-build: all check-links check-clang check-layers check-docs $(UNIT_BIN) $(STAGES_UNIT_BIN) $(FUZZ_BIN) \
	$(STAGES_FUZZ_SRC:stages/tests/fuzz/%.c=$(BUILD)/fuzz/%)

# The test cluster (manager + 3 control + 1 worker, the cluster scenario's image with the
# Kubernetes test stand-ins) booted in QEMU with a live table of its formation (~5-7 min under
# TCG), then how to reach the consoles and kubectl; runs until Ctrl-C or `make demo-stop`.
# ARGS=--check exits once formed (qemu-tests/cluster-demo --help). qemu-tests/demo boots one node.
demo: all
	@qemu-tests/cluster-demo $(ARGS)

demo-stop:
	@qemu-tests/cluster-demo --stop

# One real node image (image/debian/build's, built once into ~/.cache/ekinit with mmdebstrap) with
# the overlay rendered for it, booted in QEMU on this terminal (image/demo-node --help).
# ARGS=--check boots it without a terminal, asserts its daemons and the VIP, and powers it off.
demo-node: all
	@image/demo-node $(ARGS)

# The benchmark (slow, ~17 min under TCG): systemd against ekinit booting one Debian node image,
# and the tmpfs root move; rewrites docs/benchmarks.md and docs/benchmarks.png (bench/run --help).
# `make check` runs its short variant (bench/run --smoke).
bench: all
	@bench/run

# Forms the test cluster 5 times (the cluster scenario without its faults, ~6 min each under TCG) and
# rewrites docs/cluster-benchmarks.md and .png (bench/cluster --help).
bench-cluster: all
	@bench/cluster

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/san $(BUILD)/fuzz -name '*.d' 2>/dev/null)
