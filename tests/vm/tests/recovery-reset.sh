#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A function reset of an accepted function with a driver bound (issue 16,
# docs/ABI.md 5.1): echo 1 > reset, which runs the PCI core's own FLR path
# on the devsec endpoint (its TDI enters ERROR). The test driver
# (ptsm_test_observe) records at reset_done(), once Bus Master is back and
# the function can do DMA again, what the kernel's DMA code does for it:
# already not accepted, DMA bounced, coherent memory shared. Then, with no
# relying party running (only the sample's responder, which plays the
# device's signer):
#  - reaccept=never: the driver is unbound, the function ends held in
#    ERROR, "left-run" and "needs-decision ... never" uevents;
#  - reaccept=same-evidence: pci_tsm relocks it, refreshes its evidence
#    over a nonce of its own, finds the accepted digests and accepts it
#    again: back in RUN, the same driver still bound (its remove() never
#    ran) and its device private again, "reaccepted" uevent; the same
#    for devsec_pci (regions, BAR0 and coherent memory held, quiesces in
#    reset_prepare()), whose DMA and MMIO work after the re-accept;
#  - same-evidence after a firmware update (the responder now reports
#    another SVN): it stays LOCKED with the fresh evidence, its driver is
#    unbound, "needs-decision ... evidence-changed".
# Also the knob's validation and trust_level along the way, and the
# probes that see a function leave RUN: armed (kprobes/list) only while a
# function is accepted, and an accept refused (EOPNOTSUPP) while kprobes
# are disarmed for everyone (kprobes/enabled 0) or while a probe cannot
# be armed (ptsm_test_observe's "ipmodify" takes its function).
# vm: swiotlb=force
# vm: timeout=240
. /ptsm/tests/recovery-lib.sh

recovery_listen
recovery_stack
ptsm_load ptsm_test_observe

start_responder

# the knob: validated writes, module default
expect_eq never "$(rd $D reaccept)" "default reaccept"
expect_errno EINVAL "$(tf $D reaccept)" same
expect_errno EINVAL /sys/module/pci_tsm/parameters/reaccept always
expect_eq never "$(cat /sys/module/pci_tsm/parameters/reaccept)" "reaccept parameter"
expect_eq 0 "$(rd $D trust_level)" "held: trust_level"
expect_eq "" "$(rd $D accepted_digests)" "accepted_digests before any accept"

# 0. the probes: disarmed while nothing is accepted; armed and checked
# before an accept, which fails closed when they cannot be
probes_are disarmed "nothing accepted"
expect_ok "$(tf $D lock)" "$SEC"
rm -rf /tmp/ev; mkdir -p /tmp/ev
ptsm-nl read --family device-evidence --mask 0x7ff --quiet \
	--nonce "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
	--out /tmp/ev "$D" > /dev/null || fail "refresh of $D"
# kprobes disarmed for everyone (tsm_shim's checks refuse first); a
# failure meanwhile must leave neither them off nor the IP modifier on
trap 'echo 1 > $KPROBES_ON; echo - > $OBSD/ipmodify 2>/dev/null' EXIT
echo 0 > $KPROBES_ON || fail "kprobes/enabled"
expect_errno EOPNOTSUPP "$(tf $D accept)" 1
echo 1 > $KPROBES_ON || fail "kprobes/enabled"
expect_eq 0 "$(rd $D accept)" "accept with kprobes disarmed"
# the reset probe cannot be armed (another IP modifier on the function),
# all else works: pci_tsm's own refusal
expect_ok $OBSD/ipmodify __pci_reset_function_locked
expect_errno EOPNOTSUPP "$(tf $D accept)" 1
expect_ok $OBSD/ipmodify -
trap - EXIT
dmesg | grep -q "pci_tsm: accept refused: resets are not seen" ||
	fail "no log line saying resets are not seen"
expect_eq 0 "$(rd $D accept)" "accept with the reset probe unarmable"
probes_are disarmed "accept refused"
expect_ok "$(tf $D unlock)" "$SEC"

# 1. never: fails closed, held in ERROR
bound $D
probes_are armed "$D accepted"
reset_untrusted $D function
wait_event $D left-run reset -
wait_event $D needs-decision reset never
wait_held $D never
grep -q "^$D accept=0 " $OBSD/removed || fail "never: remove() of $D: $(cat $OBSD/removed)"
expect_eq 0 "$(rd $D accept)" "never: accept"
expect_eq 3 "$(tdisp_state $D)" "never: emulated TDISP state"
expect_errno EINVAL "$(tf $D accept)" 1
expect_ok "$(tf $D unlock)" "$SEC"
expect_eq "" "$(rd $D accepted_digests)" "accepted_digests after unlock"
probes_are disarmed "$D unlocked"

# 2. same-evidence: back in RUN, the same driver still bound and working
expect_ok "$(tf $D reaccept)" same-evidence
expect_eq same-evidence "$(rd $D reaccept)" "reaccept"
bound $D
digests=$(rd $D accepted_digests | grep -v ^generation)
reset_untrusted $D function
wait_event $D left-run reset -
wait_event $D reaccepted reset -
grep -q " needs-decision " $EVLOG && fail "same-evidence: $(cat $EVLOG)"
back_private $D
expect_eq 3 "$(rd $D trust_level)" "same-evidence: trust_level"
expect_eq "$digests" "$(rd $D accepted_digests | grep -v ^generation)" "same-evidence: digests"
pidof tsm-verifierd > /dev/null && fail "a relying party is running"

# 2b. the same with devsec_pci, a driver that holds its regions, BAR0 and
# coherent memory like nvme and quiesces in reset_prepare()
rebind $D devsec_pci
: > $EVLOG
echo 1 > "$PCI/$D/reset" || fail "reset of $D under devsec_pci"
wait_event $D reaccepted reset -
expect_eq devsec_pci "$(driver_of $D)" "devsec_pci: driver after the reset"
devsec_pci_works $D "after the reset" resets=1
rebind $D ptsm_test_observe

# 3. same-evidence, but the device's firmware changed (another SVN)
stop_responder
start_responder --svn 7
: > $EVLOG
echo > $OBSD/resets
reset_untrusted $D function
wait_event $D needs-decision reset evidence-changed
held_for_decision $D changed
stop_responder

kill $LISTENER 2>/dev/null
core_cleanup
exit 0
