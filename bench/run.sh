#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/run.sh: the pci-tsm benchmark suite behind `make bench` (issue 8).
# Not a test: it measures, prints a table and writes bench/results.json.
# Every figure is a ratio against a floor measured in the same run, with
# min/median/max over the repetitions; a figure that cannot be measured is
# reported as such. docs/performance.md explains the figures.
#
#   1 verification cost   host: bench/verify-bench (libtsm vs raw OpenSSL)
#   2 evidence transfer   VM:   bench/vm/bench-transfer.sh
#   3 device fan-out      VM:   bench/vm/bench-fanout.sh
#   4 shim overhead       VM:   bench/vm/bench-shim.sh (swiotlb=force)
#   5 footprint           VM:   bench/vm/bench-fanout.sh (after the fan-out)
#
# Environment (defaults in brackets):
#   BENCH_REPS [5]            repetitions of every figure
#   BENCH_KERNELS [6.12]      VM kernels (tests/vm/run -k), e.g. "6.1 6.12"
#   BENCH_SIZES [1x2,8x8,32x8] fan-out sizes, endpoints x functions per bridge
#   BENCH_LARGE_REPS [BENCH_REPS] repetitions of fan-out sizes above 128
#                             functions (fewer is a faster, unpublishable run;
#                             below 5 the per-function cost of each fifth of
#                             the decisions is printed too)
#   BENCH_FOOTPRINT [16x8]    size for the footprint figure (256 functions)
#   BENCH_IDLE [60]           idle seconds for the footprint figure
#   BENCH_VERIFY_SECONDS [0.2] CPU seconds per verification measurement
#   BENCH_SHIM_N [3000]       map+unmap iterations per shim measurement
#   BENCH_OUT [bench/results.json]
#   BENCH_PARTS [host vm]     which parts to run
# Options: --quick (2 repetitions, small sizes, 12 s idle: a smoke run whose
# figures are not for publication), --no-vm, -h.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${PTSM_BUILD_DIR:-$TOP/build}
REPS=${BENCH_REPS:-5}
KERNELS=${BENCH_KERNELS:-6.12}
SIZES=${BENCH_SIZES:-1x2,8x8,32x8}
LARGE_REPS=${BENCH_LARGE_REPS:-}
FOOTPRINT=${BENCH_FOOTPRINT:-16x8}
IDLE=${BENCH_IDLE:-60}
VERIFY_SECONDS=${BENCH_VERIFY_SECONDS:-0.2}
SHIM_N=${BENCH_SHIM_N:-3000}
OUT=${BENCH_OUT:-$TOP/bench/results.json}
PARTS=${BENCH_PARTS:-host vm}

usage() {
	sed -n '3,/^set -uo/p' "$0" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case "$1" in
	--quick) REPS=2 SIZES=1x2,4x4 FOOTPRINT=4x4 IDLE=12 VERIFY_SECONDS=0.05 SHIM_N=1000
		 OUT=${BENCH_OUT:-$BUILD/bench/results-quick.json} ;;
	--no-vm) PARTS=host ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench/run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
LARGE_REPS=${LARGE_REPS:-$REPS}
[ "$REPS" -ge 1 ] 2>/dev/null || { echo "bench/run.sh: bad BENCH_REPS" >&2; exit 2; }

# Debian's python (python3-yaml from scripts/deps.list), not one earlier in PATH
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "bench/run.sh: $PY is needed for the report (scripts/install-deps.sh)" >&2; exit 2; }
RUNID=$(date -u +%Y%m%d-%H%M%S)
RAW=$BUILD/bench/$RUNID
mkdir -p "$RAW" || exit 2
STATUS=$RAW/status.txt
: > "$STATUS"
T0=$(date +%s)

say() {
	echo "bench: $*"
}

# Load average samples every 10 s while the bench runs (the machine may be
# shared; the figures are ratios, the load goes into the results).
(
	while :; do
		cut -d' ' -f1 /proc/loadavg >> "$RAW/load.samples"
		sleep 10
	done
) &
LOADPID=$!
trap 'kill $LOADPID 2>/dev/null' EXIT

{
	echo "DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "GIT_COMMIT=${BENCH_GIT_COMMIT:-$(git -C "$TOP" rev-parse HEAD 2>/dev/null)}"
	if [ -n "${BENCH_GIT_COMMIT:-}" ]; then
		echo "GIT_DIRTY=0"	# a clean export of that commit (git archive)
	elif [ -n "$(git -C "$TOP" status --porcelain -- modules include daemon tests bench 2>/dev/null)" ]; then
		echo "GIT_DIRTY=1"
	else
		echo "GIT_DIRTY=0"
	fi
	echo "NPROC=$(nproc)"
	echo "CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "MEM_MIB=$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
	echo "HOST_KERNEL=$(uname -r)"
	echo "OPENSSL=$(openssl version 2>/dev/null)"
	echo "LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "REPS=$REPS"
	echo "SIZES=$SIZES"
	echo "LARGE_REPS=$LARGE_REPS"
	echo "SHIM_N=$SHIM_N"
	echo "IDLE=$IDLE"
	echo "VERIFY_SECONDS=$VERIFY_SECONDS"
	echo "VM_DESC=qemu-system-x86_64 -accel tcg, 1 vCPU, 1024 MiB (tests/vm/run)"
} > "$RAW/machine.env"

