#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# TDISP ERROR (ABI 5): a security-relevant config change (memory decode
# off) of a locked or accepted function puts the emulated TDI in ERROR.
# From ERROR, accept is refused and only unlock leaves; after unlock the
# function locks and is accepted again.
#
# Not covered here (not implemented yet): the sample TSM does not report an
# ERROR entered while in RUN to pci_tsm (ptsm_pci_tdisp_error()), so
# pci_tsm keeps such a function accepted until it is unlocked.
# vm: timeout=120
. /ptsm/tests/core-lib.sh

# decode_off DEV: turn memory decode on (if needed), then off
decode_off() {
	local cmd

	cmd=$(cfg_read "$1" 4 2)
	cfg_write "$1" 4 2 $((cmd | 2))
	cfg_write "$1" 4 2 $((cmd & ~2))
	cfg_write "$1" 4 2 $((cmd | 2))
}

core_stack

# LOCKED -> ERROR: accept is refused, unlock leaves ERROR
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_eq 1 "$(tdisp_state $EP1F1)" "emulated TDISP state after lock"
decode_off $EP1F1
expect_eq 3 "$(tdisp_state $EP1F1)" "emulated TDISP state after disabling decode while LOCKED"
got=$(sysfs-write "$(tf $EP1F1 accept)" 1)
[ "$got" != OK ] || fail "accept succeeded on a function in TDISP ERROR"
log "accept in ERROR refused: $got"
expect_eq 0 "$(rd $EP1F1 accept)" "accepted after a refused accept"
expect_eq 0 "$(encrypted_in_bar0 $EP1F1)" "encrypted ranges after a refused accept"
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
expect_eq 0 "$(tdisp_state $EP1F1)" "emulated TDISP state after unlock"

# RUN -> ERROR on the device; unlock leaves it, and the function is usable again
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$(tf $EP1F1 accept)" 1
[ "$(encrypted_in_bar0 $EP1F1)" -ge 1 ] || fail "no encrypted range after accept"
decode_off $EP1F1
expect_eq 3 "$(tdisp_state $EP1F1)" "emulated TDISP state after disabling decode while RUN"
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
expect_eq 0 "$(tdisp_state $EP1F1)" "emulated TDISP state after unlock from ERROR"
expect_eq 0 "$(encrypted_in_bar0 $EP1F1)" "encrypted ranges after unlock"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$(tf $EP1F1 accept)" 1
expect_eq 1 "$(rd $EP1F1 accept)" "accepted again after unlock/lock"
core_cleanup
exit 0
