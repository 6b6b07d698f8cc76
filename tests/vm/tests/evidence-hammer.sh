#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Concurrent dumps of both families (various receive buffers, DIGEST,
# VALIDATE) while PF0 is disconnected and reconnected in a loop. Every read
# either returns the blobs whole or fails cleanly with EAGAIN (evidence
# replaced mid-dump) or ENXIO (caught disconnected); never mixed or short
# data, and no kernel complaint (judged by the harness).
# vm: timeout=300
. /ptsm/tests/evidence-lib.sh

ROUNDS=12

# reader N: ROUNDS reads; one result word per read in $W/r.N
reader() {
	local n=$1 i=0 fam rb args o=$W/h$1

	mkdir -p $o
	: > $W/r.$n
	while [ $i -lt $ROUNDS ]; do
		[ $(((i + n) % 2)) = 0 ] && fam=pci-tsm || fam=device-evidence
		case $(((i + n) % 3)) in
		0) rb=4096 ;;
		1) rb=32768 ;;
		*) rb=1048576 ;;
		esac
		args="--family $fam --rcvbuf $rb"
		[ $((i % 5)) = 4 ] && args="$args --digest"
		rm -f $o/*.bin
		if ptsm-nl read $args --quiet --out $o $EP0 2> $o/err; then
			case "$args" in
			*--digest*) [ "$(wc -c < $o/cert0.bin)" = 48 ] || {
					echo "BADDIGEST" >> $W/r.$n; i=$((i + 1)); continue; } ;;
			*) cmp -s $W/cert0 $o/cert0.bin && cmp -s $W/meas $o/measurements.bin || {
					echo "MISMATCH" >> $W/r.$n; i=$((i + 1)); continue; } ;;
			esac
			echo OK >> $W/r.$n
		else
			sed -n 's/^ptsm-nl: \([A-Z]*\):.*/\1/p' $o/err | head -n 1 >> $W/r.$n
		fi
		i=$((i + 1))
	done
}

# validator: VALIDATE whatever generation sysfs shows; ESTALE/ENXIO races ok
validator() {
	local i=0 g

	: > $W/v
	while [ $i -lt $ROUNDS ]; do
		g=$(gen $EP0)
		if ptsm-nl validate --quiet $EP0 "$g" 2> $W/v.err; then
			echo OK >> $W/v
		else
			sed -n 's/^ptsm-nl: \([A-Z]*\):.*/\1/p' $W/v.err | head -n 1 >> $W/v
		fi
		i=$((i + 1))
	done
}

core_stack noshim
mkblob $W/cert0 65536
mkblob $W/meas 65536
ev_connect $W/cert0 $W/meas

pids=""
for n in 1 2 3 4; do
	reader $n &
	pids="$pids $!"
done
validator &
pids="$pids $!"

c=0
while [ $c -lt $ROUNDS ]; do
	expect_ok "$(tf $EP0 disconnect)" "$LINK"
	expect_ok "$(tf $EP0 connect)" "$LINK"
	c=$((c + 1))
done
for p in $pids; do
	wait $p
done

for f in $W/r.1 $W/r.2 $W/r.3 $W/r.4 $W/v; do
	expect_eq $ROUNDS "$(wc -l < $f)" "results in $f"
	bad=$(grep -v -x -e OK -e EAGAIN -e ENXIO -e ESTALE $f | sort -u | tr '\n' ' ')
	[ -z "$bad" ] || fail "$f: unexpected results: $bad"
	[ $f = $W/v ] || ! grep -q ESTALE $f || fail "$f: ESTALE from a read"
	log "$(basename $f): $(sort $f | uniq -c | tr -s ' \n' ' ')"
done
grep -q OK $W/r.1 $W/r.2 $W/r.3 $W/r.4 || fail "no read succeeded at all"

# quiet again: a read now succeeds whole
nl_ok $W/final.txt --out $W $EP0
cmp $W/cert0 $W/cert0.bin || fail "CERT0 after the hammer"

ptsm_unload_all
exit 0
