#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The REPORT devsec_tsm builds at lock time, read back through the pci-tsm
# netlink family and parsed here with od: interface_info NO_FW_UPDATE, MSI-X
# table and PBA as their own NON_TEE ranges, first_page offset by the MMIO
# reporting offset the device advertises in its DVSEC (and devsec_tsm gives
# pci_tsm for tsm/mmio_reporting_offset), ranges matching the BAR in
# /sys/bus/pci/devices/.../resource. Also for 16 KiB BARs.
# vm: timeout=180
. /ptsm/tests/devsec-lib.sh

command -v ptsm-nl >/dev/null || fail "ptsm-nl not in the VM"

u() { # FILE OFF SIZE: little-endian unsigned value
	local v=0 i=0 b

	for b in $(od -An -tu1 -j "$2" -N "$3" "$1"); do
		v=$((v + (b << (8 * i))))
		i=$((i + 1))
	done
	echo $v
}

# check_range FILE IDX FIRST_PHYS PAGES ATTR
check_range() {
	local o=$((16 + $2 * 16))

	expect_eq $((($3 + OFFSET) >> 12)) "$(u $1 $o 8)" "range $2 first_page"
	expect_eq "$4" "$(u $1 $((o + 8)) 4)" "range $2 pages"
	expect_eq "$5" "$(u $1 $((o + 12)) 2)" "range $2 attributes"
	expect_eq 0 "$(u $1 $((o + 14)) 2)" "range $2 id (BAR0)"
}

report() { # DEV: lock it and dump its REPORT to /tmp/rep/report.bin
	expect_ok $PCI/$1/tsm/lock $DEVSEC
	rm -rf /tmp/rep
	mkdir -p /tmp/rep
	ptsm-nl read --mask 0x400 --out /tmp/rep --quiet $1 >/dev/null ||
		fail "REPORT read of $1"
	d=$(ext_cap $1 35 "$DVSEC_ID")
	OFFSET=$(($(cfg_read $1 $((d + 0x14)) 4) | $(cfg_read $1 $((d + 0x18)) 4) << 32))
	expect_eq $((1 << 44)) "$OFFSET" "MMIO reporting offset"
	# ... and what devsec_tsm told pci_tsm at lock (docs/deviations.md)
	expect_eq "$(printf '0x%x' "$OFFSET")" "$(cat $PCI/$1/tsm/mmio_reporting_offset)" \
		"tsm/mmio_reporting_offset of $1"
	read -r S E _ < $PCI/$1/resource
	R=/tmp/rep/report.bin
	expect_eq 1 $(($(u $R 0 2) & 1)) "interface_info NO_FW_UPDATE"
}

for m in tsm_core pci_tsm devsec_bus devsec_tsm; do
	ptsm_load $m
done
DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"

# default 2 MiB BAR0: TEE | table | PBA | TEE
report $EP0F1
half=$(((E - S + 1) / 2))
expect_eq 4 "$(u $R 12 4)" "range count"
check_range $R 0 $S $((half / 4096)) 0
check_range $R 1 $((S + half)) 1 $((1 | 4))
check_range $R 2 $((S + half + 4096)) 1 $((2 | 4))
check_range $R 3 $((S + half + 8192)) $((half / 4096 - 2)) 0
expect_eq 0 "$(u $R $((16 + 4 * 16)) 4)" "device-specific length"
expect_eq $((16 + 4 * 16 + 4)) "$(wc -c < $R | tr -d ' ')" "report length"
expect_ok $PCI/$EP0F1/tsm/unlock $DEVSEC
expect_eq "" "$(cat $PCI/$EP0F1/tsm/mmio_reporting_offset)" "tsm/mmio_reporting_offset after unlock"

ptsm_unload devsec_tsm
ptsm_unload devsec_bus
ptsm_load devsec_bus bar_size=16384
ptsm_load devsec_tsm
DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"
# 16 KiB BAR0: TEE (2 pages) | table | PBA
report $EP1
expect_eq 3 "$(u $R 12 4)" "range count (16 KiB BAR)"
check_range $R 0 $S 2 0
check_range $R 1 $((S + 8192)) 1 $((1 | 4))
check_range $R 2 $((S + 12288)) 1 $((2 | 4))
ptsm_unload_all
exit 0
