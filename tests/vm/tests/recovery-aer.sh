#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# PCI error recovery (AER, DPC, EDR) of an accepted function with a driver
# bound (issue 16, docs/ABI.md 5.1). ptsm_test_observe's "aer" file runs
# the PCI core's pcie_do_recovery() on the devsec endpoint function, as the
# AER/DPC/EDR service drivers call it (aer_inject cannot reach the sample:
# its root ports have no AER capability and no port service). The
# recovery covers every function below the root port: the other function
# is held by pci_tsm_hold, whose error handlers keep the recovery from
# failing. The test driver records what the kernel's DMA code does for
# the function from its error_detected(), slot_reset() (frozen channel:
# after the port's secondary bus reset, when Bus Master is back) and
# resume(): already not accepted, DMA bounced, coherent memory shared.
# For the frozen and the normal channel state, with no relying party
# running (only the sample's responder, the device's signer):
#  - reaccept=never: the recovery succeeds, then the driver is unbound and
#    the function ends held, "left-run aer" and "needs-decision aer never";
#  - reaccept=same-evidence: once the recovery is over pci_tsm relocks the
#    function and accepts it again on the same digests: back in RUN, the
#    same driver bound (remove() never ran), private again, "reaccepted";
#  - devsec_pci bound (frozen, same-evidence): its DMA and MMIO self-test
#    passes after the re-accept, and it went through error_detected();
#  - same-evidence after a firmware update (another SVN): it stays LOCKED,
#    held, "needs-decision aer evidence-changed".
# vm: swiotlb=force
# vm: timeout=300
. /ptsm/tests/recovery-lib.sh

grep -q " pcie_do_recovery$" /proc/kallsyms ||
	fail "this kernel has no pcie_do_recovery() (CONFIG_PCIEAER off): nothing to test"

recovery_listen
recovery_stack
ptsm_load ptsm_test_observe

start_responder

# aer_untrusted DEV frozen|normal: run the recovery on DEV; the PCI core
# reports it recovered, and from error_detected() on the test driver saw
# DEV untrusted; slot_reset() ran for a frozen channel only
aer_untrusted() {
	local what line

	echo "$1 $2" > $OBSD/aer || fail "pcie_do_recovery($1, $2)"
	line=$(cat $OBSD/aer)
	log "aer: $line"
	[ "$line" = "$1 $2 result=5" ] || fail "recovery of $1 ($2) did not recover: $line"
	for what in detected slot_reset resume; do
		line=$(grep "^$what $1 " $OBSD/resets)
		if [ "$what" = slot_reset ] && [ "$2" = normal ]; then
			[ -z "$line" ] || fail "slot_reset() without a reset: $line"
			continue
		fi
		log "$what(): $line"
		has_kv "$line" accept=0 fdu=shared map=bounced coherent=shared ||
			fail "$1 still trusted at $what() ($2): $line"
	done
}

for state in frozen normal; do
	log "=== $state, never"
	expect_ok "$(tf $D reaccept)" never
	bound $D
	gen=$(rd $D evidence_generation)
	aer_untrusted $D $state
	wait_event $D left-run aer -
	wait_event $D needs-decision aer never
	wait_held $D "never ($state)"
	grep -q "^$D accept=0 " $OBSD/removed ||
		fail "never ($state): remove() of $D: $(cat $OBSD/removed)"
	[ "$(rd $D evidence_generation)" -gt "$gen" ] ||
		fail "never ($state): evidence generation not bumped"
	expect_eq 0 "$(rd $D accept)" "never ($state): accept"
	expect_eq 2 "$(rd $D trust_level)" "never ($state): trust_level"
	expect_errno EINVAL "$(tf $D accept)" 1
	expect_ok "$(tf $D unlock)" "$SEC"
	expect_eq 0 "$(rd $D trust_level)" "never ($state): held after unlock"

	log "=== $state, same-evidence"
	expect_ok "$(tf $D reaccept)" same-evidence
	bound $D
	digests=$(rd $D accepted_digests | grep -v ^generation)
	aer_untrusted $D $state
	wait_event $D left-run aer -
	wait_event $D reaccepted aer -
	grep -q " needs-decision " $EVLOG && fail "same-evidence ($state): $(cat $EVLOG)"
	back_private $D
	expect_eq 3 "$(rd $D trust_level)" "same-evidence ($state): trust_level"
	expect_eq "$digests" "$(rd $D accepted_digests | grep -v ^generation)" \
		"same-evidence ($state): digests"
	pidof tsm-verifierd > /dev/null && fail "a relying party is running"
	expect_ok "$DRV/ptsm_test_observe/unbind" $D
	expect_ok "$(tf $D unlock)" "$SEC"
done

# devsec_pci, frozen, same-evidence: its self-test works after re-accept
log "=== devsec_pci, frozen, same-evidence"
bound $D
rebind $D devsec_pci
: > $EVLOG
echo "$D frozen" > $OBSD/aer || fail "pcie_do_recovery($D) under devsec_pci"
expect_eq "$D frozen result=5" "$(cat $OBSD/aer)" "devsec_pci: recovery"
wait_event $D left-run aer -
wait_event $D reaccepted aer -
expect_eq devsec_pci "$(driver_of $D)" "devsec_pci: driver after the recovery"
expect_eq 1 "$(rd $D accept)" "devsec_pci: accept"
devsec_pci_works $D "after the recovery" recoveries=1
rebind $D ptsm_test_observe

# same-evidence, but the device's firmware changed (another SVN)
log "=== frozen, same-evidence, firmware changed"
stop_responder
start_responder --svn 7
: > $EVLOG
echo > $OBSD/resets
aer_untrusted $D frozen
wait_event $D left-run aer -
wait_event $D needs-decision aer evidence-changed
held_for_decision $D changed
stop_responder

kill $LISTENER 2>/dev/null
core_cleanup
exit 0
