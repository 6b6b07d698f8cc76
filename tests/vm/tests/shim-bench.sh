#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Micro-benchmark for make bench (issue 5), not a timed test: the cost of
# one streaming map+unmap on a device that is never accepted, with and
# without tsm_shim loaded, in one VM run, and the ratio. Fails only when
# the measurement itself fails. Under TCG the absolute numbers say little;
# the ratio is the point.
# vm: swiotlb=force
# vm: timeout=300
. /ptsm/tests/shim-lib.sh

N=${SHIM_BENCH_N:-10000}
REPEAT=${SHIM_BENCH_REPEAT:-5}

trap shim_cleanup EXIT
shim_stack noshim
bind "$OTHER"

# bench_once: "NS_4K NS_64K" of one run of N map+unmap each: the cost per
# pair in the fastest batch of 64 (devsec_pci), which filters out time the
# vCPU spent preempted on a busy host
bench_once() {
	expect_ok "$DPCI/$OTHER/bench" "$N"
	echo "$(sed -n 's/^best_ns_4k=//p' "$DPCI/$OTHER/bench") $(sed -n 's/^best_ns_64k=//p' "$DPCI/$OTHER/bench")"
}

# min A B: the smaller (0 counts as unset)
min() {
	if [ "$1" = 0 ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi
}

# ratio A B: A/B with three decimals
ratio() {
	echo "$(($1 / $2)).$(printf '%03d' $((($1 * 1000 / $2) % 1000)))"
}

# Alternate without and with the shim so drift on the host hits both
# sides alike; keep the best of REPEAT runs of each. Loading and unloading
# leave work behind (RCU callbacks, ftrace trampolines freed late) that
# would land in the next run on the single vCPU: let it settle first. One
# run up front warms caches and TCG's translations.
bench_once > /dev/null
off4=0 off64=0 on4=0 on64=0
i=0
while [ $i -lt "$REPEAT" ]; do
	i=$((i + 1))
	sleep 2
	r=$(bench_once)
	off4=$(min "$off4" "${r% *}") off64=$(min "$off64" "${r#* }")
	ptsm_load tsm_shim testing=1
	sleep 2
	r=$(bench_once)
	on4=$(min "$on4" "${r% *}") on64=$(min "$on64" "${r#* }")
	ptsm_unload tsm_shim
done

echo "BENCH shim-dma-map-unmap kernel=$(uname -r) n=$N 4k_ns_without=$off4 4k_ns_with=$on4 4k_ratio=$(ratio "$on4" "$off4") 64k_ns_without=$off64 64k_ns_with=$on64 64k_ratio=$(ratio "$on64" "$off64")"
