#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Upstream's devsec test, step by step, on tsm_core + pci_tsm + the devsec
# sample (issue 3 "Tests"): TSMs by pci_mode, tsm/ on both PF0s, concurrent
# connect with the stream links, available_secure_streams, dsm/bound on PF0
# and PF1, TDI bind/unbind, disconnect with bound TDIs, the driver hold,
# lock + accept with the "PCI MMIO Encrypted" range, reconnect, and unloading
# everything while connected and locked.
# vm: timeout=180
. /ptsm/tests/core-lib.sh

core_stack

# both TSMs found by pci_mode, and the right modes
expect_eq link "$(cat $CLASS/$LINK/pci_mode)" "$LINK pci_mode"
expect_eq devsec "$(cat $CLASS/$SEC/pci_mode)" "$SEC pci_mode"

# both PF0s have tsm/ with the link verbs
for d in $EP0 $EP1; do
	for a in connect disconnect dsm bound lock unlock accept evidence_generation; do
		has $d $a
	done
	expect_eq 0 "$(cat $PCI/$d/authenticated)" "$d authenticated when idle"
done

# idle: dsm and bound read empty; PF1 has no connect/disconnect/dsm/bound
for d in $EP0 $EP1; do
	expect_eq "" "$(rd $d dsm)" "$d idle dsm"
	expect_eq "" "$(rd $d bound)" "$d idle bound"
	expect_eq "" "$(rd $d connect)" "$d idle connect"
done
for d in $EP0F1 $EP1F1; do
	hasnt $d connect
	hasnt $d disconnect
	hasnt $d dsm
	hasnt $d bound
	has $d lock
done

# connect both PF0s at once
sysfs_write "$(tf $EP0 connect)" "$LINK" > /tmp/c0 &
sysfs_write "$(tf $EP1 connect)" "$LINK" > /tmp/c1 &
wait
expect_eq OK "$(cat /tmp/c0)" "connect $EP0"
expect_eq OK "$(cat /tmp/c1)" "connect $EP1"
for d in $EP0 $EP1; do
	expect_eq "$LINK" "$(rd $d connect)" "$d connect after connect"
	hb=$(host_bridge $d)
	[ -e "$hb/stream0.0.0" ] || fail "$hb has no stream0.0.0"
	expect_eq "$(readlink -f $PCI/$d)" "$(readlink -f $hb/stream0.0.0)" \
		"$(basename $hb)/stream0.0.0 target"
	tl=$CLASS/$LINK/$(basename $hb)
	[ -e "$tl" ] || fail "no $tl link"
	expect_eq "$(readlink -f $hb)" "$(readlink -f $tl)" "$tl target"
	expect_eq "$(readlink -f $PCI/$d)" "$(readlink -f $tl/stream0.0.0)" \
		"$tl/stream0.0.0 target"
	expect_eq 1 "$(cat $PCI/$d/authenticated)" "$d authenticated"
done
expect_ok "$(tf $EP0 disconnect)" "$LINK"
expect_ok "$(tf $EP1 disconnect)" "$LINK"
for d in $EP0 $EP1; do
	hb=$(host_bridge $d)
	[ -e "$hb/stream0.0.0" ] && fail "$hb/stream0.0.0 left after disconnect"
	[ -e "$CLASS/$LINK/$(basename $hb)" ] && fail "tsm link to $(basename $hb) left"
	expect_eq "" "$(rd $d connect)" "$d connect after disconnect"
done

# one PF0: available_secure_streams 4 -> 3 -> 4
expect_eq 4 "$(bridge_streams $EP0)" "streams when idle"
expect_ok "$(tf $EP0 connect)" "$LINK"
expect_eq 3 "$(bridge_streams $EP0)" "streams while connected"

# dsm names PF0 on PF0 and PF1; PF1 gained dsm/bound but no link verbs
expect_eq "$EP0" "$(rd $EP0 dsm)" "PF0 dsm"
has $EP0F1 dsm
has $EP0F1 bound
hasnt $EP0F1 connect
expect_eq "$EP0" "$(rd $EP0F1 dsm)" "PF1 dsm"
expect_eq 1 "$(cat $PCI/$EP0F1/authenticated)" "PF1 authenticated"
# the other slot is untouched
expect_eq "" "$(rd $EP1 dsm)" "other PF0 dsm"

