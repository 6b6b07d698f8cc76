#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Leaving RUN never leaves a driver on stale assumptions (issue 14 C). A
# driver holds coherent DMA and an encrypted pci_iomap() of an accepted
# function (ptsm_test_observe's PCI driver, tests/kmod), then each of:
#  - unlock: refused (EBUSY) while it is bound; unbound by hand, then
#    unlocked;
#  - TDISP ERROR (memory decode switched off): pci_tsm unbinds it, then
#    leaves RUN, and the function ends held by pci_tsm_hold;
#  - rmmod devsec_tsm (TSM unregistration): the same, then unlocked;
#  - rmmod tsm_shim: refused while the function is accepted, nothing moves;
#  - hot-remove (echo 1 > remove): the PCI core unbinds it first.
# Each time the driver's remove() observes the function (what the kernel's
# DMA and ioremap code would do for it at that moment): still accepted,
# force_dma_unencrypted() private, streaming DMA direct, new coherent memory
# private, BAR0 mapped encrypted. Only after that has the function left
# RUN: accept reads 0, no "PCI MMIO Encrypted" range is left, and at the
# end /proc/iomem is as before.
# vm: swiotlb=force
# vm: timeout=240
. /ptsm/tests/core-lib.sh

OBSD=/sys/kernel/debug/ptsm_test_observe
D=$EP1F1

core_stack testing
ptsm_load ptsm_test_observe
cat /proc/iomem > /tmp/iomem.before

# bound DEV: lock, accept and bind the test driver; its probe got an
# encrypted BAR0 mapping and private coherent memory
bound() {
	expect_ok "$(tf "$1" lock)" "$SEC"
	expect_ok "$(tf "$1" accept)" 1
	expect_eq none "$(driver_of "$1")" "$1 released by accept"
	expect_ok "$PCI/$1/driver_override" ptsm_test_observe
	expect_ok "$DRV/ptsm_test_observe/bind" "$1"
	expect_eq ptsm_test_observe "$(driver_of "$1")" "$1 bound"
	dmesg | grep "$1: bound: " | tail -n1 |
		grep -q "held_bar0=encrypted held_coherent=private accept=1" ||
		fail "$1: the probe's mapping and buffer: $(dmesg | grep "$1: bound: " | tail -n1)"
	echo > $OBSD/removed
}

# removed_in_run DEV WHEN: the driver's remove() ran, and saw DEV in RUN
removed_in_run() {
	local line kv

	line=$(grep "^$1 " $OBSD/removed)
	[ -n "$line" ] || fail "$2: the driver's remove() did not run on $1"
	log "$2: at remove(): $line"
	for kv in accept=1 fdu=private map=direct coherent=private bar0=encrypted; do
		echo " $line " | grep -q " $kv " ||
			fail "$2: $1 had left RUN before its driver's remove() ($kv expected): $line"
	done
}

# not_removed DEV WHEN: the driver is still bound, its remove() never ran
not_removed() {
	expect_eq ptsm_test_observe "$(driver_of "$1")" "$2: driver of $1"
	expect_eq "" "$(cat $OBSD/removed)" "$2: remove() of $1"
	expect_eq 1 "$(rd "$1" accept)" "$2: $1 accept"
}

# left_run DEV WHEN DRIVER: DEV is out of RUN, nothing encrypted is left,
# and DRIVER (pci_tsm_hold or none) has it
left_run() {
	expect_eq 0 "$(rd "$1" accept)" "$2: $1 accept"
	expect_eq 0 "$(encrypted_in_bar0 "$1")" "$2: encrypted ranges of $1"
	expect_eq "$3" "$(driver_of "$1")" "$2: driver of $1"
}

# 1. unlock: EBUSY while bound (ABI 2.2); the administrator unbinds first
bound $D
expect_errno EBUSY "$(tf $D unlock)" "$SEC"
not_removed $D unlock
expect_ok "$DRV/ptsm_test_observe/unbind" $D
removed_in_run $D unlock
expect_ok "$(tf $D unlock)" "$SEC"
left_run $D unlock none

# 2. TDISP ERROR: memory decode off and on again
bound $D
cmd=$(cfg_read $D 4 2)
cfg_write $D 4 2 $((cmd & ~2))
cfg_write $D 4 2 "$cmd"
i=0
while [ "$(driver_of $D)" != pci_tsm_hold ] || [ "$(rd $D accept)" != 0 ]; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "ERROR: $D still has driver $(driver_of $D), accept $(rd $D accept)"
	usleep 100000
done
removed_in_run $D ERROR
left_run $D ERROR pci_tsm_hold
expect_eq 3 "$(tdisp_state $D)" "ERROR: emulated TDISP state"
expect_errno EINVAL "$(tf $D accept)" 1
expect_ok "$(tf $D unlock)" "$SEC"
expect_eq pci_tsm_hold "$(driver_of $D)" "ERROR: still held after unlock"

# 3. TSM unregistration (rmmod devsec_tsm)
bound $D
ptsm_unload devsec_tsm
removed_in_run $D "rmmod devsec_tsm"
expect_eq "<none>" "$(rd $D accept)" "rmmod devsec_tsm: tsm/ of $D without a devsec TSM"
expect_eq 0 "$(encrypted_in_bar0 $D)" "rmmod devsec_tsm: encrypted ranges of $D"
expect_eq pci_tsm_hold "$(driver_of $D)" "rmmod devsec_tsm: driver of $D"
expect_eq 0 "$(tdisp_state $D)" "rmmod devsec_tsm: emulated TDISP state"
ptsm_load devsec_tsm
SEC=$(tsm_by_mode devsec) || fail "no devsec TSM after reload"
wait_for "$PCI/$D/tsm/lock"

# 4. rmmod tsm_shim: refused while accepted; nothing changes
bound $D
rmmod tsm_shim 2>/dev/null && fail "tsm_shim unloaded under an accepted, bound function"
not_removed $D "rmmod tsm_shim"
expect_ok "$DRV/ptsm_test_observe/unbind" $D
removed_in_run $D "unbind after rmmod tsm_shim"
expect_ok "$(tf $D unlock)" "$SEC"
left_run $D "unlock after rmmod tsm_shim" none

# 5. hot-remove: the PCI core unbinds the driver before the device goes
bound $D
echo 1 > "$PCI/$D/remove"
removed_in_run $D hot-remove
[ -e "$PCI/$D" ] && fail "hot-remove: $D still there"
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "hot-remove: encrypted range left"
echo 1 > /sys/bus/pci/rescan
wait_for "$PCI/$D/tsm/lock"
expect_eq pci_tsm_hold "$(driver_of $D)" "hot-remove: $D held after rescan"
expect_eq "" "$(rd $D lock)" "hot-remove: lock of $D after rescan"

cat /proc/iomem > /tmp/iomem.after
cmp -s /tmp/iomem.before /tmp/iomem.after || {
	diff /tmp/iomem.before /tmp/iomem.after
	fail "/proc/iomem differs at the end"
}
core_cleanup
exit 0
