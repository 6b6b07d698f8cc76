#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Function resets hammered against the verbs, the knob and system sleep
# (issue 16): the test module resets an endpoint function N times (default
# 1000) in a kernel thread (ptsm_test_observe's reset_loop: no fork per
# reset), one loop flips its reaccept policy, another runs suspend cycles
# (pm_test devices, on every kernel: the debug lane's too), while the test
# locks, refreshes, accepts and unlocks it
# and reads trust_level and accepted_digests; at the end devsec_tsm is
# unloaded with resets still coming. Judged by the kernel log scan
# (lockdep, KASAN and kmemleak on the debug lane) and by effects: once
# everything settled, an accepted function is in RUN and accepted at the
# generation it has (no accept of evidence a reset replaced); the function
# then still locks, accepts, takes a driver, is private, and comes back
# from one more reset with same-evidence; no encrypted range is left once
# the TSM is gone.
# vm: swiotlb=force
# vm: timeout=600
. /ptsm/tests/recovery-lib.sh

N=${RECOVERY_HAMMER_N:-1000}
# a window for lock and accept after every tenth reset: 100 ms, and 1.5 s
# on the debug lane (lockdep), where a verb round takes seconds
PAUSE=100
[ -e /proc/lockdep ] && PAUSE=1500

# reset_loop "DEV N PAUSE": the test module's reset thread, until it ends
reset_loop() {
	local st

	echo "$1" > $OBSD/reset_loop || fail "reset_loop $1"
	while read -r st < $OBSD/reset_loop && [ "$st" = running ]; do
		sleep 1
	done
}

recovery_stack
# a recovery waits for the responder with the device lock held, and a
# reset waiting for that lock keeps the freezer from freezing its task: 5 s
# stay well under the freezer's 20 s
echo 5000 > /sys/module/devsec_tsm/parameters/responder_timeout_ms
ptsm_load ptsm_test_observe
start_responder

recovery_listen
t0=$(date +%s)
(
	reset_loop "$D $N $PAUSE"
	touch /tmp/resets
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
grep -qw freeze /sys/power/state 2>/dev/null ||
	fail "no suspend to idle in /sys/power/state (CONFIG_SUSPEND)"
[ -w /sys/power/pm_test ] || fail "no /sys/power/pm_test (CONFIG_PM_DEBUG)"
# no 5 s wait in each cycle: the verbs are frozen for it
echo 0 > /sys/module/suspend/parameters/pm_test_delay || fail "pm_test_delay"
(
	echo devices > /sys/power/pm_test
	while [ ! -e /tmp/resets ]; do
		echo freeze > /sys/power/state && echo >> /tmp/sleeps
		sleep 8
	done
	echo none > /sys/power/pm_test
) &
SLEEPS=$!

i=0
ok=0
while [ ! -e /tmp/resets ]; do
	sysfs_write "$(tf $D lock)" "$SEC" > /dev/null
	[ $((i % 4)) -eq 0 ] &&
		ptsm-nl read --family device-evidence --mask 0x7ff --quiet \
			--nonce "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
			"$D" > /dev/null 2>&1
	[ "$(sysfs_write "$(tf $D accept)" 1)" = OK ] && ok=$((ok + 1))
	cat "$(tf $D trust_level)" "$(tf $D accepted_digests)" > /dev/null
	[ $((i % 3)) -eq 0 ] && sysfs_write "$(tf $D unlock)" "$SEC" > /dev/null
	i=$((i + 1))
done
wait $RESETS
t1=$(date +%s)
wait $SLEEPS
res=$(cat $OBSD/reset_loop)
left=$(grep -c "^$D needs-decision " $EVLOG)
again=$(grep -c "^$D reaccepted " $EVLOG)
susp=$(grep -c "^$D left-run suspend " $EVLOG)
cycles=$(cat /tmp/sleeps 2>/dev/null | wc -l)
log "$res in $((t1 - t0)) s against $i verb rounds: $ok accepts, $again re-accepted, $left not, $cycles suspend cycles, $susp left by suspend"
expect_eq "$D resets=$N failed=0" "$res" "reset loop"
[ $((t1 - t0)) -le 150 ] || log "NOTE: $N resets took $((t1 - t0)) s (target 150 s on a stock kernel)"
[ $ok -gt 0 ] || fail "no accept succeeded"
[ "$cycles" -gt 0 ] || fail "no suspend cycle completed during the resets"
[ $((left + again)) -gt 0 ] || fail "no reset ever hit an accepted function"

# settle: no recovery left to run once the knob stops moving
touch /tmp/stop
wait $FLIPS
sleep 3
if [ "$(rd $D accept)" = 1 ]; then
	expect_eq 2 "$(tdisp_state $D)" "accepted: emulated TDISP state"
	expect_eq 3 "$(rd $D trust_level)" "accepted: trust_level"
	expect_eq "generation $(rd $D evidence_generation)" \
		"$(grep ^generation "$(tf $D accepted_digests)")" "accepted generation"
fi

# the function still works: a driver, private, back after one more reset
echo 20000 > /sys/module/devsec_tsm/parameters/responder_timeout_ms
[ "$(rd $D lock)" = "$SEC" ] && sysfs_write "$(tf $D unlock)" "$SEC" > /dev/null
expect_ok "$(tf $D reaccept)" same-evidence
bound $D
echo $D > $OBSD/run
line=$(tr '\n' ' ' < $OBSD/run)
has_kv "$line" fdu=private map=direct bar0=encrypted ||
	fail "after the hammer: $D not private: $line"
echo 1 > "$PCI/$D/reset" || fail "reset of $D"
wait_event $D reaccepted reset -
expect_eq ptsm_test_observe "$(driver_of $D)" "after the hammer: driver"
expect_ok "$DRV/ptsm_test_observe/unbind" $D

# the TSM goes away under resets
rm -f /tmp/resets
sysfs_write "$(tf $D accept)" 1 > /dev/null
reset_loop "$D 200 $PAUSE" &
RESETS=$!
stop_responder
ptsm_unload devsec_tsm
wait $RESETS
kill $LISTENER 2>/dev/null
expect_eq "<none>" "$(rd $D accept)" "after rmmod devsec_tsm"
expect_eq 0 "$(encrypted_in_bar0 $D)" "encrypted ranges after rmmod devsec_tsm"
core_cleanup
exit 0
