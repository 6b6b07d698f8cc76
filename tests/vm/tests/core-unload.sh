#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Both module load orders (devsec_bus before and after the TSM modules), and
# unloading everything while devices are connected, bound, locked and
# accepted, in the harness's order and with devsec_bus going first. Also
# pci_tsm loading after the devices exist: unbound TEE-capable devices are
# held, bound ones are left alone.
# vm: timeout=300
. /ptsm/tests/core-lib.sh

# hold_state: connect EP0 with PF1 bound, lock EP1F1, lock + accept EP1
hold_state() {
	expect_ok "$(tf $EP0 connect)" "$LINK"
	expect_ok "$CLASS/$LINK/device/tsm_bind" "$EP0F1"
	expect_ok "$(tf $EP1F1 lock)" "$SEC"
	expect_ok "$(tf $EP1 lock)" "$SEC"
	expect_ok "$(tf $EP1 accept)" 1
}

# check_gone: nothing of ours is left behind
check_gone() {
	grep -q "PCI MMIO Encrypted" /proc/iomem && fail "$1: encrypted range left"
	[ -n "$(ls $CLASS 2>/dev/null)" ] && fail "$1: TSM class devices left"
	[ -n "$(ptsm_loaded_modules)" ] && fail "$1: modules left: $(ptsm_loaded_modules)"
	return 0
}

for order in bus-first bus-last; do
	log "load order: $order"
	core_stack $order
	expect_eq pci_tsm_hold "$(driver_of $EP0)" "$order: new device held"
	hold_state
	ptsm_unload_all
	check_gone "$order, harness unload order"
done

# devsec_bus first: the devices vanish under the TSMs' state
core_stack
hold_state
ptsm_unload devsec_bus
[ -e "$CLASS/$LINK/pci10000:00" ] && fail "bridge link left after devsec_bus went"
ptsm_unload_all
check_gone "devsec_bus first"

# pci_tsm after the devices: unbound TEE devices get held, bound ones not
ptsm_load devsec_bus
ptsm_load devsec_pci
wait_for "$PCI/$EP1F1"
expect_ok "$PCI/$EP1F1/driver_override" devsec_pci
expect_ok "$DRV/devsec_pci/bind" "$EP1F1"
ptsm_load tsm_core
ptsm_load pci_tsm
expect_eq pci_tsm_hold "$(driver_of $EP0)" "existing unbound device held at load"
expect_eq devsec_pci "$(driver_of $EP1F1)" "existing bound device left alone"
ptsm_load devsec_tsm
SEC=$(tsm_by_mode devsec) || fail "no devsec TSM"
wait_for "$PCI/$EP1F1/tsm/lock"
expect_errno EBUSY "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$DRV/devsec_pci/unbind" "$EP1F1"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
# the administrator's release
expect_ok "$DRV/pci_tsm_hold/unbind" "$EP0"
expect_eq none "$(driver_of $EP0)" "released by the administrator"
ptsm_unload_all
check_gone "pci_tsm after the devices"
exit 0
