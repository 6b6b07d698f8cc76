#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/check.sh: everything `make check` runs, in order:
#   1. tools        every tool the suite needs is installed (fails loudly);
#                   deps: scripts/deps.list is complete -- tests/deps/check.sh
#                   checks, in a clean Debian 12 root (debootstrap, cached)
#                   where scripts/install-deps.sh ran, everything the tests
#                   and the demo use (runs in the background, result after
#                   step 2)
#   2. unit tests   make -C daemon check, make -C tests/tools check,
#                   make -C tests/tools/nlclient check (those that exist)
#   3. captures     make -C daemon check-captures CAPTURES=DIR with
#                   --captures DIR (LIBSPDM_CAPTURES=DIR for make check);
#                   without it the test is NOT RUN (counted as skipped)
#   4. matrix       scripts/build-matrix.sh (W=1, sparse, checkpatch, exports,
#                   module names) on both kernels
#   5. harness      tests/vm/selftest/check.sh (the harness catches a WARN,
#                   a hung test, a hung VM, and passes a clean module)
#   6. vm           tests/vm/run all on the stock 6.1 and 6.12 kernels (booted
#                   in parallel, tests grouped by boot options)
#   7. debug lane   tests/vm/run -k debug-6.12 on the tests listed in
#                   tests/vm/debug-kernel/lane.list (KASAN/lockdep/kmemleak
#                   kernel built by tests/vm/debug-kernel/build.sh; the build
#                   starts in the background at step 1).
#                   PTSM_DEBUG_LANE=all runs every test there.
#                   Steps 6 and 7 start in the background as soon as the
#                   userspace build of step 2 is done, so the VMs use the
#                   cores that steps 2-5 leave idle; their results are
#                   printed after step 5.
#   8. system       tests/system/run.sh: a Debian VM with systemd as PID 1,
#                   the project installed with apt from the packages `make
#                   deb` builds (and upgraded, then purged), on both
#                   kernels, plus the host-side `make install` check; its
#                   preparation (packages, installs with DKMS, disk image:
#                   run.sh --prepare) runs beside the VM lanes from the end
#                   of the userspace build, its VMs (run.sh --boot, both
#                   kernels at once) start when the first of steps 6 and 7
#                   is done, beside the other (the rootfs is built once
#                   with debootstrap and cached in /var/cache/pci-tsm)
# Each item prints PASS or FAIL; the last line is exactly
# "N passed, N failed, N skipped" (skipped = not run, listed above it).
# Exit status non-zero if anything failed. Logs: build/check/.
#
# options: --captures DIR   libspdm capture directory
#          --no-debug-lane  skip step 7 (reported as not run)
#          --no-system      skip step 8 (also PTSM_CHECK_SYSTEM=0; reported
#                           as not run)
#          -k SPEC          stock kernel(s) for steps 4-6 and 8 (default: all
#                           supported)
set -uo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${PTSM_BUILD_DIR:-$TOP/build}
LOGS=$BUILD/check
captures=""
debug_lane=${PTSM_CHECK_DEBUG_LANE:-1}
system_test=${PTSM_CHECK_SYSTEM:-1}
kargs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--captures) captures=$2; shift ;;
	--no-debug-lane) debug_lane=0 ;;
	--no-system) system_test=0 ;;
	-k) kargs+=(-k "$2"); shift ;;
	-h|--help) sed -n '3,48p' "$0"; exit 0 ;;
	*) echo "usage: $0 [--captures DIR] [--no-debug-lane] [--no-system] [-k SPEC]..." >&2; exit 2 ;;
	esac
	shift
done

rm -rf "$LOGS"
mkdir -p "$LOGS"
T0=$(date +%s)
npass=0
nfail=0
failed_items=()
skipped_items=()

elapsed() {
	local s=$(( $(date +%s) - T0 ))

	printf '%02d:%02d' $((s / 60)) $((s % 60))
}
# cpu: host CPU seconds (user + system) of everything this script has
# waited for so far -- the budget on 2 cores is twice the wall time
cpu() {
	local st

	read -r -a st < /proc/$$/stat
	echo $(((st[15] + st[16]) / $(getconf CLK_TCK)))
}
step() {
	echo
	echo "==> [$(elapsed)] step $1/8: $2 (CPU so far: $(cpu) s)"
}
pass() {
	echo "PASS $1"
	npass=$((npass + 1))
}
fail() {
	echo "FAIL $1"
	nfail=$((nfail + 1))
	failed_items+=("$1")
}
notrun() {
	echo "NOT RUN $1"
	skipped_items+=("$1")
}
# count FILE: add the PASS/FAIL/SKIP lines a sub-suite printed to the totals
count() {
	local line

	while IFS= read -r line; do
		case "$line" in
		"PASS "*) npass=$((npass + 1)) ;;
		"FAIL "*) nfail=$((nfail + 1)); failed_items+=("${line#FAIL }") ;;
		"SKIP "*) skipped_items+=("${line#SKIP }") ;;
		esac
	done < <(grep -E '^(PASS|FAIL|SKIP) ' "$1")
}
# make_check NAME DIR [MAKE ARGS...]: one item per make target
make_check() {
	local name=$1 dir=$2 log

	shift 2
	log=$LOGS/$(echo "$name" | tr ' /' '__').log
	if make -C "$TOP/$dir" "$@" > "$log" 2>&1; then
		pass "$name"
	else
		fail "$name"
		echo "  ---- last 60 lines of ${log#$TOP/} ----"
		tail -n 60 "$log" | sed 's/^/  | /'
	fi
}
has_target() {
	[ -f "$TOP/$1/Makefile" ] && make -n -C "$TOP/$1" "$2" >/dev/null 2>&1
}

