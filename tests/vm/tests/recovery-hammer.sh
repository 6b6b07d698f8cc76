#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Function resets hammered against the verbs and the knob (issue 16): one
# loop resets an endpoint function over and over, another flips its
# reaccept policy, while the test locks, refreshes, accepts and unlocks it
# and reads trust_level and accepted_digests; at the end devsec_tsm is
# unloaded with resets still coming. Judged by the kernel log scan
# (lockdep, KASAN and kmemleak on the debug lane) and by the end state:
# once everything settled, accept 1 only with the emulated TDI in RUN, and
# no encrypted range left after the unlock.
# vm: swiotlb=force
# vm: timeout=420
. /ptsm/tests/recovery-lib.sh

N=${RECOVERY_HAMMER_N:-300}

recovery_stack
start_responder

# what became of each reset of an accepted function: its uevents
recovery_listen
(
	i=0
	while [ $i -lt "$N" ] && [ ! -e /tmp/stop ]; do
		echo 1 > "$PCI/$D/reset" 2>/dev/null
		i=$((i + 1))
		usleep $((50000 + (i % 7) * 40000))
		# a window for lock and accept on slow (debug) kernels
		[ $((i % 10)) -eq 0 ] && sleep 1
	done
	echo $i > /tmp/resets
) &
RESETS=$!
(
	while [ ! -e /tmp/stop ]; do
		echo same-evidence > "$(tf $D reaccept)"
		usleep 30000
		echo never > "$(tf $D reaccept)"
		usleep 20000
	done
) &
FLIPS=$!

i=0
ok=0
while [ ! -e /tmp/resets ]; do
	sysfs_write "$(tf $D lock)" "$SEC" > /dev/null
	[ $((i % 4)) -eq 0 ] &&
		ptsm-nl read --family device-evidence --mask 0x7ff --quiet \
			--nonce "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
			"$D" > /dev/null 2>&1
	[ "$(sysfs_write "$(tf $D accept)" 1)" = OK ] && ok=$((ok + 1))
	usleep $(((i % 5) * 60000))
	cat "$(tf $D trust_level)" "$(tf $D accepted_digests)" > /dev/null
	[ $((i % 3)) -eq 0 ] && sysfs_write "$(tf $D unlock)" "$SEC" > /dev/null
	i=$((i + 1))
done
sleep 2
left=$(grep -c "^$D needs-decision reset " $EVLOG)
again=$(grep -c "^$D reaccepted reset " $EVLOG)
log "$(cat /tmp/resets) resets against $i verb rounds: $ok accepts, $again re-accepted, $left not"
[ "$(cat /tmp/resets)" -ge "$N" ] || fail "only $(cat /tmp/resets) resets"
[ $ok -gt 0 ] || fail "no accept succeeded"
[ $((left + again)) -gt 0 ] || fail "no reset ever hit an accepted function"

# settle: no recovery left to run once the knob stops moving
touch /tmp/stop
wait $FLIPS
sleep 3
if [ "$(rd $D accept)" = 1 ]; then
	expect_eq 2 "$(tdisp_state $D)" "accepted: emulated TDISP state"
	expect_eq 3 "$(rd $D trust_level)" "accepted: trust_level"
fi

# the TSM goes away under resets
rm -f /tmp/stop /tmp/resets
sysfs_write "$(tf $D lock)" "$SEC" > /dev/null
sysfs_write "$(tf $D accept)" 1 > /dev/null
(
	i=0
	while [ $i -lt 20 ]; do
		echo 1 > "$PCI/$D/reset" 2>/dev/null
		i=$((i + 1))
	done
) &
RESETS=$!
kill $RESP 2>/dev/null
wait $RESP 2>/dev/null
ptsm_unload devsec_tsm
wait $RESETS
kill $LISTENER 2>/dev/null
expect_eq "<none>" "$(rd $D accept)" "after rmmod devsec_tsm"
expect_eq 0 "$(encrypted_in_bar0 $D)" "encrypted ranges after rmmod devsec_tsm"
core_cleanup
exit 0
