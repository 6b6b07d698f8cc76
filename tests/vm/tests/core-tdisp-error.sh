#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# TDISP ERROR (ABI 5): disabling memory decode of an accepted function makes
# the emulated TDI go to ERROR; when the devsec TSM reports it (ptsm_pci_tdisp_error()),
# the function stops being accepted, its TEE MMIO goes away, accept is
# refused and only unlock leaves ERROR. Skipped (passes) when the sample does
# not report ERROR to pci_tsm.
# vm: timeout=120
. /ptsm/tests/core-lib.sh

core_stack
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$(tf $EP1F1 accept)" 1
[ "$(encrypted_in_bar0 $EP1F1)" -ge 1 ] || fail "no encrypted range after accept"
# memory decode off: a security-relevant config change
cmd=$(cfg_read $EP1F1 4 2)
cfg_write $EP1F1 4 2 $((cmd | 2))
cfg_write $EP1F1 4 2 $((cmd & ~2))
expect_eq 3 "$(tdisp_state $EP1F1)" "emulated TDISP state after disabling decode"
cfg_write $EP1F1 4 2 $((cmd | 2))
i=0
while [ $i -lt 20 ] && ! dmesg | grep -q "$EP1F1: pci_tsm: TDISP ERROR"; do
	usleep 100000
	i=$((i + 1))
done
if ! dmesg | grep -q "$EP1F1: pci_tsm: TDISP ERROR"; then
	log "SKIP: the devsec TSM does not report TDISP ERROR to pci_tsm"
	core_cleanup
	exit 0
fi
expect_eq 0 "$(rd $EP1F1 accept)" "accepted after ERROR"
expect_eq 0 "$(encrypted_in_bar0 $EP1F1)" "encrypted ranges after ERROR"
expect_errno EINVAL "$(tf $EP1F1 accept)" 1
expect_eq "$SEC" "$(rd $EP1F1 lock)" "still locked in ERROR"
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$(tf $EP1F1 accept)" 1
core_cleanup
exit 0
