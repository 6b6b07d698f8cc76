#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Scale: 32 endpoints x 8 functions per bridge with 16 KiB BARs (576 PCI
# functions). Every function enumerates with DEVCAP TEE; every PF0 and
# function gets tsm/; each bridge's 4 streams can be used; a batch of
# functions locks and accepts; unloading the bus while busy is clean.
# vm: timeout=600
. /ptsm/tests/devsec-lib.sh

for m in tsm_core pci_tsm tsm_shim devsec_link_tsm devsec_tsm; do
	ptsm_load $m
done
ptsm_load devsec_bus nr_endpoints=32 nr_functions=8 bar_size=16384
LINK=$(tsm_by_mode link) || fail "no link TSM"
DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"

n=0
for d in $PCI/1000[01]:*; do
	[ "$(cat $d/vendor)" = 0x8086 ] || continue
	n=$((n + 1))
done
expect_eq 576 "$n" "functions (2 x (32 root ports + 32 x 8))"
last=10001:41:00.7		# bridge 1: root bus 0x21, endpoints on 0x22..0x41
[ -e $PCI/$last ] || fail "missing $last"
expect_eq 16384 "$(bar0_size $last)" "BAR0 size of $last"
n=0
for d in $PCI/1000[01]:*:00.*; do
	[ "$(cat $d/class)" = 0x120000 ] || continue
	[ -d $d/tsm ] || fail "$(basename $d) has no tsm/"
	n=$((n + 1))
done
expect_eq 512 "$n" "endpoint functions with tsm/"

# fill both bridges' stream pools
for dom in 10000:0 10001:2; do
	for i in 2 3 4 5; do
		expect_ok $PCI/$dom$i:00.0/tsm/connect $LINK
	done
done
expect_errno EBUSY $PCI/10000:06:00.0/tsm/connect $LINK
expect_errno EBUSY $PCI/10001:26:00.0/tsm/connect $LINK

# lock and accept all 8 functions of the last endpoint
for f in 0 1 2 3 4 5 6 7; do
	expect_ok $PCI/10001:41:00.$f/tsm/lock $DEVSEC
	expect_ok $PCI/10001:41:00.$f/tsm/accept 1
done
# 16 KiB BAR: TEE [0, 8K), MSI-X table and PBA fill the upper half
expect_eq 8 "$(grep -c 'PCI MMIO Encrypted' /proc/iomem)" "8 functions x 1 BAR with TEE memory"

ptsm_unload devsec_bus
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted MMIO left"
ptsm_unload_all
exit 0
