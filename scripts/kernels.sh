#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernels.sh [SPEC...]
#
# Print the kernel releases pci-tsm builds and tests for, one per line.
# Without SPEC: the newest installed 6.1 and 6.12 Debian kernels that have both
# /boot/vmlinuz-<kver> and headers at /lib/modules/<kver>/build.
# SPEC is a series ("6.1", "6.12") or an exact release ("6.12.117+deb12-amd64").
# Exits non-zero (with a message) when a requested kernel is not installed.
set -euo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

SERIES_SUPPORTED="6.1 6.12"

have_kernel() {
	[ -e "/boot/vmlinuz-$1" ] && [ -d "/lib/modules/$1/build" ]
}

newest_of_series() {
	local series=$1 kver best=""

	for kver in $(ls /lib/modules 2>/dev/null | sort -V); do
		case "$kver" in
		"$series".*) have_kernel "$kver" && best=$kver ;;
		esac
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

resolve() {
	local spec=$1

	if have_kernel "$spec"; then
		echo "$spec"
		return 0
	fi
	if ! newest_of_series "$spec"; then
		echo "kernels.sh: no installed kernel matches '$spec'" \
		     "(need /boot/vmlinuz-<kver> and /lib/modules/<kver>/build)" >&2
		return 1
	fi
}

rc=0
if [ $# -eq 0 ]; then
	set -- $SERIES_SUPPORTED
fi
for spec in "$@"; do
	resolve "$spec" || rc=1
done
exit $rc
exit
}
