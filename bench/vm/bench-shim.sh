#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench, figure 4 (not a test), booted with swiotlb=force: the cost of
# one streaming DMA map+unmap (4 KiB and 64 KiB, devsec_pci's debugfs
# "bench" trigger, timed in the kernel) for
#  - an unrelated (never accepted) device without and with tsm_shim loaded,
#    alternating runs so that host drift hits both sides alike;
#  - an accepted device, whose mappings bypass swiotlb, next to a device
#    that still bounces, both with tsm_shim loaded, alternating.
# Prints "BENCH shim_unrelated ..." and "BENCH shim_accepted ..." lines;
# bench/run.sh computes the statistics.
# Kernel command line knobs: ptsm_bench_reps=N, ptsm_bench_shim_n=ITERATIONS.
# vm: swiotlb=force
# vm: timeout=900
. /ptsm/tests/shim-lib.sh

REPS=5
N=5000
for a in $(cat /proc/cmdline); do
	case $a in
	ptsm_bench_reps=*) REPS=${a#*=} ;;
	ptsm_bench_shim_n=*) N=${a#*=} ;;
	esac
done

# bench_once DEV: "NS_4K NS_64K", nanoseconds per map+unmap over N runs
bench_once() {
	expect_ok "$DPCI/$1/bench" "$N"
	expect_eq "$N" "$(sed -n 's/^iterations=//p' "$DPCI/$1/bench")" "$1 bench iterations"
	echo "$(sed -n 's/^ns_4k=//p' "$DPCI/$1/bench") $(sed -n 's/^ns_64k=//p' "$DPCI/$1/bench")"
}

trap shim_cleanup EXIT
shim_stack noshim
bind "$OTHER"
bench_once "$OTHER" > /dev/null	# warm-up

i=1
while [ $i -le "$REPS" ]; do
	off=$(bench_once "$OTHER")
	ptsm_load tsm_shim testing=1
	on=$(bench_once "$OTHER")
	ptsm_unload tsm_shim
	echo "BENCH shim_unrelated rep=$i n=$N without_4k_ns=${off% *} with_4k_ns=${on% *} without_64k_ns=${off#* } with_64k_ns=${on#* }"
	i=$((i + 1))
done

# An accepted device next to one that bounces.
ptsm_load tsm_shim testing=1
lock_accept "$ACC"
bind "$ACC"
expect_direct "$ACC" "accepted"
expect_bounced "$OTHER" "never accepted"
bench_once "$ACC" > /dev/null	# warm-up
i=1
while [ $i -le "$REPS" ]; do
	acc=$(bench_once "$ACC")
	oth=$(bench_once "$OTHER")
	echo "BENCH shim_accepted rep=$i n=$N bypass_4k_ns=${acc% *} bounce_4k_ns=${oth% *} bypass_64k_ns=${acc#* } bounce_64k_ns=${oth#* }"
	i=$((i + 1))
done
expect_direct "$ACC" "accepted, after the runs"
exit 0
