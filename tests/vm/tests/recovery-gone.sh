#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The exits from RUN with nothing to come back through (issue 16,
# docs/ABI.md 5.1): the devsec TSM unregistered (rmmod devsec_tsm) and the
# function hot-removed (its "remove" attribute), each of an accepted
# function with a driver bound: a "left-run" uevent with CAUSE=unregister /
# remove reaches userspace (sent from the PCI device, for removal before
# its KOBJ_REMOVE), with no needs-decision; the driver's remove() ran while
# the function was still accepted (section 5); a function that was only
# locked sends none.
# vm: timeout=180
. /ptsm/tests/recovery-lib.sh

recovery_listen
recovery_stack
ptsm_load ptsm_test_observe
start_responder

# 1. unregister
expect_ok "$(tf $EP0F1 lock)" "$SEC"
bound $D
stop_responder
ptsm_unload devsec_tsm
wait_event $D left-run unregister -
grep -q "^$D accept=1 " $OBSD/removed || fail "unregister: remove() of $D: $(cat $OBSD/removed)"
grep -q " needs-decision " $EVLOG && fail "unregister: $(cat $EVLOG)"
grep -q "^$EP0F1 " $EVLOG && fail "unregister: a uevent for the locked $EP0F1: $(cat $EVLOG)"
expect_eq pci_tsm_hold "$(driver_of $D)" "unregister: held"

# 2. hot-remove
ptsm_load devsec_tsm
SEC=$(tsm_by_mode devsec) || fail "no devsec TSM after reload"
recovery_blobs
start_responder
bound $D
echo 1 > "$PCI/$D/remove" || fail "remove of $D"
wait_event $D left-run remove -
grep -q "^$D accept=1 " $OBSD/removed || fail "remove: remove() of $D: $(cat $OBSD/removed)"
grep -q " needs-decision " $EVLOG && fail "remove: $(cat $EVLOG)"
echo 1 > /sys/bus/pci/rescan
expect_eq pci_tsm_hold "$(driver_of $D)" "$D held after rescan"
stop_responder

kill $LISTENER 2>/dev/null
core_cleanup
exit 0
