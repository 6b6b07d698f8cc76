#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Accept is bound to the evidence that was validated (issue 14 D), with
# pci_tsm require_validate=1 on a function locked through devsec_tsm:
# - two clients refresh concurrently, each with its own nonce: each gets
#   MEASUREMENTS over its own nonce, or an error, never the other's;
# - 1000 rounds of lock, VALIDATE of the generation read, accept, unlock
#   race a client refreshing (the accept and refresh threads of
#   tests/tools/nlclient/ptsm-hammer, each refresh started at another point
#   of the round): every lock and unlock succeeds, every accept that
#   succeeds went to RUN at the very generation this round validated
#   (pci_tsm's RUN line), and some accepts lost the race (ESTALE), so the
#   race was run;
# - VALIDATE and a nonce need CAP_SYS_ADMIN, a plain read does not.
# The 1000 rounds take about 10 s on Debian's kernels under TCG (they took
# half a second each as a shell loop); evidence-lock-hammer.sh adds
# removals and TSM reloads to the same race. ptsm_race_rounds=N on the
# kernel command line changes the number of rounds.
# vm: timeout=300
. /ptsm/tests/evidence-lib.sh

ROUNDS=1000
for a in $(cat /proc/cmdline); do
	case $a in
	ptsm_race_rounds=*) ROUNDS=${a#ptsm_race_rounds=} ;;
	esac
done
D=$EP0F1
T=$PCI/$D/tsm

# request nonce of the MEASUREMENTS object FILE (bytes 4..35), as hex
meas_nonce() {
	od -v -An -tx1 -j4 -N32 "$1" | tr -d ' \n'
}

# refresher NONCE TAG N: N refreshes; one result word per read in $W/r.TAG
refresher() {
	local i=0 o=$W/o.$2

	mkdir -p $o
	: > $W/r.$2
	while [ $i -lt "$3" ]; do
		rm -f $o/measurements.bin
		if ptsm-nl read --family device-evidence --nonce "$1" --quiet \
			--out $o $D 2> $o/err; then
			if [ "$(meas_nonce $o/measurements.bin)" = "$1" ]; then
				echo OK >> $W/r.$2
			else
				echo FOREIGN >> $W/r.$2
			fi
		else
			sed -n 's/^ptsm-nl: \([A-Z]*\):.*/\1/p' $o/err | head -n 1 >> $W/r.$2
		fi
		i=$((i + 1))
	done
}

FX=
for d in /ptsm/fixtures/*/good; do
	[ -f "$d/leaf.key" ] && [ -f "$d/measurements.bin" ] && { FX=$d; break; }
done
[ -n "$FX" ] || fail "no fixture case */good in /ptsm/fixtures"

core_stack
echo 1 > /sys/module/pci_tsm/parameters/require_validate || fail "require_validate"
echo 20000 > /sys/module/devsec_tsm/parameters/responder_timeout_ms ||
	fail "responder_timeout_ms"
set_blob "$SEC" certs "$FX/cert0.bin"
set_blob "$SEC" vca "$FX/vca.bin"
set_blob "$SEC" transcript "$FX/measurements.bin"
devsec-responder --tsm "${SEC#tsm}" --fixture "$FX" --ready-file $W/ready \
	> $W/resp.log 2>&1 &
RPID=$!
wait_for $W/ready 20
kmsg_follow $W/kmsg

# privileges: dumps at CAP_NET_ADMIN, VALIDATE and nonce at CAP_SYS_ADMIN
expect_ok $T/lock "$SEC"
G=$(gen $D)
expect_nl_err EPERM "" validate --drop-sys-admin $D $G
expect_nl_err EPERM "" read --drop-sys-admin \
	--nonce 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f $D
nl_ok $W/plain --drop-sys-admin $D
ptsm-nl validate --quiet $D $G || fail "VALIDATE $G with CAP_SYS_ADMIN"
expect_ok $T/accept 1
expect_ok $T/unlock "$SEC"

# two clients, two nonces, at once
expect_ok $T/lock "$SEC"
NA=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
NB=5051525354555657585950515253545556575859505152535455565758595051
refresher $NA a 15 &
pa=$!
refresher $NB b 15 &
pb=$!
wait $pa
wait $pb
for t in a b; do
	log "client $t: $(sort $W/r.$t | uniq -c | tr '\n' ' ')"
	grep -q FOREIGN $W/r.$t && fail "client $t got evidence over the other client's nonce"
	grep -q OK $W/r.$t || fail "client $t never got evidence over its nonce"
done
expect_ok $T/unlock "$SEC"

# the accept race (ptsm-hammer without its sibling thread: "-")
t0=$(date +%s)
ptsm-hammer "$ROUNDS" "$SEC" $W $D - - $NA $NB || fail "ptsm-hammer: rc $?"
t1=$(date +%s)
[ -s $W/acc.errors ] &&
	fail "lock or unlock failed in the race: $(head -n 3 $W/acc.errors | tr '\n' ' ')"
ok=$(wc -l < $W/accepted)
lost=$((ROUNDS - ok))
sleep 1
kmsg_stop $W/kmsg
log "accept race: $ROUNDS rounds in $((t1 - t0)) s, $ok accepted, $lost refused; refresher: $(sort $W/r.a | uniq -c | tr '\n' ' ')"
grep -q FOREIGN $W/r.a && fail "refresher got evidence over another nonce"
[ "$ok" -gt 0 ] || fail "no accept succeeded"
[ "$lost" -gt 0 ] || fail "no accept lost the race: the race was not run"
grep -q OK $W/r.a || fail "no refresh succeeded during the race"
sed -n "s/.*$D: pci_tsm: TDISP RUN: accepted through $SEC at evidence generation \([0-9]*\)$/\1/p" \
	$W/kmsg | tail -n "$ok" > $W/run
cmp -s $W/accepted $W/run || {
	log "validated: $(tr '\n' ' ' < $W/accepted | tail -c 400)"
	log "at RUN:    $(tr '\n' ' ' < $W/run | tail -c 400)"
	fail "an accept went to RUN at a generation other than the one validated"
}
kill $RPID
wait $RPID 2> /dev/null
core_cleanup
exit 0
