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

# 1. never
bound $D
reset_untrusted $D bus
wait_event $D left-run reset -
wait_event $D needs-decision reset never
wait_held $D never
expect_eq 0 "$(rd $D accept)" "never: accept"
expect_eq 3 "$(tdisp_state $D)" "never: emulated TDISP state"
expect_ok "$(tf $D unlock)" "$SEC"

# 2. same-evidence. The PCI core disables memory decode of every function
# below the bridge before the reset, which the sample reports as ERROR
# (reason 2): a recovery the error work started before the reset probe
# fired is named after the error.
expect_ok "$(tf $D reaccept)" same-evidence
bound $D
reset_untrusted $D bus
wait_event $D reaccepted '\(reset\|error\)' -
grep -q " needs-decision " $EVLOG && fail "same-evidence: $(cat $EVLOG)"
back_private $D
expect_ok "$DRV/ptsm_test_observe/unbind" $D
expect_ok "$(tf $D unlock)" "$SEC"
stop_responder

kill $LISTENER 2>/dev/null
core_cleanup
exit 0
