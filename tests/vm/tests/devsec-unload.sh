#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Load and unload orders: the TSMs before the bus and after it; unloading
# devsec_bus, either TSM, or everything while devices are connected,
# bound, locked and accepted tears down cleanly (no kernel complaint,
# nothing left behind), and everything works again after reloading.
# vm: timeout=240
. /ptsm/tests/devsec-lib.sh

setup() { # connect EP0 (+ bind PF1), lock + accept EP1F1, lock EP1
	LINK=$(tsm_by_mode link) || fail "no link TSM"
	DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"
	expect_ok $PCI/$EP0/tsm/connect $LINK
	expect_ok /sys/class/tsm/$LINK/device/tsm_bind $EP0F1
	expect_ok $PCI/$EP1F1/tsm/lock $DEVSEC
	expect_ok $PCI/$EP1F1/tsm/accept 1
	expect_ok $PCI/$EP1/tsm/lock $DEVSEC
}

nothing_left() {
	grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted MMIO left: $1"
	ls /dev/devsec-responder-* >/dev/null 2>&1 &&
		! ptsm_is_loaded devsec_link_tsm && ! ptsm_is_loaded devsec_tsm &&
		fail "responder device left: $1"
	return 0
}

load_tsms() {
	ptsm_load devsec_link_tsm
	ptsm_load devsec_tsm
}

ptsm_load tsm_core
ptsm_load pci_tsm
ptsm_load tsm_shim

# 1. TSMs first, then the bus; unload the bus first
load_tsms
ptsm_load devsec_bus
[ -d $PCI/$EP0/tsm ] || fail "no tsm/ when the bus comes after the TSMs"
setup
ptsm_unload devsec_bus
nothing_left "bus unloaded first"
for b in certs vca transcript; do
	expect_ok /sys/class/tsm/$LINK/device/$b "x"
	expect_ok /sys/class/tsm/$DEVSEC/device/$b "x"
done

# 2. bus again (TSMs loaded); unload the link TSM, then the devsec TSM
ptsm_load devsec_bus
setup
ptsm_unload devsec_link_tsm
expect_eq "" "$(cat $PCI/$EP0/tsm/dsm 2>/dev/null)" "dsm after link TSM unload"
expect_eq 4 "$(cat "$(host_bridge $EP0)"/available_secure_streams)" "streams after link TSM unload"
expect_eq 0 "$(tdisp_state $EP0F1)" "bound TDI unlocked by link TSM unload"
ptsm_unload devsec_tsm
expect_eq 0 "$(tdisp_state $EP1F1)" "accepted TDI unlocked by devsec TSM unload"
expect_eq 0 "$(tdisp_state $EP1)" "locked TDI unlocked by devsec TSM unload"
nothing_left "TSMs unloaded first"

# 3. reload the TSMs after the bus; unload devsec_tsm before devsec_link_tsm
load_tsms
setup
ptsm_unload devsec_tsm
ptsm_unload devsec_link_tsm
nothing_left "devsec TSM then link TSM"

# 4. everything loaded and busy, unload all in the usual order
load_tsms
setup
ptsm_unload_all
nothing_left "unload all"
exit 0
