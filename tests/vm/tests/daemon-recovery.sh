#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# tsm-verifierd re-decides after a function reset (issue 16 part 4) on the
# kernel's recovery uevents (docs/ABI.md 5.1). EP0 is accepted and bound
# to devsec_pci, with tsm/reaccept = never, so that each reset
# (echo 1 > reset: the PCI core's own reset path) ends with pci_tsm's
# left-run and needs-decision uevents and the daemon decides:
#  1. same evidence: accepted again ("revalidated after reset: same
#     evidence"), back in RUN (trust_level 3), devsec_pci binds again;
#     `tsmctl watch` printed the recovery events, `tsmctl show` lists them
#     in the history; then with tsm/reaccept = same-evidence pci_tsm
#     re-accepts in the kernel and the daemon confirms it ("kernel
#     re-accepted after reset: same evidence");
#  2. a firmware update (measurement 1 changed, SVN + 1) under the
#     fixture's rule, which has measurement.svn-min: accepted;
#  3. back to the old SVN (a downgrade, still above svn-min): denied,
#     held, unbound;
#  4. a reload with the updated firmware presented again: accepted (same
#     evidence as the last accepted);
#  5. measurement 2 changed, SVN unchanged: denied ("measurement 2
#     changed"), held, unbound.
# Without the kernel side of issue 16 (tsm/reaccept, tsm/trust_level and
# the recovery uevents) this test fails at its first check.
# vm: timeout=600
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

drv() {
	[ -L "$PCI/$1/driver" ] && basename "$(readlink "$PCI/$1/driver")"
	return 0
}

# wait_reason DEV PATTERN [SECONDS]: DEV's reason matches PATTERN (grep -E)
wait_reason() {
	local i=0 n=$((${3:-120} * 5))

	until field "$1" Reason | grep -qE "$2"; do
		i=$((i + 1))
		[ $i -le $n ] ||
			fail "$1: no decision matching '$2' after ${3:-120} s: $(decision "$1"): $(field "$1" Reason)"
		usleep 200000
	done
}

