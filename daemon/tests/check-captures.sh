#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run the libspdm capture acceptance test with exact exit codes:
# 0 pass, 1 fail, 77 NOT RUN (no directory given, or it does not exist).
# Usage: daemon/tests/check-captures.sh [CAPTURES_DIR]
# (`make -C daemon check-captures CAPTURES=DIR` does the same, but make
# itself can only exit 2 when the test exits 77 or 1.)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ] || [ -z "$1" ]; then
	echo "check-captures: NOT RUN (no captures directory given)"
	exit 77
fi
make -s -C "$here" tests/test-check-captures >/dev/null || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	exec "$here/tests/test-check-captures" "$1"
