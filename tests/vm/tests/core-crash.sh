#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The paths upstream crashed on: lock -> unlock without accept; accept twice;
# unlock -> lock -> accept again; device removal (the "remove" attribute)
# while locked, accepted, connected and bound; TSM modules unloading under
# held state. The harness fails the test on any kernel complaint.
# vm: timeout=180
. /ptsm/tests/core-lib.sh

core_stack testing

# lock -> unlock without accept, on PF0 and PF1
for d in $EP1 $EP1F1; do
	expect_ok "$(tf $d lock)" "$SEC"
	expect_ok "$(tf $d unlock)" "$SEC"
	expect_eq "" "$(rd $d lock)" "$d unlocked"
done

# accept twice
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_ok "$(tf $EP1 accept)" 1
expect_errno EBUSY "$(tf $EP1 accept)" 1
expect_eq 1 "$(rd $EP1 accept)" "accepted after the second accept"

# unlock -> lock -> accept again, a few rounds
i=0
while [ $i -lt 3 ]; do
	expect_ok "$(tf $EP1 unlock)" "$SEC"
	expect_eq 0 "$(encrypted_in_bar0 $EP1)" "round $i: encrypted ranges after unlock"
	expect_ok "$(tf $EP1 lock)" "$SEC"
	expect_ok "$(tf $EP1 accept)" 1
	[ "$(encrypted_in_bar0 $EP1)" -ge 1 ] || fail "round $i: no encrypted range after accept"
	i=$((i + 1))
done

# a real driver on the accepted device (it maps the TEE MMIO: testing mode),
# then unlock refused until unbound
r=$(bind_pci $EP1)
expect_eq OK "$r" "bind devsec_pci to the accepted device"
expect_errno EBUSY "$(tf $EP1 unlock)" "$SEC"
unbind_any $EP1
expect_ok "$(tf $EP1 unlock)" "$SEC"

# device removal while locked (PF1) and while accepted (PF0)
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_ok "$(tf $EP1 accept)" 1
expect_ok "$PCI/$EP1F1/remove" 1
[ -e "$PCI/$EP1F1" ] && fail "$EP1F1 still present after remove"
expect_ok "$PCI/$EP1/remove" 1
[ -e "$PCI/$EP1" ] && fail "$EP1 still present after remove"
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted range left after removal"

# device removal while connected with TDIs bound: PF1 first, then PF0
expect_ok "$(tf $EP0 connect)" "$LINK"
expect_ok "$CLASS/$LINK/device/tsm_bind" "$EP0"
expect_ok "$CLASS/$LINK/device/tsm_bind" "$EP0F1"
expect_ok "$PCI/$EP0F1/remove" 1
expect_eq "$LINK" "$(rd $EP0 connect)" "PF0 still connected after PF1 went"
expect_eq 3 "$(bridge_streams $EP0)" "stream still up"
hb=$(host_bridge $EP0)
expect_ok "$PCI/$EP0/remove" 1
expect_eq 4 "$(cat $hb/available_secure_streams)" "stream released by the removal"
[ -e "$hb/stream0.0.0" ] && fail "stream link left after the endpoint went"
[ -e "$CLASS/$LINK/$(basename $hb)" ] && fail "tsm bridge link left after the endpoint went"

# the sample comes back with a fresh devsec_bus
ptsm_unload devsec_bus
ptsm_load devsec_bus
wait_for "$PCI/$EP1F1/tsm"
expect_eq "" "$(rd $EP1 lock)" "fresh device unlocked"
expect_eq "" "$(rd $EP0 connect)" "fresh device not connected"

# TSM modules going away under held state: everything torn down
expect_ok "$(tf $EP0 connect)" "$LINK"
expect_ok "$CLASS/$LINK/device/tsm_bind" "$EP0F1"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_ok "$(tf $EP1 accept)" 1
ptsm_unload devsec_link_tsm
hasnt $EP0 connect
hasnt $EP0F1 dsm
expect_eq 4 "$(bridge_streams $EP0)" "stream released with the link TSM"
ptsm_unload devsec_tsm
[ -e "$PCI/$EP1/tsm" ] && fail "tsm/ left on $EP1 with no TSM registered"
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted range left after devsec_tsm went"
# and back
ptsm_load devsec_tsm
ptsm_load devsec_link_tsm
wait_for "$PCI/$EP0/tsm/connect"
LINK=$(tsm_by_mode link) || fail "no link TSM after reload"
SEC=$(tsm_by_mode devsec) || fail "no devsec TSM after reload"
expect_ok "$(tf $EP0 connect)" "$LINK"
expect_ok "$(tf $EP1 lock)" "$SEC"

core_cleanup
exit 0