# The VM parts' builds (modules, userspace, fixtures) run while the host
# part measures: verify-bench counts CPU time, which a busy machine does
# not change; tests/vm/run then finds everything up to date.
PREBUILD=""
if [[ " $PARTS " == *" vm "* ]]; then
	(
		for k in $KERNELS; do
			kv=$("$TOP/scripts/kernels.sh" "$k" 2>/dev/null | head -n1) &&
				"$TOP/scripts/build-kmod.sh" "$kv"
		done
		"$TOP/scripts/build-userspace.sh"
	) > "$RAW/prebuild.log" 2>&1 &
	PREBUILD=$!
fi

# ------------------------------------------------------------------ host
if [[ " $PARTS " == *" host "* ]]; then
	say "1/5 verification cost on the host (make -C bench; $REPS repetitions)"
	if make -s -C "$TOP/bench" verify-bench > "$RAW/verify-build.log" 2>&1; then
		if "$TOP/bench/verify-bench" "$VERIFY_SECONDS" "$REPS" > "$RAW/verify.txt" \
			2> "$RAW/verify.err"; then
			echo "verify host ok" >> "$STATUS"
		else
			echo "verify host fail verify-bench failed: $(tail -n 1 "$RAW/verify.err")" >> "$STATUS"
		fi
	else
		tail -n 20 "$RAW/verify-build.log"
		echo "verify host fail build of bench/verify-bench failed" >> "$STATUS"
	fi
else
	echo "verify host skipped not requested (BENCH_PARTS)" >> "$STATUS"
fi

# -------------------------------------------------------------------- VM
# vm_part NAME KVER: status of one VM script from tests/vm/run's results
vm_part() {
	local name=$1 kver=$2 d=$BUILD/vm-results/$2/bench-$1 res

	if [ ! -f "$d/result" ]; then
		echo "vm-$name $kver fail did not run (see $RAW/vm.log)" >> "$STATUS"
		return
	fi
	res=$(cat "$d/result")
	grep -h '^BENCH ' "$d/test.log" >> "$RAW/vm-$kver.txt"
	if [ "$res" = PASS ]; then
		echo "vm-$name $kver ok" >> "$STATUS"
	else
		# the samples printed before a failure still count; say why the rest is missing
		echo "vm-$name $kver fail ${res#FAIL }: $(grep -h -m1 'FAIL:' "$d/test.log" | cut -c1-200)" \
			>> "$STATUS"
	fi
}

[ -n "$PREBUILD" ] && wait "$PREBUILD"
if [[ " $PARTS " == *" vm "* ]]; then
	kvers=()
	for k in $KERNELS; do
		kv=$("$TOP/scripts/kernels.sh" "$k" 2>/dev/null | head -n1)
		[ -n "$kv" ] || { say "no kernel for '$k'"; continue; }
		kvers+=("$kv")
	done
	echo "VM_KERNELS=${kvers[*]}" >> "$RAW/machine.env"
	kargs=()
	for k in "${kvers[@]}"; do
		kargs+=(-k "$k")
		rm -rf "$BUILD"/vm-results/"$k"/bench-{transfer,fanout,shim}
	done
	append="ptsm_bench_reps=$REPS ptsm_bench_sizes=$SIZES ptsm_bench_large_reps=$LARGE_REPS"
	append="$append ptsm_bench_footprint=$FOOTPRINT ptsm_bench_idle=$IDLE ptsm_bench_shim_n=$SHIM_N"
	if [ ${#kvers[@]} -gt 0 ]; then
		say "2-5/5 VM figures on ${kvers[*]} (tests/vm/run; log: ${RAW#$TOP/}/vm.log)"
		# One boot for transfer + fan-out/footprint, one with swiotlb=force
		# for the shim; tests/vm/run boots the groups one after the other.
		"$TOP/tests/vm/run" "${kargs[@]}" --brief --append "$append" \
			"$TOP/bench/vm/bench-transfer.sh" "$TOP/bench/vm/bench-fanout.sh" \
			"$TOP/bench/vm/bench-shim.sh" > "$RAW/vm.log" 2>&1
		grep -E '^(PASS|FAIL) ' "$RAW/vm.log" | sed 's/^/bench: vm: /'
		for k in "${kvers[@]}"; do
			: > "$RAW/vm-$k.txt"
			for p in transfer fanout shim; do
				vm_part "$p" "$k"
			done
		done
	fi
else
	for p in transfer fanout shim; do
		echo "vm-$p - skipped not requested (--no-vm / BENCH_PARTS)" >> "$STATUS"
	done
fi

kill $LOADPID 2>/dev/null
{
	echo "LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "LOAD_SAMPLES=$(tr '\n' ' ' < "$RAW/load.samples" 2>/dev/null)"
	echo "WALL_SECONDS=$(($(date +%s) - T0))"
} >> "$RAW/machine.env"

echo
"$PY" "$TOP/bench/report.py" "$RAW" "$OUT" || exit 1
say "raw samples and logs: ${RAW#$TOP/}; took $(($(date +%s) - T0)) s"
# exit 1 when a part failed, so that CI notices; the JSON says which
! grep -q ' fail ' "$STATUS"
