# SPDX-License-Identifier: GPL-2.0-only
# tsm-verifierd; included by daemon/Makefile (paths relative to daemon/).
#
# verifierd/{log,sysfs,genl,evsummary,evbundle}.c are the daemon's edges that tsmctl
# shares (tsmctl/build.mk links them too).

VD_BUILD   := verifierd/obj
VD_PKGS    := libnl-genl-3.0 libudev json-c
VD_CFLAGS  := $(TSM_CFLAGS) -Iverifierd $(shell $(PKGCONF) --cflags $(VD_PKGS)) \
	      -DTSM_VERSION='"$(shell cat ../VERSION 2>/dev/null || echo unknown)"'
# libev has no pkg-config file in Debian 12
VD_LIBS    := $(shell $(PKGCONF) --libs $(VD_PKGS)) -lev -pthread
VD_SHARED  := log sysfs genl evsummary evbundle
VD_MODULES := main evloop manager device worker udev audit state control policy_digest record history exporter
VD_HDRS    := $(wildcard verifierd/*.h) $(LIB_HDRS)
VD_OBJS    := $(patsubst %,$(VD_BUILD)/verifierd/%.o,$(VD_MODULES) $(VD_SHARED))
VD_SHARED_OBJS := $(patsubst %,$(VD_BUILD)/verifierd/%.o,$(VD_SHARED))

$(VD_BUILD)/verifierd/%.o: verifierd/%.c $(VD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VD_CFLAGS) $(CFLAGS) -c -o $@ $<

tsm-verifierd: $(VD_OBJS) $(LIBTSM)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(VD_OBJS) $(LIBTSM) $(TSM_LIBS) $(VD_LIBS)

BINS += tsm-verifierd

# ---- ASan+UBSan build of the daemon and its mock-sysfs test -----------------
# Self-contained (its own ASan copy of libtsm), so it does not depend on how
# daemon/Makefile names its unit-test objects.
VD_SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
VD_ASAN_DIR  := $(VD_BUILD)/asan
VD_ASAN_OBJS := $(patsubst %,$(VD_ASAN_DIR)/%.o,$(VD_MODULES) $(VD_SHARED))
VD_ASAN_LIB  := $(patsubst lib/%.c,$(VD_ASAN_DIR)/lib-%.o,$(LIB_SRCS))
VD_ASAN_BIN  := $(VD_BUILD)/tsm-verifierd-asan

$(VD_ASAN_DIR)/%.o: verifierd/%.c $(VD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VD_CFLAGS) -O1 -g $(VD_SAN) -c -o $@ $<

$(VD_ASAN_DIR)/lib-%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TSM_CFLAGS) -O1 -g $(VD_SAN) -c -o $@ $<

$(VD_ASAN_BIN): $(VD_ASAN_OBJS) $(VD_ASAN_LIB)
	$(CC) -O1 -g $(VD_SAN) -o $@ $^ $(TSM_LIBS) $(VD_LIBS)

VD_TEST_OBJS := $(filter-out $(VD_ASAN_DIR)/main.o,$(VD_ASAN_OBJS)) $(VD_ASAN_LIB)

$(VD_BUILD)/test-%: verifierd/tests/test-%.c $(VD_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(VD_CFLAGS) -O1 -g $(VD_SAN) -o $@ $^ $(TSM_LIBS) $(VD_LIBS) \
		$(shell $(PKGCONF) --libs cmocka)

# test-recovery signs its own evidence with tests/testlib.c
$(VD_BUILD)/test-recovery: verifierd/tests/test-recovery.c tests/testlib.c tests/testlib.h $(VD_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(VD_CFLAGS) -Itests -O1 -g $(VD_SAN) -o $@ $(filter %.c %.o,$^) $(TSM_LIBS) \
		$(VD_LIBS) $(shell $(PKGCONF) --libs cmocka)

VD_TEST_BINS := $(patsubst verifierd/tests/%.c,$(VD_BUILD)/%,$(wildcard verifierd/tests/test-*.c))

# Fixtures from tests/tools' generator (when it is built) for test-fixtures.
VD_FIXTURE_GEN := ../tests/tools/spdm-fixture
VD_FIXTURES    := $(VD_BUILD)/fixtures

$(VD_FIXTURES)/manifest.txt: $(wildcard $(VD_FIXTURE_GEN))
	@rm -rf $(VD_FIXTURES)
	@if [ -x $(VD_FIXTURE_GEN) ]; then \
		$(VD_FIXTURE_GEN) gen --out $(VD_FIXTURES) --alg p384,p256 >/dev/null; \
	else mkdir -p $(VD_FIXTURES); fi

# Unit tests of the sysfs edge, the daemon run with --once on a mock sysfs
# tree, and the judging step on every generated fixture (no kernel needed);
# and no cycle of calls between the daemon's files (check-layers.sh).
check-verifierd: $(VD_TEST_BINS) $(VD_ASAN_BIN) tsmctl/tsmctl $(VD_FIXTURES)/manifest.txt $(VD_OBJS)
	@sh verifierd/tests/check-layers.sh $(VD_OBJS)
	@set -e; for t in $(VD_TEST_BINS); do \
		echo "== $$t"; \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		VD_DAEMON=$(CURDIR)/$(VD_ASAN_BIN) VD_TSMCTL=$(CURDIR)/tsmctl/tsmctl \
		env $$( [ -s $(VD_FIXTURES)/manifest.txt ] && echo VD_FIXTURES=$(CURDIR)/$(VD_FIXTURES) ) \
		$$t; \
	done

# libFuzzer target for the dump assembler, run for VD_FUZZ_TIME seconds
VD_FUZZ_TIME ?= 10
VD_FUZZ := $(VD_BUILD)/fuzz-genl

$(VD_FUZZ): verifierd/tests/fuzz-genl.c verifierd/genl.c verifierd/log.c $(VD_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(filter-out -Werror,$(VD_CFLAGS)) -Werror -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ verifierd/tests/fuzz-genl.c verifierd/genl.c verifierd/log.c \
		$(shell $(PKGCONF) --libs libnl-genl-3.0)

fuzz-verifierd: $(VD_FUZZ)
	@mkdir -p $(VD_BUILD)/fuzz-genl.corpus
	@echo "== fuzz-genl ($(VD_FUZZ_TIME)s)"
	@$(VD_FUZZ) -max_total_time=$(VD_FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
		$(VD_BUILD)/fuzz-genl.corpus > $(VD_BUILD)/fuzz-genl.log 2>&1; rc=$$?; \
		tail -n 1 $(VD_BUILD)/fuzz-genl.log; exit $$rc

# export-dir's files (test-export --write: EARs, bundle, JWT as the daemon
# writes them) against the same EAR schema and openssl check as tsmctl
# export's output (tests/check-ear.sh)
check-export-ear: $(VD_BUILD)/test-export
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/check-ear.sh $(VD_BUILD)/test-export

CHECK_TARGETS += check-verifierd fuzz-verifierd check-export-ear
.PHONY: check-export-ear
.PHONY: fuzz-verifierd
CLEAN_FILES += $(VD_BUILD)
.PHONY: check-verifierd
