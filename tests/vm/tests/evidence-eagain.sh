#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Evidence replaced during a dump: the dump fails with EAGAIN ("evidence
# updated during read") and never hands out a mix of two sets. ptsm-nl
# reads with a 4 KiB receive buffer and pauses after its first message
# while the evidence changes: PF0 reconnected (link TSM), and a locked
# function re-locked (devsec TSM); both families. A read after the change
# returns the new set whole.
# vm: timeout=150
. /ptsm/tests/evidence-lib.sh

# paused_read FAM DEV: start a read that pauses after its first message;
# sets PID once it is paused
paused_read() {
	rm -f $W/paused $W/resume
	ptsm-nl read --family "$1" --rcvbuf 4096 --pause 30 \
		--pause-marker $W/paused --resume $W/resume --out $W/p "$2" \
		> $W/p.out 2> $W/p.err &
	PID=$!
	wait_for $W/paused 20
}

# expect_eagain: resume the paused read and check it failed with EAGAIN
expect_eagain() {
	local rc

	touch $W/resume
	wait $PID
	rc=$?
	expect_eq 11 "$rc" "paused read exit status ($(cat $W/p.err))"
	grep -q "ptsm-nl: EAGAIN: evidence updated during read" $W/p.err ||
		fail "paused read: $(cat $W/p.err)"
	log "paused read: $(cat $W/p.err)"
}

core_stack noshim
mkdir -p $W/p $W/n
mkblob $W/cert0 65536
mkblob $W/meas 65536
ev_connect $W/cert0 $W/meas

for fam in pci-tsm device-evidence; do
	G=$(gen $EP0)
	paused_read $fam $EP0
	expect_ok "$(tf $EP0 disconnect)" "$LINK"
	expect_ok "$(tf $EP0 connect)" "$LINK"
	[ "$(gen $EP0)" -gt "$G" ] || fail "reconnect did not move the generation"
	expect_eagain
	nl_ok $W/n.txt --family $fam --out $W/n $EP0
	cmp $W/cert0 $W/n/cert0.bin || fail "$fam: CERT0 after reconnect"
done

# a paused read that sees no change completes
paused_read pci-tsm $EP0
touch $W/resume
wait $PID || fail "undisturbed paused read: $(cat $W/p.err)"
cmp $W/cert0 $W/p/cert0.bin || fail "undisturbed paused read: CERT0"
cmp $W/meas $W/p/measurements.bin || fail "undisturbed paused read: MEASUREMENTS"

# re-lock of a function through the devsec TSM
set_blob "$SEC" certs $W/cert0
set_blob "$SEC" transcript $W/meas
expect_ok "$(tf $EP1F1 lock)" "$SEC"
for fam in device-evidence pci-tsm; do
	paused_read $fam $EP1F1
	expect_ok "$(tf $EP1F1 unlock)" "$SEC"
	expect_ok "$(tf $EP1F1 lock)" "$SEC"
	expect_eagain
done
nl_ok $W/l.txt --family device-evidence --out $W/n $EP1F1
[ "$(field $W/l.txt report length)" -gt 0 ] || fail "no REPORT for the locked function"
cmp $W/meas $W/n/measurements.bin || fail "MEASUREMENTS of the locked function"

ptsm_unload_all
exit 0
