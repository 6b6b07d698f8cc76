#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A restart of the daemon mid-verification accepts nothing unverified: the
# daemon is killed (SIGKILL) while it waits for a slow responder; the
# device stays locked and not accepted; the next daemon re-derives the
# state from sysfs and verifies the device from scratch.
# vm: timeout=300
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

daemon_modules
fixture_load good
policy_install good
config_write
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
log "PASS"
