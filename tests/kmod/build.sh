#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/kmod/build.sh KVER [KBUILD ARGS...]
#
# Build the test-only modules of tests/kmod/ for kernel KVER against the
# pci-tsm modules scripts/build-kmod.sh already built for it (headers, compat
# probes and Module.symvers of build/kmod/<kver>/modules). Objects go to
# build/kmod/<kver>/tests/kmod/. Honours the same environment as
# build-kmod.sh: PTSM_BUILD_DIR, PTSM_KDIR, and PTSM_KO_EXPORT=DIR (copy the
# .ko files there while holding the per-kernel build lock).
set -euo pipefail
# The whole script is one block: bash parses it completely before running it.
{

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${PTSM_BUILD_DIR:-$TOP/build}
[ $# -ge 1 ] || { echo "usage: $0 KVER [KBUILD ARGS...]" >&2; exit 2; }
KVER=$1
shift
KDIR=${PTSM_KDIR:-/lib/modules/$KVER/build}
OUT=$BUILD/kmod/$KVER
MODS=$OUT/modules
[ -d "$KDIR" ] || { echo "tests/kmod/build.sh: no headers for $KVER at $KDIR" >&2; exit 1; }
[ -f "$MODS/Module.symvers" ] ||
	{ echo "tests/kmod/build.sh: run scripts/build-kmod.sh $KVER first" >&2; exit 1; }

exec 9>"$OUT/.lock"
flock 9

mkdir -p "$OUT/tests/kmod"
rm -f "$OUT"/tests/kmod/*.c
cp -p "$TOP/tests/kmod/Kbuild" "$TOP"/tests/kmod/*.c "$OUT/tests/kmod/"
make -C "$KDIR" M="$OUT/tests/kmod" PTSM_MODULES="$MODS" \
	KBUILD_EXTRA_SYMBOLS="$MODS/Module.symvers" "$@" modules
[ -z "${PTSM_KO_EXPORT:-}" ] || cp "$OUT"/tests/kmod/*.ko "$PTSM_KO_EXPORT/"
exit 0
exit
}
