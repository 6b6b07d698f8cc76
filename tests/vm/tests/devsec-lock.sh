#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# devsec_tsm: lock/accept/unlock drive the emulated TDISP state; accept
# marks BAR0 (TEE ranges around the MSI-X pages) "PCI MMIO Encrypted";
# unlock removes it. Paths upstream crashed on: unlock without accept, accept
# twice, unlock -> lock -> accept again, accept refused after the device
# went to ERROR (BAR write while locked), device removal while accepted.
# vm: timeout=150
. /ptsm/tests/devsec-lib.sh

enc_lines() {
	grep -c "PCI MMIO Encrypted" /proc/iomem
}

for m in tsm_core pci_tsm tsm_shim devsec_bus devsec_tsm; do
	ptsm_load $m
done
DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"
T=$PCI/$EP0F1/tsm
[ -d $T ] || fail "$EP0F1 has no tsm/"
expect_eq 0 "$(enc_lines)" "no encrypted MMIO at start"

# lock -> accept -> unlock
expect_ok $T/lock $DEVSEC
expect_eq $DEVSEC "$(cat $T/lock)" "lock reads the TSM"
expect_eq 1 "$(tdisp_state $EP0F1)" "LOCKED"
[ "$(cat $T/evidence_generation)" -gt 0 ] || fail "no evidence after lock"
expect_errno EBUSY $T/lock $DEVSEC
expect_errno EINVAL $T/accept 0
expect_ok $T/accept 1
expect_eq 2 "$(tdisp_state $EP0F1)" "RUN"
expect_eq 1 "$(cat $T/accept)" "accept reads 1"
read -r s e _ < $PCI/$EP0F1/resource
expect_eq 1 "$(enc_lines)" "BAR0 (TEE ranges around MSI-X) marked once"
want=$(printf '%x-%x' $s $e)
grep "PCI MMIO Encrypted" /proc/iomem | grep -q "$want" || fail "no encrypted resource $want"
expect_errno EBUSY $T/accept 1
expect_eq 2 "$(tdisp_state $EP0F1)" "second accept changes nothing"
expect_ok $T/unlock $DEVSEC
expect_eq 0 "$(tdisp_state $EP0F1)" "UNLOCKED"
expect_eq 0 "$(enc_lines)" "encrypted MMIO removed by unlock"
expect_eq "" "$(cat $T/lock)" "lock empty after unlock"

# lock -> unlock without accept; unlock -> lock -> accept again
expect_ok $T/lock $DEVSEC
expect_ok $T/unlock $DEVSEC
expect_eq 0 "$(tdisp_state $EP0F1)" "UNLOCKED without accept"
expect_ok $T/lock $DEVSEC
expect_ok $T/accept 1
expect_eq 1 "$(enc_lines)" "accept after re-lock"
expect_ok $T/unlock $DEVSEC
expect_eq 0 "$(enc_lines)" "removed again"

# a BAR write while LOCKED puts the device in ERROR: accept is refused
bar=$(cfg_read $EP0F1 $((0x10)) 4)
expect_ok $T/lock $DEVSEC
cfg_write $EP0F1 $((0x10)) 4 $((bar ^ (1 << 30)))
expect_eq 3 "$(tdisp_state $EP0F1)" "ERROR after a BAR write"
got=$(sysfs-write $T/accept 1)
[ "$got" = OK ] && fail "accept succeeded on a device in ERROR"
log "accept in ERROR: $got (refused as expected)"
expect_eq 0 "$(enc_lines)" "nothing registered in ERROR"
expect_ok $T/unlock $DEVSEC
expect_eq 0 "$(tdisp_state $EP0F1)" "unlock leaves ERROR"
cfg_write $EP0F1 $((0x10)) 4 "$bar"

# PF0 of the other endpoint, then remove it while accepted and rescan
T1=$PCI/$EP1/tsm
expect_ok $T1/lock $DEVSEC
expect_ok $T1/accept 1
expect_eq 1 "$(enc_lines)" "EP1 accepted"
echo 1 > $PCI/$EP1/remove || fail "remove $EP1"
[ -e $PCI/$EP1 ] && fail "$EP1 still present"
expect_eq 0 "$(enc_lines)" "encrypted MMIO gone with the device"
echo 1 > /sys/bus/pci/rescan || fail "rescan"
[ -e $PCI/$EP1 ] || fail "$EP1 not back after rescan"
expect_eq 0 "$(tdisp_state $EP1)" "$EP1 UNLOCKED after removal"
expect_ok $T1/lock $DEVSEC

# unload while one function is accepted and one locked
expect_ok $T/lock $DEVSEC
expect_ok $T/accept 1
ptsm_unload_all
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted MMIO left after unload"
exit 0
