#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# tsm_shim load/unload while DMA is in flight (issue 5): a devsec_pci kernel
# thread maps and unmaps a buffer 10 000 times on a function that is never
# accepted while tsm_shim is unloaded and loaded again in a loop; every
# other round the thread also allocates and frees coherent memory. Every map
# must succeed, the swiotlb pool must end where it started (no lost or
# double unmap), and the harness fails the test on any kernel complaint.
# preempt=full lets the mapping thread be preempted anywhere, including
# inside the kprobe trampoline while the probe is being removed.
# vm: swiotlb=force
# vm: timeout=240
# vm: append=preempt=full
. /ptsm/tests/shim-lib.sh

ITER=10000
USED=/sys/kernel/debug/swiotlb/io_tlb_used

trap shim_cleanup EXIT
shim_stack testing=1
bind "$OTHER"
used0=$(cat $USED)

# hammer_kv KEY: a key of the hammer status
hammer_kv() {
	sed -n "s/^$1=//p" "$DPCI/$OTHER/hammer"
}

overlapped=0
round=0
# Odd rounds map/unmap only; even rounds also allocate and free coherent
# memory, which in testing mode sends every force_dma_unencrypted() call
# through the shim's return stub while the shim is being unloaded.
while [ $round -lt 2 ] || { [ $overlapped -lt 3 ] && [ $round -lt 6 ]; }; do
	round=$((round + 1))
	mode=""
	[ $((round % 2)) = 0 ] && mode=" coherent"
	expect_ok "$DPCI/$OTHER/hammer" "$ITER$mode"
	# count each unload and each load that starts while maps are in flight
	while [ "$(hammer_kv running)" = 1 ]; do
		overlapped=$((overlapped + 1))
		ptsm_unload tsm_shim
		[ "$(hammer_kv running)" = 1 ] && overlapped=$((overlapped + 1))
		ptsm_load tsm_shim testing=1
	done
	expect_eq $ITER "$(hammer_kv "done")" "round $round: iterations done"
	expect_eq 0 "$(hammer_kv errors)" "round $round: map errors"
	expect_eq "$used0" "$(cat $USED)" "round $round: swiotlb slots in use afterwards"
	expect_eq 1 "$(shim_status ready)" "round $round: tsm_shim ready after reloads"
done
[ $overlapped -ge 3 ] || fail "only $overlapped tsm_shim loads/unloads overlapped the hammer in $round rounds"
log "$round rounds of $ITER map/unmap, $overlapped tsm_shim loads/unloads started while mapping"
expect_ok "$DPCI/$OTHER/hammer" 0
