#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-kmod.sh [--selftest] KVER [KBUILD ARGS...]
#
# Build the pci-tsm modules for kernel KVER out of the source tree: modules/,
# include/ and VERSION are mirrored into build/kmod/<kver>/ and kbuild runs
# there, so the source tree stays clean and each kernel has its own objects.
# Extra arguments go to kbuild (W=1, C=2, TSM_MODULES="...").
# --selftest builds the harness self-test module (tests/vm/selftest/) instead,
# into build/kmod/<kver>/tests/vm/selftest/.
# KVER may also be a label (debug-6.12) when PTSM_KDIR names the kernel tree.
# Concurrent callers for the same kernel are serialised with a lock file.
# PTSM_KO_EXPORT=DIR: after a successful build, copy the .ko files into DIR
# while still holding the lock (a concurrent rebuild cannot tear them).
set -euo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${PTSM_BUILD_DIR:-$TOP/build}

selftest=0
if [ "${1:-}" = "--selftest" ]; then
	selftest=1
	shift
fi
[ $# -ge 1 ] || { echo "usage: $0 [--selftest] KVER [KBUILD ARGS...]" >&2; exit 2; }
KVER=$1
shift
# PTSM_KDIR overrides the tree (the debug-kernel lane builds against its own)
KDIR=${PTSM_KDIR:-/lib/modules/$KVER/build}
[ -d "$KDIR" ] || { echo "build-kmod: no headers for $KVER at $KDIR" >&2; exit 1; }

OUT=$BUILD/kmod/$KVER
mkdir -p "$OUT"

# Mirror SRC (a directory relative to $TOP) into $OUT/SRC: copy source files
# with their timestamps (so kbuild only rebuilds what changed) and delete
# source files that disappeared upstream. Build products are never copied.
mirror() {
	local src=$1 f

	[ -d "$TOP/$src" ] || return 0
	mkdir -p "$OUT/$src"
	(cd "$TOP" && find "$src" -type f \
		! -name '*.o' ! -name '*.ko' ! -name '*.mod' ! -name '*.mod.c' \
		! -name '.*.cmd' ! -name '*.a' ! -name 'modules.order' \
		! -name 'Module.symvers' ! -name '*.dwo' ! -name '.*.d' \
		! -name '*.tmp' ! -name '.tmp_*' ! -name '*.lst' | sort) > "$OUT/.src.$$"
	(cd "$TOP" && cp -p --parents $(cat "$OUT/.src.$$") "$OUT/") 2>/dev/null || \
		(cd "$TOP" && while read -r f; do cp -p --parents "$f" "$OUT/"; done < "$OUT/.src.$$")
	(cd "$OUT" && find "$src" -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \
		-o -name 'Kbuild*' -o -name 'Makefile' -o -name '*.include' \) ! -name '*.mod.c' |
		sort | comm -23 - "$OUT/.src.$$" | xargs -r rm -f)
	rm -f "$OUT/.src.$$"
}

exec 9>"$OUT/.lock"
flock 9

if [ $selftest = 1 ]; then
	mirror tests/vm/selftest
	make -C "$KDIR" M="$OUT/tests/vm/selftest" "$@" modules || exit
	[ -z "${PTSM_KO_EXPORT:-}" ] ||
		find "$OUT/tests/vm/selftest" -name '*.ko' -exec cp {} "$PTSM_KO_EXPORT/" \;
	exit 0
fi

mirror modules
mirror include
cp -p "$TOP/VERSION" "$OUT/VERSION" 2>/dev/null || echo 0 > "$OUT/VERSION"
make -C "$KDIR" M="$OUT/modules" PTSM_VERSION="$(cat "$OUT/VERSION")" "$@" modules || exit
[ -z "${PTSM_KO_EXPORT:-}" ] ||
	find "$OUT/modules" -name '*.ko' -exec cp {} "$PTSM_KO_EXPORT/" \;
exit 0
exit
}
