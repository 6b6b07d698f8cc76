#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# System suspend/resume of an accepted function (issue 16, docs/ABI.md
# 5.1), as "echo freeze > /sys/power/state" with pm_test: "platform" runs
# every device callback (suspend_noirq puts the function, whose driver has
# PM callbacks, in D3hot; resume_noirq brings it back to D0, a soft reset
# on the sample endpoint: its TDI enters ERROR), "devices" stops before the
# noirq phases (the function stays in D0, its TDI in RUN). The test driver
# records at resume_noirq, once the PCI core restored Bus Master, what the
# kernel's DMA code does for it: already not accepted. Then, with no
# relying party (only the sample's responder, a user process that is
# frozen across the transition):
#  - reaccept=never: the driver is unbound, the function ends held in
#    ERROR, "left-run" and "needs-decision ... never" uevents, CAUSE=suspend;
#  - reaccept=same-evidence: re-accepted in the kernel after the thaw, the
#    same driver bound and private again, "reaccepted suspend"; the same
#    for devsec_pci, whose DMA and MMIO work afterwards; and with pm_test
#    "devices" (no D3hot: it counts as having left RUN all the same).
# vm: swiotlb=force
# vm: timeout=300
. /ptsm/tests/recovery-lib.sh

grep -qw freeze /sys/power/state || fail "no suspend to idle: $(cat /sys/power/state)"
[ -w /sys/power/pm_test ] || fail "no /sys/power/pm_test (CONFIG_PM_DEBUG)"
DELAY=/sys/module/suspend/parameters/pm_test_delay
[ -w $DELAY ] && echo 0 > $DELAY

recovery_listen
recovery_stack
ptsm_load ptsm_test_observe
start_responder

# sleep_cycle LEVEL: one suspend to idle, tested up to LEVEL
sleep_cycle() {
	echo "$1" > /sys/power/pm_test || fail "pm_test $1"
	echo freeze > /sys/power/state || fail "freeze (pm_test $1)"
	echo none > /sys/power/pm_test
}

# resumed_untrusted DEV WHEN: at the test driver's WHEN callback it was no
# longer trusted; its generation moved on
resumed_untrusted() {
	local line

	line=$(grep "^$2 $1 " $OBSD/resets)
	log "$2: $line"
	has_kv "$line" accept=0 fdu=shared map=bounced coherent=shared ||
		fail "$1 still trusted at $2: $line"
	[ "$(rd "$1" evidence_generation)" -gt "$GEN" ] ||
		fail "$1: evidence generation not bumped by the suspend"
}

# 1. never (D3hot): fails closed, held in ERROR
bound $D
GEN=$(rd $D evidence_generation)
sleep_cycle platform
resumed_untrusted $D resume_noirq
wait_event $D left-run suspend -
wait_event $D needs-decision suspend never
wait_held $D never
grep -q "^$D accept=0 " $OBSD/removed || fail "never: remove() of $D: $(cat $OBSD/removed)"
expect_eq 0 "$(rd $D accept)" "never: accept"
expect_eq 3 "$(tdisp_state $D)" "never: emulated TDISP state"
expect_ok "$(tf $D unlock)" "$SEC"

# 2. same-evidence (D3hot): back in RUN after the thaw, the driver kept
expect_ok "$(tf $D reaccept)" same-evidence
bound $D
GEN=$(rd $D evidence_generation)
sleep_cycle platform
resumed_untrusted $D resume_noirq
wait_event $D left-run suspend -
wait_event $D reaccepted suspend -
grep -q " needs-decision " $EVLOG && fail "same-evidence: $(cat $EVLOG)"
back_private $D
pidof tsm-verifierd > /dev/null && fail "a relying party is running"

# 3. same-evidence, pm_test devices: no noirq phase, no D3hot
echo > $OBSD/resets
: > $EVLOG
GEN=$(rd $D evidence_generation)
sleep_cycle devices
resumed_untrusted $D resume
grep -q "^resume_noirq " $OBSD/resets && fail "devices: a noirq phase ran"
wait_event $D reaccepted suspend -
expect_eq 1 "$(rd $D accept)" "devices: accept"
expect_eq ptsm_test_observe "$(driver_of $D)" "devices: driver"

# 4. same-evidence with devsec_pci (D3hot): its DMA and MMIO work after
rebind $D devsec_pci
: > $EVLOG
sleep_cycle platform
wait_event $D reaccepted suspend -
expect_eq devsec_pci "$(driver_of $D)" "devsec_pci: driver after resume"
devsec_pci_works $D "after resume"
expect_ok "$DRV/devsec_pci/unbind" $D
expect_ok "$(tf $D unlock)" "$SEC"
stop_responder

kill $LISTENER 2>/dev/null
core_cleanup
exit 0
