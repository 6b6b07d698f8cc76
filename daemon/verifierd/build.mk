# SPDX-License-Identifier: GPL-2.0-only
# tsm-verifierd; included by daemon/Makefile (paths relative to daemon/).
#
# verifierd/{log,sysfs,genl,evsummary}.c are the daemon's edges that tsmctl
# shares (tsmctl/build.mk links them too).

VD_BUILD   := build
VD_PKGS    := libnl-genl-3.0 libudev libsystemd json-c
VD_CFLAGS  := $(TSM_CFLAGS) -Iverifierd $(shell $(PKGCONF) --cflags $(VD_PKGS)) \
	      -DTSM_VERSION='"$(shell cat ../VERSION 2>/dev/null || echo unknown)"'
VD_LIBS    := $(shell $(PKGCONF) --libs $(VD_PKGS)) -pthread
VD_SHARED  := log sysfs genl evsummary
VD_MODULES := main manager device worker udev audit state control
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
VD_ASAN_OBJS := $(patsubst %,$(VD_BUILD)/asan-vd/%.o,$(VD_MODULES) $(VD_SHARED))

$(VD_BUILD)/asan-vd/%.o: verifierd/%.c $(VD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VD_CFLAGS) -O1 -g $(SAN) -c -o $@ $<

$(VD_BUILD)/tsm-verifierd-asan: $(VD_ASAN_OBJS) $(VD_BUILD)/asan/libtsm.a
	$(CC) -O1 -g $(SAN) -o $@ $(VD_ASAN_OBJS) $(VD_BUILD)/asan/libtsm.a $(TSM_LIBS) $(VD_LIBS)

$(VD_BUILD)/vd-tests/test-%: verifierd/tests/test-%.c $(filter-out $(VD_BUILD)/asan-vd/main.o,$(VD_ASAN_OBJS)) $(VD_BUILD)/asan/libtsm.a
	@mkdir -p $(dir $@)
	$(CC) $(VD_CFLAGS) -O1 -g $(SAN) -o $@ $< \
		$(filter-out $(VD_BUILD)/asan-vd/main.o,$(VD_ASAN_OBJS)) $(VD_BUILD)/asan/libtsm.a \
		$(TSM_LIBS) $(VD_LIBS) $(shell $(PKGCONF) --libs cmocka)

VD_TEST_BINS := $(patsubst verifierd/tests/%.c,$(VD_BUILD)/vd-tests/%,$(wildcard verifierd/tests/test-*.c))

check-verifierd: $(VD_TEST_BINS) $(VD_BUILD)/tsm-verifierd-asan
	@set -e; for t in $(VD_TEST_BINS); do \
		echo "== $$t"; $(TEST_ENV) VD_TEST_DIR=$(CURDIR)/verifierd/tests \
			VD_DAEMON=$(CURDIR)/$(VD_BUILD)/tsm-verifierd-asan $$t; \
	done

CHECK_TARGETS += check-verifierd
.PHONY: check-verifierd
