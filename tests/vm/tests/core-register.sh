#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ptsm_register() refuses a TSM with both op groups (ABI 2.1: EINVAL at
# registration), with a group missing a mandatory op, or without ops, and
# registers one with neither group as pci_mode none (ABI 2.1). The
# test-only module tests/kmod/ptsm_test_reg tries each at load and leaves
# the results in its parameters; its controls (link-only, devsec-only,
# none) must register with that pci_mode, so EINVAL is the answer to the op
# set and not to the call. Nothing may be left behind, and the sample TSMs still
# register and work afterwards.
# vm: timeout=90
. /ptsm/tests/core-lib.sh

P=/sys/module/ptsm_test_reg/parameters

ptsm_load tsm_core
ptsm_load pci_tsm
ptsm_load devsec_bus
before=$(ls /sys/class/tsm | wc -l)
ptsm_load ptsm_test_reg

expect_eq 0 "$(cat $P/link_only)" "link-only registration (control)"
expect_eq 0 "$(cat $P/devsec_only)" "devsec-only registration (control)"
expect_eq -22 "$(cat $P/both)" "registration with both op groups"
expect_eq 0 "$(cat $P/neither)" "registration with no op group (pci_mode none)"
expect_eq -22 "$(cat $P/partial)" "registration of link ops without connect"
expect_eq -22 "$(cat $P/null_ops)" "registration without ops"
dmesg | grep -q "ptsm_test_reg: both: -22" || fail "no log line of the both-groups case"
expect_eq "$before" "$(ls /sys/class/tsm | wc -l)" "TSM devices left after the attempts"
ptsm_unload ptsm_test_reg

# the sample TSMs register and work as before
core_stack
expect_eq link "$(cat /sys/class/tsm/$LINK/pci_mode)" "pci_mode of the link TSM"
expect_eq devsec "$(cat /sys/class/tsm/$SEC/pci_mode)" "pci_mode of the devsec TSM"
expect_ok "$(tf $EP0 connect)" "$LINK"
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_ok "$(tf $EP1 accept)" 1
core_cleanup
exit 0
