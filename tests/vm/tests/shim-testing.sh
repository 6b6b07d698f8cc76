#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# tsm_shim testing mode (issue 5): a plain VM decides as a confidential
# guest would, observed in what the kernel returned (ptsm_test_observe). Coherent memory of the accepted function is private, of any
# other device shared; the accepted function's BAR0 is mapped encrypted
# while its MSI-X table range stays a plain mapping; a mapping straddling
# TEE MMIO and memory outside the device's report is refused; with MSI-X
# enabled, the PCI core's own mapping of the table is not encrypted.
# vm: swiotlb=force
# vm: timeout=150
. /ptsm/tests/shim-lib.sh

trap shim_cleanup EXIT
shim_stack testing=1
expect_eq 1 "$(shim_status testing)" "testing mode"
expect_eq 1 "$(shim_status confidential)" "testing mode decides as a confidential guest"
expect_eq int3 "$(shim_status probe.force_dma_unencrypted | cut -d' ' -f1)" \
	"force_dma_unencrypted probe kind"

bind "$OTHER"
lock_accept "$ACC"
bind "$ACC"

# coherent: private for the accepted function, shared for the other, as
# the kernel's DMA code decided it (ptsm_test_observe), after the kprobe
# optimizer had its chance
ptsm_load ptsm_test_observe
wait_optimizer "testing, $ACC accepted"
expect_observed "$ACC" "accepted" fdu=private coherent=private
expect_observed "$OTHER" "never accepted" fdu=shared coherent=shared
selftest "$ACC"
expect_eq ok "$(kv coherent)" "coherent allocation on $ACC (devsec_pci)"

# MMIO: BAR0 encrypted, the MSI-X table a plain hole, the control untouched
expect_observed "$ACC" "accepted" bar0=encrypted msix=plain
expect_observed "$OTHER" "never accepted" bar0=plain msix=plain
r0=$(counter "$ACC" refused_ioremaps)
selftest "$ACC"
expect_eq ok "$(kv bar0_ioremap)" "BAR0 ioremap on $ACC (devsec_pci)"
expect_eq ok "$(kv msix_ioremap)" "MSI-X table ioremap on $ACC (devsec_pci)"

# straddling the end of BAR0: TEE memory and memory outside the report
len=$(bar0_size "$ACC")
expect_ok "$DPCI/$ACC/ioremap" "$((len - 4096)) 8192"
log "straddle: $(tr '\n' ' ' < "$DPCI/$ACC/ioremap")"
grep -q '^range_ioremap=refused$' "$DPCI/$ACC/ioremap" ||
	fail "a mapping straddling the end of BAR0 was not refused"
expect_eq $((r0 + 1)) "$(counter "$ACC" refused_ioremaps)" "refused_ioremaps after straddle"
dmesg | grep -q "tsm_shim: $ACC: refused ioremap" || fail "no refusal line in the log"

# with MSI-X enabled by the PCI core: its own table mapping stays plain
unbind "$ACC"
ptsm_unload devsec_pci
e1=$(counter "$ACC" encrypted_ioremaps)
r1=$(counter "$ACC" refused_ioremaps)
# driver_override still names devsec_pci: loading it binds $ACC at once
ptsm_load devsec_pci msix=1
[ "$(driver_of "$ACC")" = devsec_pci ] || bind "$ACC"
expect_eq $((e1 + 1)) "$(counter "$ACC" encrypted_ioremaps)" \
	"encrypted_ioremaps of $ACC: BAR0 at probe only, the PCI core's MSI-X table mapping plain"
expect_eq "$r1" "$(counter "$ACC" refused_ioremaps)" "refused_ioremaps with MSI-X on"
selftest "$ACC"
expect_eq 1 "$(kv msix_enabled)" "MSI-X enabled on accepted $ACC"

unbind "$ACC"
unlock "$ACC"
log "testing mode: private/shared coherent, encrypted BAR0, plain MSI-X, straddle refused"
