#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Nonce refresh through /dev/devsec-responder-tsmN (both sample TSMs):
# no responder -> EOPNOTSUPP, a silent responder -> ETIMEDOUT, a refusal
# -> its errno, an answer over another nonce or garbage -> EPROTO, an
# answer with a wrong id -> ETIMEDOUT (nothing published in either case),
# a good answer -> a new generation whose MEASUREMENTS carries the nonce
# while CERT0/VCA (and REPORT for a locked function) stay the same. A
# removal of the device ends its refresh (ENODEV) instead of waiting.
# Needs the fixtures and tools of tests/tools (ptsm-nl, devsec-responder).
# vm: timeout=180
. /ptsm/tests/devsec-lib.sh

F=/ptsm/fixtures/p384/good
[ -f $F/cert0.bin ] || fail "no fixtures in /ptsm/fixtures (tests/tools not built?)"
command -v ptsm-nl >/dev/null || fail "ptsm-nl not in the VM"
command -v devsec-responder >/dev/null || fail "devsec-responder not in the VM"

EOPNOTSUPP=95 ETIMEDOUT=110 EPROTO=71 EPERM=1 ENXIO=6 ENODEV=19

nonce() {
	od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# refresh DEV NONCE OUTDIR: device-evidence READ with NONCE; echoes status
refresh() {
	rm -rf "$3"
	mkdir -p "$3"
	ptsm-nl read --family device-evidence --mask 0x7ff --nonce "$2" \
		--out "$3" --quiet "$1" >/dev/null 2>/tmp/nlerr
	echo $?
}

# nonce_at FILE: hex of bytes 4..35 (the GET_MEASUREMENTS request nonce)
nonce_at() {
	od -An -tx1 -j4 -N32 "$1" | tr -d ' \n'
}

# start_responder TSM ARGS...: background responder, waits until attached
start_responder() {
	local t=$1 i=0

	shift
	rm -f /tmp/ready
	log "devsec-responder --tsm ${t#tsm} $*"
	devsec-responder --tsm "${t#tsm}" --ready-file /tmp/ready "$@" &
	RESP=$!
	while [ ! -e /tmp/ready ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "responder did not attach"
		usleep 100000
	done
}

stop_responder() {
	kill "$RESP" 2>/dev/null
	wait "$RESP" 2>/dev/null
}

check_tsm() { # TSM DEV: DEV is connected/locked through TSM
	local t=$1 d=$2 n g

	n=$(nonce)
	expect_eq $EOPNOTSUPP "$(refresh $d $n /tmp/e0)" "$t: no responder"

	start_responder $t --fixture $F --delay-ms 6000
	expect_eq $ETIMEDOUT "$(refresh $d $n /tmp/e0)" "$t: silent responder"
	stop_responder

	start_responder $t --fixture $F --refuse=$EPERM
	expect_eq $EPERM "$(refresh $d $n /tmp/e0)" "$t: refusing responder"
	stop_responder

	g=$(cat $PCI/$d/tsm/evidence_generation)
	start_responder $t --fixture $F --echo-wrong-nonce
	expect_eq $EPROTO "$(refresh $d $n /tmp/e0)" "$t: answer over another nonce"
	stop_responder
	expect_eq "$g" "$(cat $PCI/$d/tsm/evidence_generation)" "$t: nothing published"

	start_responder $t --fixture $F --garbage
	expect_eq $EPROTO "$(refresh $d $n /tmp/e0)" "$t: garbage answer"
	stop_responder

	# an answer to another request id is refused (ESTALE): the refresh times out
	start_responder $t --fixture $F --wrong-id
	expect_eq $ETIMEDOUT "$(refresh $d $n /tmp/e0)" "$t: answer with a wrong id"
	stop_responder
	expect_eq "$g" "$(cat $PCI/$d/tsm/evidence_generation)" "$t: still nothing published"

	rm -rf /tmp/before
	mkdir -p /tmp/before
	ptsm-nl read --family device-evidence --mask 0x7ff --out /tmp/before \
		--quiet $d >/dev/null || fail "$t: plain read"
	start_responder $t --fixture $F --count 1
	expect_eq 0 "$(refresh $d $n /tmp/e1)" "$t: good responder ($(cat /tmp/nlerr))"
	wait "$RESP" 2>/dev/null
	[ "$(cat $PCI/$d/tsm/evidence_generation)" -gt "$g" ] || fail "$t: no new generation"
	expect_eq "$n" "$(nonce_at /tmp/e1/measurements.bin)" "$t: MEASUREMENTS over the nonce"
	cmp /tmp/before/cert0.bin /tmp/e1/cert0.bin || fail "$t: CERT0 changed"
	cmp /tmp/before/vca.bin /tmp/e1/vca.bin || fail "$t: VCA changed"
	cmp /tmp/before/report.bin /tmp/e1/report.bin || fail "$t: REPORT changed"
	cmp -s $F/measurements.bin /tmp/e1/measurements.bin &&
		fail "$t: stale MEASUREMENTS returned"
	return 0
}

for m in tsm_core pci_tsm tsm_shim devsec_bus; do
	ptsm_load $m
done
ptsm_load devsec_link_tsm responder_timeout_ms=2000
ptsm_load devsec_tsm responder_timeout_ms=2000
LINK=$(tsm_by_mode link) || fail "no link TSM"
DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"
for t in $LINK $DEVSEC; do
	cat $F/cert0.bin > /sys/class/tsm/$t/device/certs || fail "certs"
	cat $F/vca.bin > /sys/class/tsm/$t/device/vca || fail "vca"
	cat $F/measurements.bin > /sys/class/tsm/$t/device/transcript || fail "transcript"
done

# a device not connected/locked through the TSM: no request reaches it
start_responder $LINK --fixture $F
expect_eq $ENXIO "$(refresh $EP0 "$(nonce)" /tmp/e0)" "refresh of an idle device"
stop_responder

expect_ok $PCI/$EP0/tsm/connect $LINK
check_tsm $LINK $EP0
expect_ok $PCI/$EP1F1/tsm/lock $DEVSEC
check_tsm $DEVSEC $EP1F1

# a second responder cannot attach
start_responder $DEVSEC --fixture $F
devsec-responder --tsm "${DEVSEC#tsm}" --fixture $F --count 1 2>/dev/null &&
	fail "second responder attached"
stop_responder

# the wait a refresh may hold its slot lock for is bounded: 1..60000 ms
TMO=/sys/module/devsec_tsm/parameters/responder_timeout_ms
expect_errno EINVAL $TMO 60001
expect_errno EINVAL $TMO 0
expect_eq 2000 "$(cat $TMO)" "responder_timeout_ms after refused writes"
expect_ok $TMO 60000
expect_ok $TMO 2000

# a hot-remove does not wait out a refresh of the device being removed:
# the refresh ends with ENODEV, the removal returns well before the
# responder's timeout
expect_ok $TMO 30000
rm -f /tmp/ready /tmp/resp.log
devsec-responder --tsm "${DEVSEC#tsm}" --ready-file /tmp/ready --verbose \
	--fixture $F --delay-ms 60000 2> /tmp/resp.log &
RESP=$!
wait_for /tmp/ready
(refresh $EP1F1 "$(nonce)" /tmp/e2 > /tmp/rc2) &
RPID=$!
i=0
until grep -q "request .* for $EP1F1" /tmp/resp.log; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the refresh of $EP1F1 never reached the responder"
	usleep 100000
done
t0=$(date +%s)
echo 1 > $PCI/$EP1F1/remove
t1=$(date +%s)
wait $RPID
log "removal during a refresh took $((t1 - t0)) s (responder timeout 30 s)"
[ $((t1 - t0)) -le 5 ] || fail "the removal waited $((t1 - t0)) s for the refresh"
expect_eq $ENODEV "$(cat /tmp/rc2)" "refresh of a device being removed ($(cat /tmp/nlerr))"
stop_responder
expect_ok $TMO 2000
echo 1 > /sys/bus/pci/rescan
wait_for $PCI/$EP1F1/tsm/lock
ptsm_unload_all
exit 0
