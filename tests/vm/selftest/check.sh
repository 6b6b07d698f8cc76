#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/vm/selftest/check.sh [-k SPEC]...
#
# Host-side self-test of the VM harness: run the selftest-* VM tests and
# check that tests/vm/run judges them correctly. Passes when the harness
#  - fails selftest-warn (WARN_ON(1) in a test-only module) and shows the
#    WARNING line among the offending kernel log lines,
#  - fails selftest-hang (a test that sleeps forever) with a timeout,
#  - fails selftest-vmhang (a module that halts the CPU in init) as a hung VM,
#  - passes selftest-clean (a module that does nothing wrong),
#  - repairs a marker line a kernel line was printed into,
#  - exits non-zero overall.
# Prints "PASS|FAIL harness <check>" per check and "N passed, N failed".
set -uo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
kargs=()
while [ $# -gt 0 ]; do
	case "$1" in
	-k|--kernel) kargs+=(-k "$2"); shift ;;
	*) echo "usage: $0 [-k SPEC]..." >&2; exit 2 ;;
	esac
	shift
done
mapfile -t kernels < <("$TOP/scripts/kernels.sh" $(printf '%s\n' ${kargs[@]+"${kargs[@]}"} | grep -v '^-k$'))
[ ${#kernels[@]} -gt 0 ] || { echo "no kernels" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# selftest-vmhang boots alone (its own append= option puts it in a group of
# its own); the harness kills it ~60 s after its 5 s timeout.
"$TOP/tests/vm/run" ${kargs[@]+"${kargs[@]}"} --no-userspace --brief \
	selftest-clean selftest-warn selftest-hang selftest-vmhang > "$out" 2>&1
rc=$?

pass=0
failn=0
check() {
	local name=$1

	shift
	if "$@"; then
		echo "PASS harness $name"
		pass=$((pass + 1))
	else
		echo "FAIL harness $name"
		failn=$((failn + 1))
	fi
}

# block KVER TEST: the report block of one test (its FAIL line to its end line)
block() {
	awk -v h="FAIL $1 $2" -v e="---- end ($1 $2)" \
		'$0 == h { on = 1 } on { print } on && index($0, e) { exit }' "$out"
}

warn_shown() {
	block "$1" selftest-warn | sed -n '/offending kernel log lines/,/----/p' |
		grep -q 'WARNING:.*ptsm_selftest_warn'
}

for k in "${kernels[@]}"; do
	check "$k clean-module-passes" grep -F -q -x "PASS $k selftest-clean" "$out"
	check "$k warn-fails" grep -F -q -x "FAIL $k selftest-warn" "$out"
	check "$k warn-lines-shown" warn_shown "$k"
	check "$k test-timeout-enforced" \
		bash -c "grep -F -A1 -x 'FAIL $k selftest-hang' '$out' | grep -q 'timed out after'"
	case "$k" in
	6.12.*)
		check "$k hung-vm-killed" \
			bash -c "grep -F -A1 -x 'FAIL $k selftest-vmhang' '$out' | grep -q 'VM hung'" ;;
	esac
done
check "run-exits-nonzero" test "$rc" != 0

# A kernel line printed into a marker line on the serial console (seen on
# the two-vCPU debug lane) is split off and the marker joined again.
marker_repaired() {
	local got

	got=$(bash -c "$(sed -n '/^strip_console()/,/^}/p' "$TOP/tests/vm/run")"'
		strip_console <(printf "@@PTSM:BEGIN evi[  7.1] ptsm-harness: BEGIN evidence-errors\r\ndence-errors index=9 timeout=9 taint=0\r\n")')
	[ "$got" = "[  7.1] ptsm-harness: BEGIN evidence-errors
@@PTSM:BEGIN evidence-errors index=9 timeout=9 taint=0" ]
}
check "split-marker-repaired" marker_repaired

if [ $failn != 0 ]; then
	echo "---- tests/vm/run output ----"
	cat "$out"
fi
echo "$pass passed, $failn failed"
[ $failn = 0 ]
exit
}
