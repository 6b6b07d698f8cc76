#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A refresh waiting for a slow responder stalls nobody but its own caller
# (issue 14 E): while the devsec TSM's responder sits on a refresh of
# EP0F1 (15 s), the sibling EP0 in the same slot is read (tsm/lock,
# tsm/accept, tsm/mmio_reporting_offset), unlocked and locked again,
# VALIDATEd, accepted and unlocked from RUN; then the
# sibling is removed. Each of these must return in a few seconds, not
# when the responder answers, and the refresh still gets evidence over its
# nonce. Unlocking the refreshing function itself does not wait either,
# and the late answer is not published on the unlocked function.
# vm: timeout=240
. /ptsm/tests/evidence-lib.sh

F=
for d in /ptsm/fixtures/*/good; do
	[ -f "$d/measurements.bin" ] && { F=$d; break; }
done
[ -n "$F" ] || fail "no fixture case */good in /ptsm/fixtures"
command -v devsec-responder >/dev/null || fail "devsec-responder not in the VM"

DELAY=15000
TMO=/sys/module/devsec_tsm/parameters/responder_timeout_ms
# MAX: what a prompt sysfs access or removal may take under TCG (centiseconds)
MAX=500

now() { # centiseconds since boot
	local u

	read -r u _ < /proc/uptime
	echo $((${u%.*} * 100 + 1${u#*.} - 100))
}

# timed WHAT CMD...: run CMD, fail if it fails or took more than MAX
timed() {
	local what=$1 t0 t1 rc

	shift
	t0=$(now)
	"$@"
	rc=$?
	t1=$(now)
	log "$what: $((t1 - t0)) cs"
	[ $rc -eq 0 ] || fail "$what failed: rc $rc"
	[ $((t1 - t0)) -le $MAX ] ||
		fail "$what took $(((t1 - t0) / 100)) s: it waited for the sibling's refresh (responder delay $((DELAY / 1000)) s)"
}

# read_to OUT FILE: cat FILE > OUT
read_to() {
	cat "$2" > "$1"
}

# slow_refresh DELAY_MS WHAT: a responder answering after DELAY_MS, and a
# refresh of EP0F1 over $NONCE in the background ($REFRESH; its exit status
# goes to $W/refresh.rc), waiting for it to reach the responder
slow_refresh() {
	local i=0

	rm -f $W/ready
	devsec-responder --tsm "${SEC#tsm}" --fixture "$F" --ready-file $W/ready \
		--verbose --delay-ms "$1" 2> $W/resp.log &
	RPID=$!
	wait_for $W/ready 20
	rm -rf $W/o $W/refresh.rc
	mkdir -p $W/o
	( ptsm-nl read --family device-evidence --nonce $NONCE --quiet --out $W/o \
		$EP0F1 > /dev/null 2> $W/refresh.err; echo $? > $W/refresh.rc ) &
	REFRESH=$!
	until grep -q "request .* for $EP0F1" $W/resp.log; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "the $2 refresh of $EP0F1 never reached the responder"
		usleep 100000
	done
}

core_stack
echo 30000 > $TMO || fail "responder_timeout_ms"
set_blob "$SEC" certs "$F/cert0.bin"
set_blob "$SEC" vca "$F/vca.bin"
set_blob "$SEC" transcript "$F/measurements.bin"
expect_ok "$(tf $EP0 lock)" "$SEC"
expect_ok "$(tf $EP0F1 lock)" "$SEC"

NONCE=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
slow_refresh $DELAY first
G1=$(gen $EP0F1)

# the sibling, meanwhile
timed "read $EP0 tsm/lock" read_to $W/lock "$(tf $EP0 lock)"
expect_eq "$SEC" "$(cat $W/lock)" "$EP0 tsm/lock"
timed "read $EP0 tsm/accept" read_to /dev/null "$(tf $EP0 accept)"
timed "read $EP0 tsm/mmio_reporting_offset" read_to /dev/null "$(tf $EP0 mmio_reporting_offset)"
timed "unlock $EP0" expect_ok "$(tf $EP0 unlock)" "$SEC"
timed "lock $EP0" expect_ok "$(tf $EP0 lock)" "$SEC"
G0=$(gen $EP0)
timed "VALIDATE $EP0" ptsm-nl validate --quiet $EP0 "$G0"
timed "accept $EP0" expect_ok "$(tf $EP0 accept)" 1
timed "unlock $EP0 from RUN" expect_ok "$(tf $EP0 unlock)" "$SEC"
# the refreshing function's own state reads do not wait either
timed "read $EP0F1 tsm/lock" read_to /dev/null "$(tf $EP0F1 lock)"
expect_eq "$G1" "$(gen $EP0F1)" "$EP0F1 generation while its refresh waits"
[ -e $W/refresh.rc ] && fail "the refresh ended early: rc $(cat $W/refresh.rc)"

# removal of the sibling does not wait for the refresh
timed "remove $EP0" expect_ok $PCI/$EP0/remove 1
[ -e $PCI/$EP0 ] && fail "$EP0 still present after its removal"
[ -e $W/refresh.rc ] && fail "the sibling's removal ended the refresh of $EP0F1"

# the refresh itself still completes, over its nonce
wait $REFRESH
expect_eq 0 "$(cat $W/refresh.rc)" "refresh of $EP0F1 ($(head -n 1 $W/refresh.err))"
expect_eq $NONCE "$(od -An -tx1 -j4 -N32 $W/o/measurements.bin | tr -d ' \n')" \
	"MEASUREMENTS over the nonce"
kill $RPID 2> /dev/null
wait $RPID 2> /dev/null
echo 1 > /sys/bus/pci/rescan
wait_for "$PCI/$EP0/tsm/lock"

# unlocking the refreshing function itself does not wait either; what the
# responder answers afterwards is not published on the unlocked function
slow_refresh 4000 second
timed "unlock $EP0F1 while it refreshes" expect_ok "$(tf $EP0F1 unlock)" "$SEC"
G2=$(gen $EP0F1)
wait $REFRESH
rc=$(cat $W/refresh.rc)
log "refresh of a function unlocked meanwhile: rc $rc: $(head -n 1 $W/refresh.err)"
[ "$rc" -ne 0 ] || fail "a refresh published evidence on a function unlocked during it"
expect_eq "$G2" "$(gen $EP0F1)" "$EP0F1 generation after the late answer"
mkdir -p $W/o2
expect_nl_err ENXIO "" read --family device-evidence --quiet --out $W/o2 $EP0F1
kill $RPID 2> /dev/null
wait $RPID 2> /dev/null
core_cleanup
exit 0
