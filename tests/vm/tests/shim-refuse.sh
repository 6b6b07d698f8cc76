#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# tsm_shim without testing mode on a host that cannot encrypt MMIO (issue
# 5): the accepted function's BAR0 is TEE MMIO, so its ioremap is refused
# and binding devsec_pci fails with EINVAL (upstream behaviour); after
# unlock the same bind works.
# vm: swiotlb=force
# vm: timeout=120
. /ptsm/tests/shim-lib.sh

trap shim_cleanup EXIT
shim_stack
expect_eq 1 "$(shim_status ready)" "tsm_shim ready"
expect_eq 0 "$(shim_status testing)" "testing mode off"
expect_eq 0 "$(shim_status confidential)" "a plain VM is not a confidential guest"

lock_accept "$ACC"
r0=$(counter "$ACC" refused_ioremaps)
expect_eq EINVAL "$(try_bind "$ACC")" "bind devsec_pci to accepted $ACC on a plain host"
expect_eq none "$(driver_of "$ACC")" "driver of $ACC after the refused bind"
[ "$(counter "$ACC" refused_ioremaps)" -gt "$r0" ] || fail "refused_ioremaps did not move"
dmesg | grep -q "tsm_shim: $ACC: refused ioremap.*cannot map it encrypted" ||
	fail "no refusal line for $ACC"

unlock "$ACC"
bind "$ACC"
selftest "$ACC"
expect_eq ok "$(kv bar0_ioremap)" "BAR0 ioremap after unlock"
log "accepted BAR0 refused on a plain host (EINVAL), bound again after unlock"
