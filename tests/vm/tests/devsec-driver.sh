#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# An accepted function works with an ordinary driver (issue 14 B):
# devsec_pci's probe requests its memory regions, pci_iomap()s BAR0 and
# keeps coherent DMA, as nvme does. Observed: the bind succeeds, the
# driver's region sits inside the one "PCI MMIO Encrypted" resource of
# BAR0, a second claimant gets busy for a TEE range and for the whole BAR,
# the BAR0 mapping is counted encrypted and the MSI-X table mapping is not,
# streaming and coherent DMA work. Three lock/accept/bind/unbind/unlock
# cycles leave /proc/iomem byte for byte as before. A TSM that registers
# no TEE MMIO for a device with memory BARs gets its accept refused
# (EPROTO, ERROR until unlock).
# vm: timeout=180
. /ptsm/tests/core-lib.sh

SHIM=/sys/kernel/debug/tsm_shim
DPCI=/sys/kernel/debug/devsec_pci
D=$EP0F1

core_stack testing
ptsm_unload devsec_pci
ptsm_load devsec_pci msix=1

# kv KEY FILE: value of KEY= in FILE
kv() {
	sed -n "s/^$1=//p" "$2"
}

# claim OFF SIZE: what a second claimant gets for BAR0 + OFF
claim() {
	expect_ok "$DPCI/$D/claim" "$1 $2"
	kv claim "$DPCI/$D/claim"
}

cat /proc/iomem > /tmp/iomem.before
b=$(bar0 $D)
bs=${b% *}
be=${b#* }
blen=$((be - bs + 1))
bhex=$(printf '%x-%x' $bs $be)

for cycle in 1 2 3; do
	expect_ok "$(tf $D lock)" "$SEC"
	expect_ok "$(tf $D accept)" 1
	expect_eq 1 "$(encrypted_in_bar0 $D)" "cycle $cycle: one encrypted resource in BAR0"
	grep "PCI MMIO Encrypted" /proc/iomem | grep -q "$bhex" ||
		fail "cycle $cycle: the encrypted resource does not span BAR0 $bhex"

	enc0=$(cat $SHIM/$D/encrypted_ioremaps 2>/dev/null || echo 0)
	expect_eq OK "$(bind_pci $D)" "cycle $cycle: devsec_pci binds the accepted function"
	expect_eq devsec_pci "$(driver_of $D)" "cycle $cycle: bound driver"
	# the driver's busy region is the child of the encrypted resource
	sed -n "/$bhex : PCI MMIO Encrypted/{n;p}" /proc/iomem |
		grep -q "$bhex : devsec_pci" ||
		fail "cycle $cycle: devsec_pci's region is not below the encrypted resource"
	enc1=$(cat $SHIM/$D/encrypted_ioremaps)
	expect_eq $((enc0 + 1)) "$enc1" "cycle $cycle: probe's pci_iomap of BAR0 mapped encrypted"

	expect_eq busy "$(claim 0 4096)" "cycle $cycle: second claimant, first TEE page"
	expect_eq busy "$(claim 0 $blen)" "cycle $cycle: second claimant, whole BAR0"

	expect_ok "$DPCI/$D/selftest" 1
	ST=$DPCI/$D/selftest
	log "cycle $cycle selftest: $(tr '\n' ' ' < $ST)"
	expect_eq 1 "$(kv msix_enabled $ST)" "cycle $cycle: MSI-X enabled"
	expect_eq ok "$(kv dma $ST)" "cycle $cycle: streaming DMA"
	expect_eq ok "$(kv coherent $ST)" "cycle $cycle: coherent DMA"
	expect_eq ok "$(kv bar0_ioremap $ST)" "cycle $cycle: BAR0 ioremap"
	expect_eq ok "$(kv msix_ioremap $ST)" "cycle $cycle: MSI-X table ioremap"
	expect_eq $((enc1 + 1)) "$(cat $SHIM/$D/encrypted_ioremaps)" \
		"cycle $cycle: BAR0 encrypted, MSI-X table plain"

	expect_ok "$DRV/devsec_pci/unbind" "$D"
	expect_ok "$(tf $D unlock)" "$SEC"
	cat /proc/iomem > /tmp/iomem.after
	cmp -s /tmp/iomem.before /tmp/iomem.after || {
		diff /tmp/iomem.before /tmp/iomem.after
		fail "cycle $cycle: /proc/iomem differs after unlock"
	}
done

# an unaccepted function: the same probe requests the whole BAR too
expect_eq OK "$(bind_pci $EP1F1)" "devsec_pci binds an unaccepted function"
expect_ok "$DPCI/$EP1F1/claim" "0 4096"
expect_eq busy "$(kv claim "$DPCI/$EP1F1/claim")" "second claimant on an unaccepted function"
expect_ok "$DRV/devsec_pci/unbind" "$EP1F1"

# a TSM that registers no TEE MMIO: accept refused, ERROR until unlock
echo 1 > /sys/module/devsec_tsm/parameters/no_tee_mmio
expect_ok "$(tf $D lock)" "$SEC"
expect_errno EPROTO "$(tf $D accept)" 1
expect_eq 0 "$(rd $D accept)" "accept reads 0 after EPROTO"
expect_eq 0 "$(encrypted_in_bar0 $D)" "nothing encrypted after EPROTO"
expect_errno EINVAL "$(tf $D accept)" 1
expect_ok "$(tf $D unlock)" "$SEC"
echo 0 > /sys/module/devsec_tsm/parameters/no_tee_mmio
expect_ok "$(tf $D lock)" "$SEC"
expect_ok "$(tf $D accept)" 1
expect_ok "$(tf $D unlock)" "$SEC"
cat /proc/iomem > /tmp/iomem.after
cmp -s /tmp/iomem.before /tmp/iomem.after || fail "/proc/iomem differs at the end"

core_cleanup
exit 0