# tsm_bind / tsm_unbind for PF0 and PF1
TB=$CLASS/$LINK/device
for d in $EP0 $EP0F1; do
	expect_ok "$TB/tsm_bind" "$d"
	expect_eq "$LINK" "$(rd $d bound)" "$d bound after tsm_bind"
done
expect_ok "$TB/tsm_unbind" "$EP0F1"
expect_eq "" "$(rd $EP0F1 bound)" "PF1 bound after tsm_unbind"
expect_eq "$LINK" "$(rd $EP0 bound)" "PF0 still bound"
expect_ok "$TB/tsm_unbind" "$EP0"
expect_eq "" "$(rd $EP0 bound)" "PF0 bound after tsm_unbind"

# disconnect with TDIs bound unbinds them
expect_ok "$TB/tsm_bind" "$EP0"
expect_ok "$TB/tsm_bind" "$EP0F1"
expect_ok "$(tf $EP0 disconnect)" "$LINK"
expect_eq "" "$(rd $EP0 bound)" "PF0 bound after disconnect"
expect_eq "" "$(rd $EP0 dsm)" "PF0 dsm after disconnect"
hasnt $EP0F1 dsm
expect_eq 4 "$(bridge_streams $EP0)" "streams after disconnect"
expect_eq 0 "$(cat $PCI/$EP0F1/authenticated)" "PF1 authenticated after disconnect"

# the driver hold keeps devsec_pci from binding
for d in $EP0 $EP0F1 $EP1 $EP1F1; do
	expect_eq pci_tsm_hold "$(driver_of $d)" "$d held"
done
expect_ok "$PCI/$EP1F1/driver_override" devsec_pci
expect_errno EBUSY "$DRV/devsec_pci/bind" "$EP1F1"
expect_eq pci_tsm_hold "$(driver_of $EP1F1)" "still held after a bind attempt"

# lock + accept registers BAR0's TEE MMIO, unlock removes it
expect_eq 0 "$(encrypted_in_bar0 $EP1F1)" "encrypted ranges before accept"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_eq "$SEC" "$(rd $EP1F1 lock)" "lock reads the TSM"
expect_eq 0x100000000000 "$(rd $EP1F1 mmio_reporting_offset)" "reporting offset while locked"
expect_eq 0 "$(rd $EP1F1 accept)" "accept before accept"
expect_ok "$(tf $EP1F1 accept)" 1
expect_eq 1 "$(rd $EP1F1 accept)" "accept after accept"
n=$(encrypted_in_bar0 $EP1F1)
[ "$n" -ge 1 ] || fail "no PCI MMIO Encrypted range in BAR0 of $EP1F1"
log "$n encrypted range(s) in BAR0 of $EP1F1"
expect_eq none "$(driver_of $EP1F1)" "accept released the hold"
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
expect_eq 0 "$(encrypted_in_bar0 $EP1F1)" "encrypted ranges after unlock"
expect_eq 0 "$(rd $EP1F1 accept)" "accept after unlock"
expect_eq "" "$(rd $EP1F1 lock)" "lock after unlock"
expect_eq "" "$(rd $EP1F1 mmio_reporting_offset)" "no reporting offset while unlocked"

# reconnect
expect_ok "$(tf $EP0 connect)" "$LINK"
expect_eq "$EP0" "$(rd $EP0F1 dsm)" "PF1 dsm after reconnect"

# unload all modules while connected and locked (and one accepted)
expect_ok "$(tf $EP1 lock)" "$SEC"
expect_eq "$SEC" "$(rd $EP1 bound)" "PF0 bound names the devsec TSM while locked"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$(tf $EP1F1 accept)" 1
ptsm_unload_all
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted range left after unload"
[ -d $CLASS ] && [ -n "$(ls $CLASS 2>/dev/null)" ] && fail "TSMs left after unload"
exit 0
