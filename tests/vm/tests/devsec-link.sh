#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# devsec_link_tsm: connect both PF0s at once (stream0.0.0 on each bridge and
# the tsmN/pciDDDD:BB/stream0.0.0 path), available_secure_streams 4 -> 3 ->
# 4, IDE programmed on root port and endpoint, dsm on PF0/PF1, tsm_bind /
# tsm_unbind / tsm_request with their error codes, disconnect with TDIs
# bound, reconnect.
# vm: timeout=120
. /ptsm/tests/devsec-lib.sh

ide_state() { # DEV: IDE selective stream 0 state
	local ide

	ide=$(ext_cap "$1" 48)
	echo $(($(cfg_read "$1" $((ide + IDE_SEL_STS)) 4) & 15))
}

ide_stream_id() {
	local ide

	ide=$(ext_cap "$1" 48)
	echo $(($(cfg_read "$1" $((ide + IDE_SEL_CTL)) 4) >> 24))
}

for m in tsm_core pci_tsm devsec_bus devsec_link_tsm devsec_tsm; do
	ptsm_load $m
done
LINK=$(tsm_by_mode link) || fail "no link TSM"
DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"
LDEV=/sys/class/tsm/$LINK/device
[ -c /dev/devsec-responder-$LINK ] || fail "no /dev/devsec-responder-$LINK"
[ -c /dev/devsec-responder-$DEVSEC ] || fail "no /dev/devsec-responder-$DEVSEC"

for d in $EP0 $EP1; do
	[ -d $PCI/$d/tsm ] || fail "$d has no tsm/"
done
hb0=$(host_bridge $EP0)
hb1=$(host_bridge $EP1)
expect_eq 4 "$(cat $hb0/available_secure_streams)" "idle streams"
expect_eq "" "$(cat $PCI/$EP0/tsm/dsm)" "idle dsm"

# connect both PF0s at once
sysfs-write $PCI/$EP0/tsm/connect $LINK > /tmp/c0 &
sysfs-write $PCI/$EP1/tsm/connect $LINK > /tmp/c1 &
wait
expect_eq OK "$(cat /tmp/c0)" "connect $EP0"
expect_eq OK "$(cat /tmp/c1)" "connect $EP1"
for pair in "$EP0 $hb0 pci10000:00" "$EP1 $hb1 pci10001:02"; do
	set -- $pair
	expect_eq "$(readlink -f $PCI/$1)" "$(readlink -f $2/stream0.0.0)" "$2/stream0.0.0"
	expect_eq "$(readlink -f $PCI/$1)" \
		"$(readlink -f /sys/class/tsm/$LINK/$3/stream0.0.0)" "tsm $3/stream0.0.0"
	expect_eq 3 "$(cat $2/available_secure_streams)" "streams after connect"
done
for d in $RP0 $EP0; do
	expect_eq 2 "$(ide_state $d)" "$d IDE secure"
	expect_eq 0 "$(ide_stream_id $d)" "$d IDE stream id"
done
expect_eq $EP0 "$(cat $PCI/$EP0/tsm/dsm)" "dsm on PF0"
expect_eq $EP0 "$(cat $PCI/$EP0F1/tsm/dsm)" "dsm on PF1"
expect_eq $LINK "$(cat $PCI/$EP0/tsm/connect)" "connect reads the TSM"
[ "$(cat $PCI/$EP0/tsm/evidence_generation)" -gt 0 ] || fail "no evidence after connect"
expect_errno EBUSY $PCI/$EP0/tsm/connect $LINK

# disconnect EP1: its bridge goes back to 4
expect_ok $PCI/$EP1/tsm/disconnect $LINK
expect_eq 4 "$(cat $hb1/available_secure_streams)" "streams after disconnect"
[ -e $hb1/stream0.0.0 ] && fail "stream link left after disconnect"
[ -e /sys/class/tsm/$LINK/pci10001:02 ] && fail "bridge link left after disconnect"
expect_eq 0 "$(ide_state $EP1)" "$EP1 IDE insecure"
expect_eq 0 "$(ide_state $RP1)" "$RP1 IDE insecure"

# TDI bind / unbind / guest request
expect_ok $LDEV/tsm_bind $EP0F1
expect_eq $LINK "$(cat $PCI/$EP0F1/tsm/bound)" "bound PF1"
expect_eq 1 "$(tdisp_state $EP0F1)" "PF1 LOCKED when bound"
expect_ok $LDEV/tsm_bind $EP0
expect_eq $LINK "$(cat $PCI/$EP0/tsm/bound)" "bound PF0"
expect_ok $LDEV/tsm_request $EP0F1
expect_ok $LDEV/tsm_unbind $EP0F1
expect_eq "" "$(cat $PCI/$EP0F1/tsm/bound)" "PF1 unbound"
expect_eq 0 "$(tdisp_state $EP0F1)" "PF1 UNLOCKED when unbound"
expect_errno ENODEV $LDEV/tsm_bind 10000:07:00.0
expect_errno ENXIO $LDEV/tsm_bind $EP1F1
expect_errno ENXIO $LDEV/tsm_unbind $EP1
expect_errno ENXIO $LDEV/tsm_request $EP1
expect_errno EINVAL $LDEV/tsm_bind "not-a-device"
expect_errno EINVAL $LDEV/tsm_bind "$EP0F1 junk"

# disconnect with TDIs bound unbinds them
expect_ok $LDEV/tsm_bind $EP0F1
expect_ok $PCI/$EP0/tsm/disconnect $LINK
expect_eq "" "$(cat $PCI/$EP0/tsm/bound)" "PF0 unbound by disconnect"
expect_eq 0 "$(tdisp_state $EP0)" "PF0 UNLOCKED after disconnect"
expect_eq 0 "$(tdisp_state $EP0F1)" "PF1 UNLOCKED after disconnect"
expect_eq "" "$(cat $PCI/$EP0/tsm/dsm)" "dsm empty after disconnect"
expect_eq 4 "$(cat $hb0/available_secure_streams)" "streams after disconnect"
[ -e /sys/class/tsm/$LINK/pci10000:00 ] && fail "bridge link left"

# reconnect, then unload everything while connected and bound
expect_ok $PCI/$EP0/tsm/connect $LINK
expect_eq "$(readlink -f $PCI/$EP0)" "$(readlink -f $hb0/stream0.0.0)" "stream after reconnect"
expect_ok $LDEV/tsm_bind $EP0F1
ptsm_unload_all
exit 0
