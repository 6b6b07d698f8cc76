#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A restart of the daemon mid-verification accepts nothing unverified: the
# daemon is killed (SIGKILL) while it waits for a slow responder; the
# device stays locked and not accepted; the next daemon re-derives the
# state from sysfs and verifies the device from scratch.
# A restart changes nothing already decided (issue 7): the accepted, bound
# device and a held, denied device keep their decision and evidence
# generation (no lock); a reload judges the denied one again, and editing
# the policy + reload lets it through.
# vm: timeout=420
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

# policy_ep0_only: the good fixture's rule, narrowed to $EP0 (others: default deny)
policy_ep0_only() {
	local f=$TSMETC/policy.d/50-fixture.conf

	policy_install good
	awk -v a="$EP0" '{ print } /^\[rule / { print "match.address = " a }' $f > $f.new
	mv $f.new $f
	grep -q "^match.address = $EP0" $f || fail "could not narrow the policy"
}

gen() {
	cat "$PCI/$1/tsm/evidence_generation"
}

daemon_modules
fixture_load good
policy_ep0_only
config_write
D1=""
for d in $(tee_devices); do
	[ "$d" != "$EP0" ] && [ -z "$D1" ] && D1=$d
done
[ -n "$D1" ] || fail "need a second TEE device"
[ "$(basename "$(readlink $PCI/$D1/driver)")" = pci_tsm_hold ] || fail "$D1 is not held"
for d in $(tee_devices); do
	echo devsec_pci > "$PCI/$d/driver_override" || fail "driver_override of $d"
done
responder_start good --delay-ms 8000
daemon_start
wait_pending $EP0 30
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
log "daemon killed while $EP0 was pending"
sleep 10	# past the responder's delay: a late answer changes nothing
expect_eq 0 "$(cat $PCI/$EP0/tsm/accept)" "$EP0 accepted without a verdict"
[ -n "$(cat $PCI/$EP0/tsm/lock)" ] || log "$EP0 was not locked yet"

# SIGTERM during a verification leaves the device held too (fail closed).
daemon_start
wait_pending $EP0 30
daemon_stop
expect_eq 0 "$(cat $PCI/$EP0/tsm/accept)" "$EP0 accepted after SIGTERM"
expect_held_unbound $EP0

responder_start good
daemon_start
got=$(wait_decided $EP0 120)
expect_eq accepted "$got" "$EP0 after the restart ($(field $EP0 Reason))"
grep -q "verifying from scratch\|pending" $DLOG || fail "no fresh verification in the log"
wait_for "$PCI/$EP0/driver" 10
expect_eq devsec_pci "$(basename "$(readlink $PCI/$EP0/driver)")" "$EP0 driver"
got=$(wait_decided $D1 120)
expect_eq denied "$got" "$D1 outside the narrowed rule"
expect_held_unbound $D1

# Restart: nothing already decided changes.
wait_all_decided 120
g0=$(gen $EP0)
g1=$(gen $D1)
daemon_stop
daemon_start
expect_eq accepted "$(wait_decided $EP0 60)" "$EP0 after a restart"
expect_eq denied "$(wait_decided $D1 60)" "$D1 after a restart"
sleep 2	# a re-lock would show by now
expect_eq "$g0" "$(gen $EP0)" "$EP0 evidence_generation across the restart"
expect_eq "$g1" "$(gen $D1)" "$D1 evidence_generation across the restart"
expect_eq "" "$(cat $PCI/$D1/tsm/lock)" "$D1 locked across the restart"
expect_eq 1 "$(cat $PCI/$EP0/tsm/accept)" "$EP0 tsm/accept across the restart"
expect_eq devsec_pci "$(basename "$(readlink $PCI/$EP0/driver)")" "$EP0 driver after the restart"
grep -q "$D1: denied before the restart under the same policy" $DLOG ||
	fail "$D1 was not kept as denied"
expect_held_unbound $D1

# A reload judges the held, denied device again (same policy: denied again).
tsmctl reload || fail "reload refused"
expect_eq denied "$(wait_decided $D1 120)" "$D1 after a reload"
[ "$(gen $D1)" != "$g1" ] || fail "$D1 was not judged again on reload"
expect_eq "$g0" "$(gen $EP0)" "$EP0 evidence_generation across the reload"

# Editing the policy + reload lets the held device through.
policy_install good
tsmctl reload || fail "reload refused"
got=$(wait_decided $D1 120)
expect_eq accepted "$got" "$D1 after the policy edit ($(field $D1 Reason))"
wait_for "$PCI/$D1/driver" 10
expect_eq devsec_pci "$(basename "$(readlink $PCI/$D1/driver)")" "$D1 driver"
expect_eq "$g0" "$(gen $EP0)" "$EP0 evidence_generation across the second reload"
daemon_alive || fail "daemon died"
log "PASS"
