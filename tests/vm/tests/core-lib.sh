#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by the core-*.sh tests (sourced as /ptsm/tests/core-lib.sh):
# the tsm_core + pci_tsm stack on the devsec sample, readers for the tsm/
# files of docs/ABI.md 2.2 and a cleanup that leaves nothing behind.
. /ptsm/tests/devsec-lib.sh

DRV=/sys/bus/pci/drivers
CLASS=/sys/class/tsm

# core_stack [bus-last] [noshim] [testing]: load tsm_core, pci_tsm, tsm_shim
# and the devsec sample. bus-last: the TSM modules before devsec_bus (the
# other load order); testing: tsm_shim in testing mode (a plain VM behaves
# as a confidential guest, so a driver can map an accepted device's TEE
# MMIO). Sets LINK and SEC to the names of the link and devsec TSMs.
core_stack() {
	local order=bus-first shim=yes a

	for a in "$@"; do
		case $a in
		bus-last) order=bus-last ;;
		noshim) shim=no ;;
		testing) shim=testing ;;
		esac
	done
	ptsm_load tsm_core
	ptsm_load pci_tsm
	case $shim in
	yes) ptsm_load tsm_shim ;;
	testing) ptsm_load tsm_shim testing=1 ;;
	esac
	if [ $order = bus-last ]; then
		ptsm_load devsec_link_tsm
		ptsm_load devsec_tsm
		ptsm_load devsec_bus
	else
		ptsm_load devsec_bus
		ptsm_load devsec_link_tsm
		ptsm_load devsec_tsm
	fi
	ptsm_load devsec_pci
	wait_for "$PCI/$EP0/tsm"
	wait_for "$PCI/$EP1/tsm"
	LINK=$(tsm_by_mode link) || fail "no link TSM registered"
	SEC=$(tsm_by_mode devsec) || fail "no devsec TSM registered"
	log "link TSM $LINK, devsec TSM $SEC"
}

# tf DEV ATTR: path of DEV's tsm/ATTR
tf() {
	echo "$PCI/$1/tsm/$2"
}

# rd DEV ATTR: contents of DEV's tsm/ATTR ("<none>" when absent). The
# shell's read, not cat: the debug lane pays ~0.15 s per exec.
rd() {
	local l

	if [ -e "$PCI/$1/tsm/$2" ]; then
		while IFS= read -r l || [ -n "$l" ]; do
			printf '%s\n' "$l"
		done < "$PCI/$1/tsm/$2"
	else
		echo "<none>"
	fi
}

# has DEV ATTR / hasnt DEV ATTR: DEV's tsm/ATTR must (not) exist
has() {
	[ -e "$PCI/$1/tsm/$2" ] || fail "$1: tsm/$2 missing"
}

hasnt() {
	[ -e "$PCI/$1/tsm/$2" ] && fail "$1: tsm/$2 present but should not be"
	return 0
}

# bridge_streams DEV: available_secure_streams of DEV's host bridge
bridge_streams() {
	cat "$(host_bridge "$1")/available_secure_streams"
}

# bar0 DEV: "START END" of BAR0 in decimal
bar0() {
	local s e

	read -r s e _ < "$PCI/$1/resource"
	echo "$((s)) $((e))"
}

# encrypted_in_bar0 DEV: number of "PCI MMIO Encrypted" ranges inside BAR0
encrypted_in_bar0() {
	local s e n=0 r rs re

	read -r s e _ < "$PCI/$1/resource"
	s=$((s))
	e=$((e))
	# one grep; the range is the first word of each line it prints
	for r in $(grep "PCI MMIO Encrypted" /proc/iomem); do
		case "$r" in
		*[0-9a-f]-[0-9a-f]*) ;;
		*) continue ;;
		esac
		rs=$((0x${r%-*}))
		re=$((0x${r#*-}))
		[ "$rs" -ge "$s" ] && [ "$re" -le "$e" ] && n=$((n + 1))
	done
	echo $n
}

# bind_pci DEV: bind devsec_pci to DEV (releasing the hold first); prints
# OK or the errno name
bind_pci() {
	if [ "$(driver_of "$1")" = pci_tsm_hold ]; then
		expect_ok "$DRV/pci_tsm_hold/unbind" "$1"
	fi
	expect_ok "$PCI/$1/driver_override" devsec_pci
	sysfs_write "$DRV/devsec_pci/bind" "$1"
}

# unbind_any DEV: unbind whatever driver DEV has
unbind_any() {
	local d

	d=$(driver_of "$1")
	[ "$d" = none ] && return 0
	expect_ok "$DRV/$d/unbind" "$1"
}

# core_reset: unbind drivers, unlock and disconnect every sample device
core_reset() {
	local d

	for d in $EP0 $EP0F1 $EP1 $EP1F1; do
		[ -e "$PCI/$d" ] || continue
		[ "$(driver_of $d)" = devsec_pci ] && unbind_any $d
		if [ -n "$(rd $d lock | sed 's/<none>//')" ]; then
			sysfs_write "$(tf $d unlock)" "$(rd $d lock)" > /dev/null
		fi
	done
	for d in $EP0 $EP1; do
		[ -e "$PCI/$d" ] || continue
		if [ -n "$(rd $d connect | sed 's/<none>//')" ]; then
			sysfs_write "$(tf $d disconnect)" "$(rd $d connect)" > /dev/null
		fi
	done
}

# core_cleanup: core_reset, then unload every module
core_cleanup() {
	core_reset
	ptsm_unload_all
}