# ------------------------------------------------------------------ 1 tools
step 1 "tools"
missing=()
for tool in make gcc cc perl sparse qemu-system-x86_64 busybox cpio gzip xz modinfo insmod \
	    ldd file flock timeout pkg-config clang-14 git tar; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -e /usr/src/linux-source-6.1.tar.xz ] || missing+=("/usr/src/linux-source-6.1.tar.xz")
if [ ${#missing[@]} -eq 0 ]; then
	pass "tools (all present)"
else
	fail "tools: missing ${missing[*]} (run scripts/install-deps.sh as root)"
fi
mapfile -t kernels < <("$TOP/scripts/kernels.sh" $(printf '%s\n' ${kargs[@]+"${kargs[@]}"} | grep -v '^-k$'))
if [ ${#kernels[@]} -ge 1 ]; then
	echo "kernels: ${kernels[*]}"
else
	fail "kernels: no supported kernel installed (need 6.1 and 6.12 images and headers)"
fi
[ ${#kargs[@]} -eq 0 ] && [ ${#kernels[@]} -lt 2 ] && fail "kernels: both 6.1 and 6.12 are required"

# The debug kernel takes minutes to build the first time: start it now.
debug_pid=""
if [ "$debug_lane" = 1 ] && [ -x "$TOP/tests/vm/debug-kernel/build.sh" ]; then
	echo "starting the debug-6.12 kernel build in the background (log: ${LOGS#$TOP/}/debug-kernel.log)"
	(nice -n 5 "$TOP/tests/vm/debug-kernel/build.sh" > "$LOGS/debug-kernel.out" \
		2> "$LOGS/debug-kernel.log"; echo $? > "$LOGS/debug-kernel.rc.tmp"
	 mv "$LOGS/debug-kernel.rc.tmp" "$LOGS/debug-kernel.rc") &
	debug_pid=$!
fi

# The dependency test: its clean root is cached, but its first build takes
# minutes (debootstrap and install-deps.sh in a chroot).
echo "checking scripts/deps.list in a clean Debian 12 root in the background (log: ${LOGS#$TOP/}/deps.log)"
PTSM_DEPS_LOG=$LOGS/deps.log nice -n 5 "$TOP/tests/deps/check.sh" > "$LOGS/deps.out" 2>&1 &
deps_pid=$!

# The whole-system test's Debian rootfs (debootstrap, cached): likewise.
rootfs_pid=""
if [ "$system_test" = 1 ] && [ -x "$TOP/tests/system/run.sh" ]; then
	echo "preparing the whole-system test's rootfs in the background (log: ${LOGS#$TOP/}/system-rootfs.log)"
	nice -n 5 "$TOP/tests/system/run.sh" --rootfs-only > "$LOGS/system-rootfs.log" 2>&1 &
	rootfs_pid=$!
fi

# ------------------------------------------------------------- 2 unit tests
step 2 "userspace build and unit tests"
# Build first: daemon's check runs every tests/tools fixture through libtsm
# when tests/tools/spdm-fixture exists.
if "$TOP/scripts/build-userspace.sh" > "$LOGS/userspace-build.log" 2>&1; then
	pass "userspace build ($(grep -c '^built:' "$LOGS/userspace-build.log") components)"
else
	fail "userspace build (scripts/build-userspace.sh)"
	tail -n 60 "$LOGS/userspace-build.log" | sed 's/^/  | /'
fi
grep '^not built:' "$LOGS/userspace-build.log"

# ------------------------------------------- 6 + 7 vm lanes, in the background
# The stock kernels (two single-CPU VMs) and the debug lane (two two-CPU VMs
# sharing its tests) run beside steps 2-5: TCG and the unit tests leave
# cores idle otherwise.
# They start after the userspace build, which they would otherwise race.
"$TOP/tests/vm/run" ${kargs[@]+"${kargs[@]}"} all > "$LOGS/vm.log" 2>&1 &
vm_pid=$!
echo "started step 6 in the background: tests/vm/run all (log: ${LOGS#$TOP/}/vm.log)"

# debug_lane: wait for the debug kernel build of step 1, then run the lane.
# Prints PASS/FAIL lines like tests/vm/run.
debug_lane() {
	local tests

	while [ ! -e "$LOGS/debug-kernel.rc" ]; do
		sleep 2
	done
	if [ "$(cat "$LOGS/debug-kernel.rc")" != 0 ]; then
		echo "FAIL debug-6.12 lane: kernel build failed (${LOGS#$TOP/}/debug-kernel.log)"
		tail -n 30 "$LOGS/debug-kernel.log" | sed 's/^/  | /'
		return
	fi
	# The lane is several times slower than the stock kernels (KASAN,
	# lockdep, kmemleak under TCG): make check runs the tests in
	# lane.list, PTSM_DEBUG_LANE=all runs every one.
	if [ "${PTSM_DEBUG_LANE:-list}" = all ]; then
		tests=(all)
	else
		mapfile -t tests < <(grep -v -E '^(#|$)' "$TOP/tests/vm/debug-kernel/lane.list")
	fi
	echo "[$(elapsed)] started: tests/vm/run -k debug-6.12 ${tests[*]}"
	"$TOP/tests/vm/run" -k debug-6.12 "${tests[@]}"
}
debug_vm_pid=""
if [ "$debug_lane" != 1 ]; then
	notrun "debug-6.12 lane: disabled (--no-debug-lane)"
elif [ -z "$debug_pid" ]; then
	fail "debug-6.12 lane: tests/vm/debug-kernel/build.sh is missing"
else
	debug_lane > "$LOGS/vm-debug.log" 2>&1 &
	debug_vm_pid=$!
	echo "started step 7 in the background: the debug-6.12 lane (log: ${LOGS#$TOP/}/vm-debug.log)"
fi
# The whole-system test's preparation (step 8): package builds, DKMS
# builds in the chroot and the disk image are host work that needs nothing
# of steps 2-7, so it runs now, at a lower priority than the VMs, instead
# of in front of the system VMs at the end.
system_prep_pid=""
if [ "$system_test" = 1 ] && [ -x "$TOP/tests/system/run.sh" ]; then
	nice -n 5 "$TOP/tests/system/run.sh" --prepare ${kargs[@]+"${kargs[@]}"} \
		> "$LOGS/system-prep.log" 2> "$LOGS/system-prep.err" &
	system_prep_pid=$!
	echo "started the whole-system test's preparation in the background (log: ${LOGS#$TOP/}/system-prep.err)"
fi
if [ -f "$TOP/tests/tools/Makefile" ]; then
	make_check "unit tests/tools (make -C tests/tools check)" tests/tools check \
		${captures:+SPDM_CAPTURE_DIR="$captures"}
else
	notrun "unit tests/tools: no tests/tools/Makefile"
fi
if [ -f "$TOP/daemon/Makefile" ]; then
	make_check "unit daemon (make -C daemon check)" daemon check
else
	notrun "unit daemon: no daemon/Makefile"
fi
if has_target tests/tools/nlclient check; then
	make_check "unit nlclient (make -C tests/tools/nlclient check)" tests/tools/nlclient check
elif [ -f "$TOP/tests/tools/nlclient/Makefile" ]; then
	notrun "unit nlclient: tests/tools/nlclient/Makefile has no check target"
fi
if has_target tests/tools/nlclient check-specs; then
	make_check "YNL specs vs uapi headers (make -C tests/tools/nlclient check-specs)" \
		tests/tools/nlclient check-specs
fi

wait "$deps_pid"
cat "$LOGS/deps.out"
count "$LOGS/deps.out"
grep -q -E '^(PASS|FAIL) ' "$LOGS/deps.out" || fail "deps: tests/deps/check.sh reported nothing"

# -------------------------------------------------------------- 3 captures
step 3 "libspdm captures"
if [ -z "$captures" ]; then
	notrun "libspdm captures: no LIBSPDM_CAPTURES=DIR given"
elif [ ! -d "$captures" ]; then
	fail "libspdm captures: $captures is not a directory"
elif ! has_target daemon check-captures; then
	fail "libspdm captures: daemon/Makefile has no check-captures target"
else
	make_check "libspdm captures (make -C daemon check-captures)" daemon check-captures \
		CAPTURES="$(cd "$captures" && pwd)"
fi

# ---------------------------------------------------------------- 4 matrix
step 4 "module build matrix"
"$TOP/scripts/build-matrix.sh" "${kernels[@]}" 2>&1 | tee "$LOGS/matrix.log"
count "$LOGS/matrix.log"
grep -q -E '^(PASS|FAIL) ' "$LOGS/matrix.log" || fail "matrix: scripts/build-matrix.sh reported nothing"

# --------------------------------------------------------------- 5 harness
step 5 "VM harness self-test"
"$TOP/tests/vm/selftest/check.sh" ${kargs[@]+"${kargs[@]}"} > "$LOGS/harness.log" 2>&1
grep -E '^(PASS|FAIL) ' "$LOGS/harness.log"
count "$LOGS/harness.log"
if grep -q '^FAIL ' "$LOGS/harness.log"; then
	sed -n '/---- tests\/vm\/run output ----/,$p' "$LOGS/harness.log" | sed 's/^/  | /'
fi
grep -q -E '^(PASS|FAIL) ' "$LOGS/harness.log" || {
	fail "harness: tests/vm/selftest/check.sh reported nothing"
	tail -n 40 "$LOGS/harness.log" | sed 's/^/  | /'
}

# ---------------------------------------------------------------- 8 system
# The whole-system test starts when the first of the VM lanes (steps 6
# and 7) is done, beside the other: its cores are free then.
while kill -0 "$vm_pid" 2> /dev/null &&
      { [ -z "$debug_vm_pid" ] || kill -0 "$debug_vm_pid" 2> /dev/null; }; do
	sleep 5
done
step 8 "whole-system test (systemd, apt install of the .debs, dkms) (in the background)"
system_pid=""
if [ "$system_test" != 1 ]; then
	notrun "system: disabled (--no-system or PTSM_CHECK_SYSTEM=0)"
elif [ -n "$rootfs_pid" ] && ! wait "$rootfs_pid"; then
	fail "system: building the Debian rootfs failed (${LOGS#$TOP/}/system-rootfs.log)"
	tail -n 30 "$LOGS/system-rootfs.log" | sed 's/^/  | /'
elif [ -z "$system_prep_pid" ]; then
	fail "system: tests/system/run.sh is missing"
else
	# the preparation: 0 ready, 1 ready but a host check failed (in its
	# log), anything else (2: die) nothing to boot
	wait "$system_prep_pid"
	rc=$?
	cat "$LOGS/system-prep.log"
	count "$LOGS/system-prep.log"
	if [ $rc -gt 1 ]; then
		fail "system: the preparation failed (tests/system/run.sh --prepare, exit $rc)"
		tail -n 40 "$LOGS/system-prep.err" | sed 's/^/  | /'
	else
		"$TOP/tests/system/run.sh" --boot ${kargs[@]+"${kargs[@]}"} > "$LOGS/system.log" \
			2> "$LOGS/system.err" &
		system_pid=$!
		echo "started: tests/system/run.sh --boot (log: ${LOGS#$TOP/}/system.log, progress: ${LOGS#$TOP/}/system.err)"
	fi
fi

wait "$vm_pid"
echo
echo "==> [$(elapsed)] step 6/8 results: VM tests on ${kernels[*]}"
cat "$LOGS/vm.log"
count "$LOGS/vm.log"
grep -q -E '^(PASS|FAIL) ' "$LOGS/vm.log" || fail "vm: tests/vm/run reported nothing"

if [ -n "$debug_vm_pid" ]; then
	wait "$debug_vm_pid"
	echo
	echo "==> [$(elapsed)] step 7/8 results: VM tests on the debug-6.12 lane"
	cat "$LOGS/vm-debug.log"
	count "$LOGS/vm-debug.log"
	grep -q -E '^(PASS|FAIL) ' "$LOGS/vm-debug.log" || {
		fail "debug-6.12 lane: tests/vm/run reported nothing"
		tail -n 40 "$LOGS/vm-debug.log" | sed 's/^/  | /'
	}
fi

if [ -n "$system_pid" ]; then
	wait "$system_pid"
	rc=$?
	echo
	echo "==> [$(elapsed)] step 8/8 results: whole-system test"
	cat "$LOGS/system.log"
	count "$LOGS/system.log"
	if ! grep -q -E '^(PASS|FAIL) ' "$LOGS/system.log"; then
		fail "system: tests/system/run.sh reported nothing (exit $rc)"
		tail -n 40 "$LOGS/system.err" | sed 's/^/  | /'
	fi
fi

# ---------------------------------------------------------------- summary
echo
echo "==> [$(elapsed)] done (CPU: $(cpu) s)"
if [ ${#failed_items[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failed_items[@]}"
fi
if [ ${#skipped_items[@]} -gt 0 ]; then
	echo "not run (counted as skipped):"
	printf '  %s\n' "${skipped_items[@]}"
fi
echo "$npass passed, $nfail failed, ${#skipped_items[@]} skipped"
[ $nfail = 0 ]
exit
}
