#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Print every path of the installed system that a package or its
# maintainer scripts could leave behind, one per line, sorted: the
# whole-system test takes this list in the rootfs before `apt-get install`
# and again in the VM after `apt-get purge`, and compares.
# Left out: kernel and runtime file systems, logs, caches, apt's and
# dpkg's own bookkeeping, systemd's runtime state (but not
# deb-systemd-helper's record of what it enabled), and the test's files.
set -eu
LC_ALL=C find / -xdev \
	\( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
	   -o -path /var/tmp -o -path /var/log -o -path /var/cache -o -path /var/lib/apt \
	   -o -path /var/lib/dpkg -o -path /lost+found -o -path /ptsm-test -o -path /root \
	   -o \( -path '/var/lib/systemd/*' ! -path '/var/lib/systemd/deb-systemd-*' \) \) -prune \
	-o -print | LC_ALL=C sort
