#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# tsm_shim streaming DMA (issue 5): with bouncing forced for every device,
# a devsec function bounces through swiotlb until it is locked and
# accepted, then maps directly (the DMA address is the physical address),
# and bounces again after unlock. A second function that is never accepted
# bounces the whole time. Testing mode, so that devsec_pci can map the
# accepted function's BAR0 (encrypted) and bind.
# vm: swiotlb=force
# vm: timeout=150
. /ptsm/tests/shim-lib.sh

trap shim_cleanup EXIT
shim_stack testing=1
expect_eq 1 "$(shim_status ready)" "tsm_shim ready"
expect_eq ftrace "$(shim_status probe.swiotlb_map | cut -d' ' -f1)" "swiotlb_map probe kind"

bind "$OTHER"
expect_bounced "$OTHER" "control, start"

bind "$ACC"
expect_bounced "$ACC" "before lock"
unbind "$ACC"

lock_accept "$ACC"
dmesg | grep -q "$ACC: tsm_shim: attached" || fail "no attach line for $ACC"
bind "$ACC"
before=$(counter "$ACC" bypassed_maps)
expect_direct "$ACC" "accepted"
expect_eq $((before + 1)) "$(counter "$ACC" bypassed_maps)" "bypassed_maps of $ACC"
expect_bounced "$OTHER" "control, while $ACC is accepted"
expect_eq 0 "$(counter "$OTHER" bypassed_maps)" "bypassed_maps of $OTHER"

unbind "$ACC"
unlock "$ACC"
dmesg | grep -q "$ACC: tsm_shim: detached" || fail "no detach line for $ACC"
bind "$ACC"
expect_bounced "$ACC" "after unlock"
expect_bounced "$OTHER" "control, end"
log "streaming DMA: bounce -> direct -> bounce on $ACC, $OTHER always bounced"
