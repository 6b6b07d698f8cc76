#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Lock PF1 and read its REPORT over device-evidence; parse it here, in
# shell, independently of the kernel's builder (docs/ABI.md 4.): the
# header, every range and the device-specific tail must account for every
# byte; interface_info has "no firmware update" set; the ranges, in
# ascending BAR order, tile each memory BAR of PF1 exactly (pages offset by
# the device's MMIO reporting offset, from its TDISP DVSEC), with the MSI-X
# table and PBA as their own non-TEE ranges and everything else TEE.
# vm: timeout=120
. /ptsm/tests/evidence-lib.sh

DEV=$EP0F1
R=$W/r/report.bin

# le OFF SIZE: little-endian field of the report (decimal)
le() {
	local v=0 i=0 b

	for b in $(od -v -An -tu1 -j "$1" -N "$2" $R); do
		v=$((v + (b << (8 * i))))
		i=$((i + 1))
	done
	[ "$i" = "$2" ] || fail "report: short read at $1 (+$2)"
	echo "$v"
}

# std_cap DEV ID: offset of standard capability ID (0 if none)
std_cap() {
	local pos n=0

	pos=$(cfg_read "$1" 52 1)
	while [ "$pos" -ne 0 ] && [ $n -lt 48 ]; do
		[ "$(cfg_read "$1" "$pos" 1)" -eq "$2" ] && { echo "$pos"; return 0; }
		pos=$(cfg_read "$1" $((pos + 1)) 1)
		n=$((n + 1))
	done
	echo 0
}

core_stack noshim
mkdir -p $W/r
expect_ok "$(tf $DEV lock)" "$SEC"
nl_ok $W/r.txt --family device-evidence --mask 400 --out $W/r $DEV
LEN=$(wc -c < $R)
expect_eq "$LEN" "$(field $W/r.txt report length)" "REPORT LENGTH attribute"
[ "$LEN" -ge 20 ] || fail "REPORT of $LEN bytes"

# MMIO reporting offset from the TDISP DVSEC (devsec.h: +0x14 lo, +0x18 hi)
DV=$(ext_cap $DEV 35 "$DVSEC_ID")
[ "$DV" -ne 0 ] || fail "$DEV has no TDISP DVSEC"
OFF=$(( $(cfg_read $DEV $((DV + 0x14)) 4) + ($(cfg_read $DEV $((DV + 0x18)) 4) << 32) ))
OFFP=$((OFF >> 12))
log "REPORT $LEN bytes, MMIO reporting offset $(printf 0x%x $OFF)"

INFO=$(le 0 2)
[ $((INFO & 1)) = 1 ] || fail "interface_info $INFO lacks 'no firmware update'"
NR=$(le 12 4)
[ "$NR" -ge 1 ] && [ "$NR" -le 64 ] || fail "range count $NR"
DSL=$(le $((16 + 16 * NR)) 4)
expect_eq "$LEN" $((20 + 16 * NR + DSL)) "REPORT size from its own fields"

# MSI-X table and PBA pages (from config space, not from the report)
MX=$(std_cap $DEV 17)
TBIR=-1
PBIR=-1
if [ "$MX" -ne 0 ]; then
	N=$(( ($(cfg_read $DEV $((MX + 2)) 2) & 0x7ff) + 1 ))
	T=$(cfg_read $DEV $((MX + 4)) 4)
	P=$(cfg_read $DEV $((MX + 8)) 4)
	TBIR=$((T & 7))
	PBIR=$((P & 7))
	TOFF=$((T & ~7))
	POFF=$((P & ~7))
	TSIZE=$((N * 16))
	PSIZE=$(( (N + 63) / 64 * 8 ))
	log "MSI-X: $N vectors, table BAR$TBIR+$TOFF, PBA BAR$PBIR+$POFF"
fi

# walk the ranges against the BARs in resource order
i=0
bar=0
prev_bar=-1
seen_table=0
seen_pba=0
while read -r s e f; do
	[ $bar -lt 6 ] || break
	s=$((s)); e=$((e)); f=$((f))
	if [ $((f & 0x200)) = 0 ] || [ $e = 0 ]; then
		bar=$((bar + 1))
		continue
	fi
	first=$(((s + OFF) >> 12))
	last=$(((e + OFF) >> 12))
	next=$first
	while [ $i -lt "$NR" ]; do
		o=$((16 + 16 * i))
		rid=$(le $((o + 14)) 2)
		[ "$rid" = $bar ] || break
		pg=$(le $o 8)
		np=$(le $((o + 8)) 4)
		at=$(le $((o + 12)) 2)
		expect_eq "$next" "$pg" "range $i (BAR$bar) first page"
		[ "$np" -ge 1 ] || fail "range $i: $np pages"
		if [ $((at & 3)) != 0 ]; then
			[ $((at & 4)) = 4 ] || fail "range $i: MSI-X range not marked non-TEE ($at)"
			if [ $((at & 1)) = 1 ]; then
				expect_eq $TBIR $bar "MSI-X table range BAR"
				expect_eq $(((s + TOFF + OFF) >> 12)) "$pg" "MSI-X table first page"
				expect_eq $(((s + TOFF + TSIZE - 1 + OFF) >> 12)) $((pg + np - 1)) \
					"MSI-X table last page"
				seen_table=1
			fi
			if [ $((at & 2)) = 2 ]; then
				expect_eq $PBIR $bar "MSI-X PBA range BAR"
				[ $(((s + POFF + OFF) >> 12)) -ge "$pg" ] &&
				[ $(((s + POFF + PSIZE - 1 + OFF) >> 12)) -le $((pg + np - 1)) ] ||
					fail "PBA not inside range $i"
				seen_pba=1
			fi
		else
			[ $((at & 4)) = 0 ] || fail "range $i: plain range marked non-TEE ($at)"
		fi
		next=$((pg + np))
		i=$((i + 1))
	done
	expect_eq $((last + 1)) "$next" "BAR$bar covered exactly by the ranges"
	[ $bar -gt $prev_bar ] || fail "ranges not in ascending BAR order"
	prev_bar=$bar
	log "BAR$bar $(printf '0x%x-0x%x' $s $e): ok"
	bar=$((bar + 1))
done < $PCI/$DEV/resource
expect_eq "$NR" "$i" "every range belongs to a memory BAR, in order"
if [ "$MX" -ne 0 ]; then
	expect_eq 1 $seen_table "an MSI-X table range"
	expect_eq 1 $seen_pba "an MSI-X PBA range"
fi

expect_ok "$(tf $DEV unlock)" "$SEC"
ptsm_unload_all
exit 0
