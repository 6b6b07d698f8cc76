#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A secondary bus reset under an accepted function (issue 16, docs/ABI.md
# 5.1): pci_reset_bus() on it, as vfio's hot reset runs it (the test
# module's debugfs "bus_reset"), resets every function below the root port
# (the sample's root port asserts Secondary Bus Reset: its endpoint's TDIs
# enter ERROR). The test driver records at reset_done(), once the config
# space and Bus Master are restored, that the function was already not
# accepted. Then, with no relying party:
#  - reaccept=never: driver unbound, held in ERROR, "needs-decision reset
#    never";
#  - reaccept=same-evidence: re-accepted in the kernel, the same driver
#    bound and private again, "reaccepted" (cause reset, or error: below).
# vm: swiotlb=force
# vm: timeout=240
. /ptsm/tests/recovery-lib.sh

recovery_listen
recovery_stack
ptsm_load ptsm_test_observe
start_responder

# bus_reset DEV: reset its bus; at reset_done() it was no longer trusted
bus_reset() {
	local gen line

	gen=$(rd "$1" evidence_generation)
	echo "$1" > $OBSD/bus_reset || fail "pci_reset_bus() on $1"
	line=$(grep "^done $1 " $OBSD/resets)
	log "reset_done(): $line"
	has_kv "$line" accept=0 fdu=shared map=bounced coherent=shared ||
		fail "$1 still trusted when it could do DMA again: $line"
	line=$(grep "^prepare $1 " $OBSD/resets)
	has_kv "$line" accept=1 fdu=private ||
		fail "$1 no longer trusted at reset_prepare(): $line"
	[ "$(rd "$1" evidence_generation)" -gt "$gen" ] ||
		fail "$1: evidence generation not bumped by the bus reset"
}

# 1. never
bound $D
bus_reset $D
wait_event $D left-run reset -
wait_event $D needs-decision reset never
i=0
while [ "$(driver_of $D)" != pci_tsm_hold ]; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "never: $D still has driver $(driver_of $D)"
	usleep 100000
done
expect_eq 0 "$(rd $D accept)" "never: accept"
expect_eq 3 "$(tdisp_state $D)" "never: emulated TDISP state"
expect_ok "$(tf $D unlock)" "$SEC"

# 2. same-evidence. The PCI core disables memory decode of every function
# below the bridge before the reset, which the sample reports as ERROR
# (reason 2): a recovery the error work started before the reset probe
# fired is named after the error.
expect_ok "$(tf $D reaccept)" same-evidence
bound $D
bus_reset $D
wait_event $D reaccepted '\(reset\|error\)' -
grep -q " needs-decision " $EVLOG && fail "same-evidence: $(cat $EVLOG)"
expect_eq 1 "$(rd $D accept)" "same-evidence: accept"
expect_eq 2 "$(tdisp_state $D)" "same-evidence: emulated TDISP state"
expect_eq ptsm_test_observe "$(driver_of $D)" "same-evidence: driver"
expect_eq "" "$(cat $OBSD/removed)" "same-evidence: remove() of $D"
echo $D > $OBSD/run
line=$(tr '\n' ' ' < $OBSD/run)
has_kv "$line" fdu=private map=direct bar0=encrypted ||
	fail "same-evidence: $D not private again: $line"
expect_ok "$DRV/ptsm_test_observe/unbind" $D
expect_ok "$(tf $D unlock)" "$SEC"
stop_responder

kill $LISTENER 2>/dev/null
core_cleanup
exit 0
