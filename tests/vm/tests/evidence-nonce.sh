#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Fresh evidence over a caller's nonce (docs/ABI.md 3.2, 4.): a READ with
# NONCE makes the sample TSM ask its userspace responder
# (tests/tools/devsec-responder) for MEASUREMENTS over that nonce and
# publish them under a new generation; the dump then carries exactly that
# nonce in the GET_MEASUREMENTS request. Without a responder, with a slow
# one, a refusing one or one that answers over another nonce, the READ
# fails -- it never returns evidence signed over a different nonce.
# vm: timeout=150
. /ptsm/tests/evidence-lib.sh

# request nonce of the MEASUREMENTS object FILE (bytes 4..35), as hex
meas_nonce() {
	od -v -An -tx1 -j4 -N32 "$1" | tr -d ' \n'
}

# responder ARGS...: start devsec-responder for $LINK; sets RPID
responder() {
	rm -f $W/ready
	devsec-responder --tsm "${LINK#tsm}" --fixture "$FX" \
		--ready-file $W/ready "$@" > $W/resp.log 2>&1 &
	RPID=$!
	wait_for $W/ready 20
}

# fail with the responder's log
rfail() {
	log "responder log: $(cat $W/resp.log)"
	fail "$@"
}

stop_responder() {
	kill "$RPID" 2>/dev/null
	wait "$RPID" 2>/dev/null
	RPID=
}

FX=
for d in /ptsm/fixtures/*/good; do
	[ -f "$d/leaf.key" ] && [ -f "$d/measurements.bin" ] && { FX=$d; break; }
done
[ -n "$FX" ] || fail "no fixture case */good in /ptsm/fixtures (tests/tools fixtures not built?)"
log "fixture $FX"

N1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
N2=f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f

core_stack noshim
mkdir -p $W/o
# generous: the responder signs under TCG
TMO=/sys/module/devsec_link_tsm/parameters/responder_timeout_ms
echo 20000 > $TMO || fail "set responder_timeout_ms"
set_blob "$LINK" certs "$FX/cert0.bin"
set_blob "$LINK" vca "$FX/vca.bin"
set_blob "$LINK" transcript "$FX/measurements.bin"
expect_ok "$(tf $EP0 connect)" "$LINK"
G0=$(gen $EP0)

# no responder: the TSM cannot refresh; nothing changes
expect_nl_err EOPNOTSUPP "cannot refresh" read --family device-evidence --nonce $N1 $EP0
expect_eq "$G0" "$(gen $EP0)" "generation after a failed refresh"

responder
for fam in device-evidence pci-tsm; do
	for n in $N1 $N2; do
		g=$(gen $EP0)
		ptsm-nl read --family $fam --mask 301 --nonce $n --out $W/o $EP0 \
			> $W/n.txt 2> $W/n.err ||
			rfail "$fam nonce read: $(cat $W/n.err)"
		expect_eq "$n" "$(meas_nonce $W/o/measurements.bin)" "$fam: nonce in MEASUREMENTS"
		[ "$(gen $EP0)" -gt "$g" ] || fail "$fam: refresh did not move the generation"
		cmp "$FX/cert0.bin" $W/o/cert0.bin || fail "$fam: CERT0 changed by a refresh"
		cmp "$FX/vca.bin" $W/o/vca.bin || fail "$fam: VCA changed by a refresh"
		[ $fam = pci-tsm ] ||
			expect_eq "$(gen $EP0)" "$(field $W/n.txt cert0 generation)" \
				"$fam: dump generation is the refreshed one"
	done
done
# a plain read afterwards returns the last refreshed MEASUREMENTS
nl_ok $W/p.txt --mask 200 --out $W/o $EP0
expect_eq "$N2" "$(meas_nonce $W/o/measurements.bin)" "plain read after refresh"
stop_responder

# a responder that answers over another nonce, refuses, or is too slow
for bad in --echo-wrong-nonce --refuse --garbage; do
	responder $bad
	g=$(gen $EP0)
	ptsm-nl read --family device-evidence --nonce $N1 --out $W/o $EP0 \
		> $W/b.out 2> $W/b.err && fail "refresh with responder $bad succeeded"
	log "responder $bad: $(cat $W/b.err)"
	stop_responder
done
echo 500 > $TMO || fail "set responder_timeout_ms"
responder --delay-ms 3000
expect_nl_err ETIMEDOUT "timed out" read --family device-evidence --nonce $N1 $EP0
stop_responder

ptsm_unload_all
exit 0