# reset_ep0 WHAT: a function reset; the daemon hears left-run and needs-decision
reset_ep0() {
	local before

	before=$(grep -c "$EP0: needs-decision (cause reset" $DLOG)
	echo 1 > $PCI/$EP0/reset || fail "function reset of $EP0 ($1)"
	i=0
	until [ "$(grep -c "$EP0: needs-decision (cause reset" $DLOG)" -gt "$before" ]; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "$1: no needs-decision uevent for $EP0's reset reached the daemon"
		usleep 200000
	done
}

# expect_in_run WHEN: accepted, in RUN, and devsec_pci binds it. pci_tsm's
# hold replaced the driver_override that chose devsec_pci when the device
# left RUN (so that it cannot bind before the device is verified anew); an
# administrator sets it again, and the PCI core probes it (as the daemon's
# drivers_probe does for a driver that matches by id).
expect_in_run() {
	expect_eq accepted "$(decision $EP0)" "$EP0 decision $1"
	expect_eq 1 "$(cat $PCI/$EP0/tsm/accept)" "$EP0 tsm/accept $1"
	expect_eq 3 "$(cat $PCI/$EP0/tsm/trust_level)" "$EP0 trust_level $1"
	if [ "$(drv $EP0)" != devsec_pci ]; then
		echo devsec_pci > "$PCI/$EP0/driver_override" || fail "driver_override of $EP0 $1"
		echo $EP0 > /sys/bus/pci/drivers_probe 2>/dev/null
	fi
	wait_for $PCI/$EP0/driver 10
	expect_eq devsec_pci "$(drv $EP0)" "$EP0 driver $1"
}

expect_out() {
	expect_eq denied "$(decision $EP0)" "$EP0 decision $1"
	expect_held_unbound $EP0
	expect_eq 0 "$(cat $PCI/$EP0/tsm/trust_level)" "$EP0 trust_level $1"
}

daemon_modules
for a in reaccept trust_level accepted_digests; do
	[ -e "$PCI/$EP0/tsm/$a" ] ||
		fail "$EP0 has no tsm/$a: pci_tsm lacks the recovery support of docs/ABI.md 5.1"
done
[ -e "$PCI/$EP0/reset" ] || fail "$EP0 has no reset attribute (no function reset in the sample)"
fixture_load good
# The fixture's rule for EP0 alone, without its measurement pins: what a
# reset may change is decided by the daemon's comparison with what it
# accepted before; the rule keeps its measurement.svn-min.
policy_install good
f=$TSMETC/policy.d/50-fixture.conf
sed -i '/^measurement\.[0-9]/d' $f
awk -v a="$EP0" '{ print } /^\[rule / { print "match.address = " a }' $f > $f.new && mv $f.new $f
S=$(sed -n 's/^measurement\.svn-min = //p' $f)
[ -n "$S" ] || fail "the fixture's policy has no measurement.svn-min"
config_write
responder_start good
echo devsec_pci > "$PCI/$EP0/driver_override" || fail "driver_override of $EP0"
daemon_start
expect_eq accepted "$(wait_decided $EP0 180)" "$EP0 under the fixture's rule"
wait_all_decided 180
expect_in_run "at first"
echo never > $PCI/$EP0/tsm/reaccept || fail "tsm/reaccept = never"
expect_eq never "$(cat $PCI/$EP0/tsm/reaccept)" "tsm/reaccept"
tsmctl watch > /tmp/watch.out 2>&1 &
WPID=$!
sleep 1

# 1. same evidence
reset_ep0 "same evidence"
wait_reason $EP0 "^revalidated after reset: same evidence\$"
expect_in_run "after a reset with the same evidence"
grep -q "$EP0: left-run (cause reset)" $DLOG || fail "no left-run uevent reached the daemon"
kill $WPID 2>/dev/null
wait $WPID 2>/dev/null
cat /tmp/watch.out
grep -q "^$EP0 .*left-run .*cause reset" /tmp/watch.out || fail "tsmctl watch did not print left-run"
grep -q "^$EP0 .*needs-decision .*cause reset" /tmp/watch.out ||
	fail "tsmctl watch did not print needs-decision"
tsmctl show $EP0 > /tmp/show.out || fail "tsmctl show"
cat /tmp/show.out
grep -q "^History" /tmp/show.out || fail "tsmctl show has no history"
grep -q "left-run reset .*held .*left RUN: reset" /tmp/show.out || fail "history lacks left-run"
grep -q "needs-decision reset .*accepted .*revalidated after reset: same evidence" /tmp/show.out ||
	fail "history lacks the decision after the reset"
n=$(tsmctl show --json $EP0 | grep -c '"event"')
[ "$n" -ge 3 ] || fail "tsmctl show --json has $n history entries, not 3 or more"
log "same evidence after a reset: accepted again, history and watch show it"

# 1b. same-evidence: pci_tsm re-accepts in the kernel, the daemon agrees
echo same-evidence > $PCI/$EP0/tsm/reaccept || fail "tsm/reaccept = same-evidence"
before=$(grep -c "$EP0: reaccepted (cause reset" $DLOG)
echo 1 > $PCI/$EP0/reset || fail "function reset of $EP0 (same-evidence)"
wait_reason $EP0 "^kernel re-accepted after reset: same evidence\$"
[ "$(grep -c "$EP0: reaccepted (cause reset" $DLOG)" -gt "$before" ] ||
	fail "no reaccepted uevent reached the daemon"
expect_in_run "after a reset re-accepted by the kernel"
echo never > $PCI/$EP0/tsm/reaccept || fail "tsm/reaccept = never"
log "same-evidence: re-accepted by the kernel, confirmed by the daemon"

# 2. a firmware update: measurement 1 changed, SVN up; the rule has svn-min
responder_start good --svn $((S + 1)) --measurement "1=@pci-tsm fixture firmware 2.0"
reset_ep0 "firmware update"
wait_reason $EP0 "^firmware update after reset: SVN $S -> $((S + 1)), measurement 1 changed"
expect_in_run "after a firmware update"
log "firmware update (SVN $S -> $((S + 1))): accepted by the rule's measurement.svn-min"

# 3. the old SVN again: a downgrade, whatever svn-min says
responder_start good --svn $S --measurement "1=@pci-tsm fixture firmware 2.0"
reset_ep0 "downgrade"
wait_reason $EP0 "^SVN $((S + 1)) -> $S: downgrade\$"
expect_out "after a downgrade"
expect_eq recovery.downgrade "$(field $EP0 Check)" "check of the downgrade"
log "downgrade (SVN $((S + 1)) -> $S): denied"

# 4. the updated firmware again, on reload: what was accepted last
responder_start good --svn $((S + 1)) --measurement "1=@pci-tsm fixture firmware 2.0"
tsmctl reload || fail "reload"
wait_reason $EP0 "^revalidated after reset: same evidence\$"
expect_in_run "after a reload with the updated firmware"

# 5. measurement 2 changed, SVN unchanged
responder_start good --svn $((S + 1)) --measurement "1=@pci-tsm fixture firmware 2.0" \
	--measurement "2=@pci-tsm fixture configuration changed"
reset_ep0 "measurement changed"
wait_reason $EP0 "^measurement 2 changed\$"
expect_out "after a reset with measurement 2 changed"
expect_eq recovery.changed "$(field $EP0 Check)" "check of the change"
log "measurement 2 changed across a reset: denied"
daemon_alive || fail "daemon died"
log "PASS"
