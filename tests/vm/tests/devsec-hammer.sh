#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Two shells hammer the same PF0: one connects/disconnects through the link
# TSM, the other locks/unlocks through the devsec TSM; a third reads the
# bridge's stream count. Afterwards the device, the emulated hardware and
# the bridge agree: no stream, no link, TDISP UNLOCKED, nothing encrypted.
# vm: timeout=400
. /ptsm/tests/devsec-lib.sh

N=${DEVSEC_HAMMER_N:-300}

for m in tsm_core pci_tsm tsm_shim devsec_bus devsec_link_tsm devsec_tsm; do
	ptsm_load $m
done
LINK=$(tsm_by_mode link) || fail "no link TSM"
DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"
T=$PCI/$EP0/tsm
hb=$(host_bridge $EP0)

# Only shell builtins in the loops: a fork per step would make the test
# measure fork under TCG rather than race the verbs.
# Each writer counts its successful connects / locks: a hammer whose
# writes all failed would prove nothing.
(
	i=0 ok=0
	while [ $i -lt $N ]; do
		echo $LINK > $T/connect 2>/dev/null && ok=$((ok + 1))
		echo $LINK > $T/disconnect 2>/dev/null
		i=$((i + 1))
	done
	echo $ok > /tmp/hammer.connects
) &
a=$!
(
	i=0 ok=0
	while [ $i -lt $N ]; do
		echo $DEVSEC > $T/lock 2>/dev/null && ok=$((ok + 1))
		[ $((i % 3)) = 0 ] && { echo 1 > $T/accept; } 2>/dev/null
		echo $DEVSEC > $T/unlock 2>/dev/null
		i=$((i + 1))
	done
	echo $ok > /tmp/hammer.locks
) &
b=$!
(
	while kill -0 $a 2>/dev/null || kill -0 $b 2>/dev/null; do
		for f in $hb/available_secure_streams $T/dsm $T/lock; do
			{ read -r x < $f; } 2>/dev/null
		done
		usleep 10000
	done
) &
c=$!
wait $a
wait $b
wait $c
log "$N rounds: $(cat /tmp/hammer.connects) connects, $(cat /tmp/hammer.locks) locks succeeded"
[ "$(cat /tmp/hammer.connects)" -gt 0 ] || fail "no connect succeeded while hammering"
[ "$(cat /tmp/hammer.locks)" -gt 0 ] || fail "no lock succeeded while hammering"

# whatever state the race left, take it down and check consistency
sysfs-write $T/disconnect $LINK >/dev/null
sysfs-write $T/unlock $DEVSEC >/dev/null
expect_eq "" "$(cat $T/connect)" "not connected"
expect_eq "" "$(cat $T/lock)" "not locked"
expect_eq 4 "$(cat $hb/available_secure_streams)" "all streams free"
[ -e $hb/stream0.0.0 ] && fail "stream link left"
[ -e /sys/class/tsm/$LINK/pci10000:00 ] && fail "bridge link left"
expect_eq 0 "$(tdisp_state $EP0)" "TDISP UNLOCKED"
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted MMIO left"
ide=$(ext_cap $RP0 48)
expect_eq 0 $(($(cfg_read $RP0 $((ide + IDE_SEL_CTL)) 4) & 1)) "root port stream disabled"

# and it still works
expect_ok $T/connect $LINK
expect_eq 3 "$(cat $hb/available_secure_streams)" "connect after the hammer"
expect_ok $T/disconnect $LINK
expect_ok $T/lock $DEVSEC
expect_ok $T/accept 1
ptsm_unload_all
exit 0
