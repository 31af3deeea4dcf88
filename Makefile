# ekinit — build, test, demo. `make` builds build/ekinit and build/ekctl.
# `make check` runs every test and ends with "N passed, N failed"; `make demo` boots a node in QEMU.

CC ?= cc
BUILD ?= build
PKG_CONFIG ?= pkg-config

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
# gcc only: snprintf truncating a message is deliberate (paths are length-checked where it matters).
WARN += $(shell $(CC) -Werror -Wno-format-truncation -x c -c /dev/null -o /dev/null 2>/dev/null && echo -Wno-format-truncation)
CFLAGS ?= -O2 -g
CFLAGS += -std=c17 -D_GNU_SOURCE $(WARN)
# PID 1 links only these three libraries (libmount, libkmod, libmnl); no libcurl, no cJSON (checked by `make check-links`).
# Recursive (=) so pkg-config runs after tools/ensure-deps has installed the -dev packages.
INIT_LIBS = $(shell $(PKG_CONFIG) --libs mount libkmod libmnl)
INIT_CFLAGS = $(shell $(PKG_CONFIG) --cflags mount libkmod libmnl)

COMMON_SRC := common/strbuf.c common/proto.c
INIT_SRC := $(wildcard init/*.c) $(COMMON_SRC)
INIT_LIB_SRC := $(filter-out init/main.c,$(INIT_SRC))
# ekctl verify links the unit parser (plain libc; it needs no PID 1).
UNIT_PARSER_SRC := $(wildcard init/unit*.c) init/confdirs.c
# ekctl's pure parts (no socket, no output): also linked into tests/unit/test_systemctl.
EKCTL_PURE_SRC := ekctl/mapping.c ekctl/systemctl_args.c
EKCTL_SRC := $(filter-out $(EKCTL_PURE_SRC),$(wildcard ekctl/*.c)) $(EKCTL_PURE_SRC) $(UNIT_PARSER_SRC) $(COMMON_SRC)

.PHONY: all clean check unit qemu-check demo check-links check-clang bench
all: $(BUILD)/ekinit $(BUILD)/ekctl

# The Debian packages the build and the tests need (tools/debian-packages), installed when missing.
$(BUILD)/.deps-ok: tools/debian-packages tools/ensure-deps
	@tools/ensure-deps
	@mkdir -p $(dir $@) && touch $@

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INIT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/ekinit: $(INIT_SRC:%.c=$(BUILD)/obj/%.o)
	$(CC) $(CFLAGS) -o $@ $^ $(INIT_LIBS)

$(BUILD)/ekctl: $(EKCTL_SRC:%.c=$(BUILD)/obj/%.o)
	$(CC) $(CFLAGS) -o $@ $^

# Unit tests: each tests/unit/test_*.c is a program linked against the init/ modules, built with
# AddressSanitizer and UndefinedBehaviorSanitizer.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
$(BUILD)/unit/%: tests/unit/%.c tests/unit/t.h $(INIT_LIB_SRC) $(wildcard init/*.h common/*.h) | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O1 -g $(SAN) $(INIT_CFLAGS) -o $@ $< $(INIT_LIB_SRC) $(INIT_LIBS)

# test_systemctl checks ekctl's argument and exit-code mapping, not PID 1's modules.
$(BUILD)/unit/test_systemctl: tests/unit/test_systemctl.c tests/unit/t.h $(EKCTL_PURE_SRC) $(wildcard ekctl/*.h common/*.h) | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O1 -g $(SAN) -o $@ $< $(EKCTL_PURE_SRC) common/proto.c

unit: $(UNIT_BIN) $(BUILD)/ekctl
	@tests/unit/run $(UNIT_BIN)
	@tests/verify-debian-units

check-links: $(BUILD)/ekinit
	@if ldd $(BUILD)/ekinit | grep -Eq 'libcurl|libcjson'; then \
		echo "FAIL ekinit links libcurl or cJSON"; exit 1; fi
	@echo "ok ekinit links neither libcurl nor cJSON"

check-clang:
	@$(MAKE) -s BUILD=$(BUILD)/clang CC=clang all
	@echo "ok clang build"

qemu-check: all
	@qemu-tests/run

# Everything: builds under gcc and clang, unit tests under sanitizers, then the QEMU scenarios.
# tests/run-all sums the tiers into the final "N passed, N failed" line.
check: all check-links check-clang $(UNIT_BIN)
	@tests/run-all

demo: all
	@qemu-tests/demo

# The benchmark (slow, ~20 min under TCG): systemd against ekinit booting one Debian node image,
# and the tmpfs root move; rewrites docs/benchmarks.md and docs/benchmarks.png (bench/run --help).
# `make check` runs its short variant (bench/run --smoke).
bench: all
	@bench/run

clean:
	rm -rf $(BUILD)

-include stages/stages.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
