#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# tsm_shim streaming DMA (issues 5 and 14): with bouncing forced for every
# device, a devsec function bounces through swiotlb until it is locked and
# accepted, then maps directly (the DMA address is the physical address),
# and bounces again after every way of leaving RUN: unlock, TDISP ERROR
# (reached while devsec_pci hammers map/unmap pairs; pci_tsm unbinds it
# before the device leaves RUN) and TSM unregistration (rmmod devsec_tsm). A second function that is never accepted bounces the
# whole time, and swiotlb_map carries no kprobe: other devices' maps run
# the kernel's code unchanged. Afterwards the swiotlb pool has as many
# slots in use as before. Testing mode, so that devsec_pci can map the
# accepted function's BAR0 (encrypted) and bind.
# vm: swiotlb=force
# vm: timeout=240
. /ptsm/tests/shim-lib.sh

USED=/sys/kernel/debug/swiotlb/io_tlb_used

trap shim_cleanup EXIT
shim_stack testing=1
expect_eq 1 "$(shim_status ready)" "tsm_shim ready"
used0=$(cat $USED)

# no_map_probe WHEN: nothing is probed on the streaming map path
no_map_probe() {
	if grep -E 'swiotlb_(map|tbl_map_single)\+' "$KPLIST"; then
		fail "$1: a kprobe on the streaming map path"
	fi
}

bind "$OTHER"
expect_bounced "$OTHER" "control, start"

bind "$ACC"
expect_bounced "$ACC" "before lock"
unbind "$ACC"

# accepted DEV WHEN: lock, accept, bind; DEV maps directly, OTHER bounces
accepted() {
	local before

	before=$(counter "$1" direct_switches)
	lock_accept "$1"
	dmesg | grep "$1: tsm_shim: attached" | tail -n1 | grep -q "streaming DMA direct," ||
		fail "$2: no attach line for $1 with direct streaming DMA"
	expect_eq $((before + 1)) "$(counter "$1" direct_switches)" "$2: direct_switches of $1"
	expect_eq 1 "$(shim_status direct_devices)" "$2: direct_devices"
	bind "$1"
	expect_direct "$1" "$2: accepted"
	expect_bounced "$OTHER" "$2: control, while $1 is accepted"
	no_map_probe "$2"
}

# bounced_again DEV WHEN: DEV left RUN and bounces again
bounced_again() {
	expect_eq 0 "$(cat "$PCI/$1/tsm/accept")" "$2: $1 accepted"
	expect_eq 0 "$(shim_status direct_devices)" "$2: direct_devices"
	release_hold "$1"
	bind "$1"
	expect_bounced "$1" "$2: after leaving RUN"
	expect_bounced "$OTHER" "$2: control"
	unbind "$1"
}

# 1. unlock
accepted "$ACC" unlock
unbind "$ACC"
unlock "$ACC"
dmesg | grep -q "$ACC: tsm_shim: detached: streaming DMA bounced" || fail "no detach line for $ACC"
bounced_again "$ACC" unlock

# 2. TDISP ERROR (memory decode off) while map/unmap pairs run on ACC:
# pci_tsm unbinds devsec_pci (which stops the thread), then leaves RUN
accepted "$ACC" ERROR
expect_ok "$DPCI/$ACC/hammer" 1000000
cmd=$(cfg_read "$ACC" 4 2)
cfg_write "$ACC" 4 2 $((cmd & ~2))
cfg_write "$ACC" 4 2 "$cmd"
i=0
while [ "$(cat "$PCI/$ACC/tsm/accept")" != 0 ] || [ "$(driver_of "$ACC")" = devsec_pci ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "ERROR: $ACC still accepted or bound"
	sleep 0.1
done
dmesg | grep -q "$ACC: .*TDISP ERROR" || fail "ERROR: no TDISP ERROR line for $ACC"
unlock "$ACC"
bounced_again "$ACC" ERROR

# 3. TSM unregistration
accepted "$ACC" "rmmod devsec_tsm"
ptsm_unload devsec_tsm
ptsm_load devsec_tsm
TSM=$(tsm_by_mode devsec) || fail "no devsec TSM after reload"
wait_for "$PCI/$ACC/tsm/lock"
bounced_again "$ACC" "rmmod devsec_tsm"

expect_eq "$used0" "$(cat $USED)" "swiotlb slots in use at the end"
log "streaming DMA: bounce -> direct -> bounce on $ACC (unlock, ERROR under load, TSM gone), $OTHER always bounced"
