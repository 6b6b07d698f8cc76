#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Every error code of the docs/ABI.md 2.2 table, plus accept's fail-closed
# shim check (EOPNOTSUPP) and its require_validate binding (EPERM, ESTALE).
# vm: timeout=180
. /ptsm/tests/core-lib.sh

core_stack

# -- connect
for bad in foo tsm tsmx tsm-1 "tsm+0" "x$LINK" "${LINK}x" "$LINK $LINK"; do
	expect_errno EINVAL "$(tf $EP0 connect)" "$bad"
done
expect_errno ENXIO "$(tf $EP0 connect)" "$SEC"
expect_errno ENXIO "$(tf $EP0 connect)" tsm99
expect_ok "$(tf $EP0 connect)" "$LINK
"
expect_errno EBUSY "$(tf $EP0 connect)" "$LINK"
expect_eq "$LINK" "$(rd $EP0 connect)" "connect unchanged by the refused one"
# connect refused while PF0 is locked
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_errno EBUSY "$(tf $EP1 connect)" "$LINK"
expect_ok "$(tf $EP1 unlock)" "$SEC"
# ... or while another function of the slot is locked
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_errno EBUSY "$(tf $EP1 connect)" "$LINK"
expect_ok "$(tf $EP1F1 unlock)" "$SEC"

# -- disconnect
expect_errno ENXIO "$(tf $EP1 disconnect)" "$LINK"
expect_errno EINVAL "$(tf $EP0 disconnect)" "$SEC"
expect_errno EINVAL "$(tf $EP0 disconnect)" tsm99
expect_errno EINVAL "$(tf $EP0 disconnect)" garbage
expect_eq "$LINK" "$(rd $EP0 connect)" "still connected after refused disconnects"

# -- lock
# the device already has a TSM context: connected PF0, managed PF1
expect_errno EBUSY "$(tf $EP0 lock)" "$SEC"
expect_errno EBUSY "$(tf $EP0F1 lock)" "$SEC"
expect_ok "$(tf $EP0 disconnect)" "$LINK"
expect_errno ENXIO "$(tf $EP1 lock)" "$LINK"
expect_errno ENXIO "$(tf $EP1 lock)" tsm99
for bad in foo tsm "tsm 1" "${SEC}x"; do
	expect_errno EINVAL "$(tf $EP1 lock)" "$bad"
done
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_errno EBUSY "$(tf $EP1 lock)" "$SEC"
# a driver is bound (the hold does not count: $EP1 was held above)
r=$(bind_pci $EP1F1)
expect_eq OK "$r" "bind devsec_pci to an unheld, unlocked function"
expect_errno EBUSY "$(tf $EP1F1 lock)" "$SEC"
unbind_any $EP1F1

# -- unlock
expect_errno EINVAL "$(tf $EP1F1 unlock)" "$SEC"
expect_errno EINVAL "$(tf $EP1 unlock)" "$LINK"
expect_errno EINVAL "$(tf $EP1 unlock)" tsm99
expect_eq "$SEC" "$(rd $EP1 lock)" "still locked after refused unlocks"

# -- accept
expect_errno EINVAL "$(tf $EP1 accept)" 0
expect_errno EINVAL "$(tf $EP1 accept)" maybe
expect_errno EINVAL "$(tf $EP1F1 accept)" 1
expect_eq 0 "$(rd $EP1 accept)" "not accepted after refused accepts"
# a driver bound to a locked function: accept and unlock refuse
expect_ok "$(tf $EP1F1 lock)" "$SEC"
r=$(bind_pci $EP1F1)
expect_eq OK "$r" "bind devsec_pci to a locked function"
expect_errno EBUSY "$(tf $EP1F1 accept)" 1
expect_errno EBUSY "$(tf $EP1F1 unlock)" "$SEC"
unbind_any $EP1F1
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
# accept twice: EBUSY, nothing changes
expect_ok "$(tf $EP1 accept)" 1
n=$(encrypted_in_bar0 $EP1)
expect_errno EBUSY "$(tf $EP1 accept)" 1
expect_eq 1 "$(rd $EP1 accept)" "still accepted"
expect_eq "$n" "$(encrypted_in_bar0 $EP1)" "encrypted ranges unchanged by a second accept"
expect_ok "$(tf $EP1 unlock)" "$SEC"

# accept fails closed without a shim
ptsm_unload tsm_shim
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_errno EOPNOTSUPP "$(tf $EP1 accept)" 1
dmesg | grep -q "accept refused: no tsm_shim registered" ||
	fail "no log line naming why accept was refused"
expect_eq 0 "$(rd $EP1 accept)" "not accepted without a shim"
ptsm_load tsm_shim
expect_ok "$(tf $EP1 accept)" 1
# the shim cannot go while a device is accepted
rmmod tsm_shim 2>/dev/null && fail "tsm_shim unloaded under an accepted device"
expect_ok "$(tf $EP1 unlock)" "$SEC"

# require_validate: EPERM without VALIDATE; ESTALE after the evidence moved
echo 1 > /sys/module/pci_tsm/parameters/require_validate
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_errno EPERM "$(tf $EP1 accept)" 1
command -v ptsm-nl > /dev/null || fail "ptsm-nl (tests/tools/nlclient) not in the VM"
gen=$(rd $EP1 evidence_generation)
ptsm-nl validate "$EP1" "$gen" > /dev/null || fail "VALIDATE $EP1 generation $gen"
expect_ok "$(tf $EP1 unlock)" "$SEC"
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_errno ESTALE "$(tf $EP1 accept)" 1
gen=$(rd $EP1 evidence_generation)
ptsm-nl validate "$EP1" "$gen" > /dev/null || fail "VALIDATE $EP1 generation $gen"
expect_ok "$(tf $EP1 accept)" 1
echo 0 > /sys/module/pci_tsm/parameters/require_validate

# the generation moves on lock and unlock
g0=$(rd $EP1F1 evidence_generation)
expect_ok "$(tf $EP1F1 lock)" "$SEC"
g1=$(rd $EP1F1 evidence_generation)
[ "$g1" -gt "$g0" ] || fail "generation did not move on lock ($g0 -> $g1)"
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
g2=$(rd $EP1F1 evidence_generation)
[ "$g2" -gt "$g1" ] || fail "generation did not move on unlock ($g1 -> $g2)"

core_cleanup
exit 0
