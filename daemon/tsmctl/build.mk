# SPDX-License-Identifier: GPL-2.0-only
# tsmctl; included by daemon/Makefile after verifierd/build.mk. One file per
# verb (tsmctl.c holds the {name, fn, help} table); shares the daemon's
# sysfs, netlink, log and evidence-summary edges.

CTL_MODULES := tsmctl client offline print list show accept deny revoke permanent generate-policy check-policy watch reload export
CTL_OBJS    := $(patsubst %,tsmctl/obj/%.o,$(CTL_MODULES))

tsmctl/obj/%.o: tsmctl/%.c tsmctl/tsmctl.h $(VD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VD_CFLAGS) -Itsmctl $(CFLAGS) -c -o $@ $<

# The binary lives inside tsmctl/ (a file named like the directory cannot
# sit beside it); `make tsmctl` is an alias.
tsmctl/tsmctl: $(CTL_OBJS) $(VD_SHARED_OBJS) $(LIBTSM)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CTL_OBJS) $(VD_SHARED_OBJS) $(LIBTSM) $(TSM_LIBS) $(VD_LIBS)

tsmctl: tsmctl/tsmctl
.PHONY: tsmctl

BINS += tsmctl/tsmctl
CLEAN_FILES += tsmctl/obj
