#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# TDISP ERROR of an accepted function with a driver bound (issue 16,
# docs/ABI.md 5.1), the ERROR caused by switching its memory decode off and
# on again, with no relying party running:
#  - reaccept=never: as before (devsec-leave-run.sh) its driver is unbound
#    while it still counts as accepted, it ends held in ERROR; now also the
#    uevents "left-run error" and "needs-decision error never";
#  - reaccept=same-evidence: pci_tsm stops it (TDISP leaves ERROR only by
#    STOP), locks it again, refreshes its evidence over its own nonce and
#    accepts it again: back in RUN with the same driver bound, "reaccepted".
# vm: swiotlb=force
# vm: timeout=180
. /ptsm/tests/recovery-lib.sh

recovery_listen
recovery_stack
ptsm_load ptsm_test_observe
start_responder

bound() {
	expect_ok "$(tf "$1" lock)" "$SEC"
	expect_ok "$(tf "$1" accept)" 1
	expect_ok "$PCI/$1/driver_override" ptsm_test_observe
	expect_ok "$DRV/ptsm_test_observe/bind" "$1"
	expect_eq ptsm_test_observe "$(driver_of "$1")" "$1 bound"
	echo > $OBSD/removed
	: > $EVLOG
}

decode_off_on() {
	local cmd

	cmd=$(cfg_read "$1" 4 2)
	cfg_write "$1" 4 2 $((cmd & ~2))
	cfg_write "$1" 4 2 "$cmd"
}

# 1. never
bound $D
decode_off_on $D
wait_event $D left-run error -
wait_event $D needs-decision error never
expect_eq pci_tsm_hold "$(driver_of $D)" "never: driver"
grep -q "^$D accept=1 " $OBSD/removed || fail "never: remove() of $D: $(cat $OBSD/removed)"
expect_eq 0 "$(rd $D accept)" "never: accept"
expect_eq 3 "$(tdisp_state $D)" "never: emulated TDISP state"
expect_ok "$(tf $D unlock)" "$SEC"

# 2. same-evidence
expect_ok "$(tf $D reaccept)" same-evidence
bound $D
decode_off_on $D
wait_event $D left-run error -
wait_event $D reaccepted error -
back_private $D
expect_ok "$DRV/ptsm_test_observe/unbind" $D
expect_ok "$(tf $D unlock)" "$SEC"

stop_responder
kill $LISTENER 2>/dev/null
core_cleanup
exit 0
