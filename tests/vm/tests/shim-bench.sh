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

N=${SHIM_BENCH_N:-20000}

trap shim_cleanup EXIT
shim_stack noshim
bind "$OTHER"

# bench_run: "NS_4K NS_64K", best of three runs of N map+unmap each
bench_run() {
	local b4=0 b64=0 v _

	for _ in 1 2 3; do
		expect_ok "$DPCI/$OTHER/bench" "$N"
		v=$(sed -n 's/^ns_4k=//p' "$DPCI/$OTHER/bench")
		if [ "$b4" = 0 ] || [ "$v" -lt "$b4" ]; then b4=$v; fi
		v=$(sed -n 's/^ns_64k=//p' "$DPCI/$OTHER/bench")
		if [ "$b64" = 0 ] || [ "$v" -lt "$b64" ]; then b64=$v; fi
	done
	echo "$b4 $b64"
}

# ratio A B: A/B with three decimals
ratio() {
	echo "$(($1 / $2)).$(printf '%03d' $((($1 * 1000 / $2) % 1000)))"
}

r=$(bench_run)
off4=${r% *} off64=${r#* }
ptsm_load tsm_shim testing=1
r=$(bench_run)
on4=${r% *} on64=${r#* }
ptsm_unload tsm_shim

echo "BENCH shim-dma-map-unmap kernel=$(uname -r) n=$N 4k_ns_without=$off4 4k_ns_with=$on4 4k_ratio=$(ratio "$on4" "$off4") 64k_ns_without=$off64 64k_ns_with=$on64 64k_ratio=$(ratio "$on64" "$off64")"
