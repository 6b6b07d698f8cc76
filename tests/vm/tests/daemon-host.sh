#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Host role: with only the link TSM (devsec_link_tsm) registered, the
# daemon connects each PF0 (tsm/connect), verifies its evidence (no TDISP
# report, no VALIDATE) and keeps the connection; a device whose evidence
# fails is disconnected.
# vm: timeout=240
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

link_tsm_name() {
	local t

	for t in /sys/class/tsm/tsm*; do
		[ "$(cat "$t/pci_mode" 2>/dev/null)" = link ] && basename "$t" && return 0
	done
	return 0
}

ptsm_load tsm_core
ptsm_load pci_tsm
ptsm_load devsec_bus
ptsm_load devsec_link_tsm
# the blob and responder helpers act on $DEVSEC_TSM: point them at the link TSM
DEVSEC_TSM=$(link_tsm_name)
[ -n "$DEVSEC_TSM" ] || fail "no link TSM"
[ -e "$PCI/$EP0/tsm/connect" ] || fail "$EP0 has no tsm/connect"

fixture_load good
policy_install good
config_write
responder_start good
daemon_start
got=$(wait_decided $EP0 120)
expect_eq accepted "$got" "host role, good evidence ($(field $EP0 Reason))"
expect_eq "$DEVSEC_TSM" "$(cat $PCI/$EP0/tsm/connect)" "$EP0 stays connected"
daemon_stop

# Bad evidence: disconnect. (Blobs can change only while nothing is connected.)
for d in $PCI/*/tsm/connect; do
	t=$(cat "$d")
	[ -n "$t" ] && echo "$t" > "${d%connect}disconnect"
done
fixture_load wrong-root
responder_start wrong-root
rm -f $TSMETC/state/state.json
daemon_start
got=$(wait_decided $EP0 120)
expect_eq denied "$got" "host role, wrong root"
log "wrong root: $(field $EP0 Reason)"
expect_eq "" "$(cat $PCI/$EP0/tsm/connect)" "$EP0 disconnected after the deny"
daemon_alive || fail "daemon died"
log "PASS"
