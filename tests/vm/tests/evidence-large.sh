#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A 16 MiB CERT0 round-trips byte-exact through both families, with the
# default and a 1 MiB receive buffer: every VAL chunk stays below 64 KiB
# (the 16-bit attribute length) whatever buffer the client offers, and
# device-evidence's LENGTH announces the full 16 MiB.
# vm: timeout=400
. /ptsm/tests/evidence-lib.sh

core_stack noshim
mkblob $W/cert0 $((16 << 20))
mkblob $W/meas 4096
ev_connect $W/cert0 $W/meas
rm -f $W/cert0.bin

for fam in pci-tsm device-evidence; do
	for rb in default 1048576; do
		o=$W/$fam-$rb
		mkdir -p $o
		if [ $rb = default ]; then
			nl_ok $o.txt --family $fam --mask 201 --out $o $EP0
		else
			nl_ok $o.txt --family $fam --mask 201 --rcvbuf $rb --out $o $EP0
		fi
		expect_eq $((16 << 20)) "$(field $o.txt cert0 length)" "$fam $rb: CERT0 length"
		cmp $W/cert0 $o/cert0.bin || fail "$fam $rb: CERT0 differs"
		cmp $W/meas $o/measurements.bin || fail "$fam $rb: MEASUREMENTS differ"
		mc=$(sed -n 's/.*max_chunk=\([0-9]*\).*/\1/p' $o.txt)
		[ "$mc" -lt 65536 ] || fail "$fam $rb: a VAL of $mc bytes"
		log "$fam rcvbuf $rb: $(tail -n 1 $o.txt)"
		rm -rf $o
	done
done

ptsm_unload_all
exit 0
