#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the daemon-*.sh VM tests (sourced as /ptsm/tests/daemon-lib.sh).
#
# The sample "hardware" is devsec_bus; its devsec TSM presents the evidence
# blobs written to /sys/class/tsm/tsmN/device/{certs,vca,transcript}
# (docs/ABI.md 2.4) and asks devsec-responder (tests/tools) to sign fresh
# MEASUREMENTS over the daemon's nonce. Fixtures come from tests/tools'
# generator at /ptsm/fixtures (manifest.txt: "case DIR EXPECT CODE CHECK NEEDS").
. /ptsm/lib.sh

FIX=/ptsm/fixtures
ALG=${DAEMON_ALG:-p384}
TSMETC=/tmp/tsm
DCONF=$TSMETC/tsm-verifierd.conf
DSOCK=/run/tsm-verifierd/control.sock
DLOG=/tmp/tsm-verifierd-$PTSM_TEST.log
EP0=10000:01:00.0
PCI=/sys/bus/pci/devices
# the VM has no udevd: the daemon listens to kernel uevents
export TSM_UDEV_SOURCE=kernel
# every test starts without configuration, state or log of an earlier one
rm -rf $TSMETC $DLOG /run/tsm-verifierd
DPID=""
RPID=""

# daemon_modules: the whole stack, pci_tsm with require_validate=1 as packaged,
# tsm_shim in testing mode
daemon_modules() {
	ptsm_load tsm_core
	ptsm_load pci_tsm require_validate=1
	# accept needs a ready shim; testing=1 lets devsec_pci map its TEE
	# BAR in this plain (non-confidential) VM
	ptsm_load tsm_shim testing=1
	ptsm_load devsec_bus
	# a cold responder on a loaded TCG host can miss the default 2 s; stay
	# below the 5 s daemon timeout of daemon-deny's slow-responder step
	ptsm_load devsec_tsm responder_timeout_ms=${DAEMON_RESPONDER_TIMEOUT_MS:-4000}
	ptsm_load devsec_pci
	DEVSEC_TSM=$(devsec_tsm_name)
	[ -n "$DEVSEC_TSM" ] || fail "no devsec TSM in /sys/class/tsm"
	[ -e "$PCI/$EP0/tsm/lock" ] || fail "$EP0 has no tsm/lock"
	log "devsec TSM is $DEVSEC_TSM"
}

devsec_tsm_name() {
	local t

	for t in /sys/class/tsm/tsm*; do
		[ "$(cat "$t/pci_mode" 2>/dev/null)" = devsec ] && basename "$t" && return 0
	done
	return 0
}

# tee_devices: the PCI names with a tsm/lock attribute
tee_devices() {
	local d

	for d in "$PCI"/*; do
		[ -e "$d/tsm/lock" ] && basename "$d"
	done
	return 0
}

# blob_load ATTR FILE: replace one of the sample TSM's evidence blobs
blob_load() {
	local a=/sys/class/tsm/$DEVSEC_TSM/device/$1

	[ -e "$a" ] || fail "no $a"
	# a write of exactly one byte in total clears the blob
	printf 'x' > "$a" || fail "clearing $1 failed"
	dd if="$2" of="$a" bs=4096 2>/dev/null || fail "loading $2 into $1 failed"
}

# fixture_load CASE: certs/vca/transcript of fixture $ALG/CASE
fixture_load() {
	local d=$FIX/$ALG/$1

	[ -d "$d" ] || fail "no fixture $d (fixtures not generated?)"
	blob_load certs "$d/cert0.bin"
	blob_load vca "$d/vca.bin"
	blob_load transcript "$d/measurements.bin"
	log "fixture $ALG/$1 loaded"
}

# policy_install CASE: the fixture's policy and its trust anchor
policy_install() {
	local d=$FIX/$ALG/$1

	mkdir -p $TSMETC/policy.d $TSMETC/trust
	rm -f $TSMETC/policy.d/*.conf
	cp "$d/policy.conf" $TSMETC/policy.d/50-fixture.conf
	cp "$d/anchor.pem" "$TSMETC/trust/fixture-$ALG-root.pem"
}

# policy_none: no rules at all (default deny)
policy_none() {
	mkdir -p $TSMETC/policy.d $TSMETC/trust
	rm -f $TSMETC/policy.d/*.conf
}

# config_write [KEY=VALUE...]: daemon config with test paths (and a
# timeout generous enough for TCG)
config_write() {
	local kv timeout=30s

	mkdir -p $TSMETC/policy.d $TSMETC/trust $TSMETC/state
	{
		echo "[daemon]"
		echo "policy-dir = $TSMETC/policy.d"
		echo "trust-dir = $TSMETC/trust"
		echo "state-dir = $TSMETC/state"
		for kv in "$@"; do
			case "$kv" in
			timeout=*) timeout=${kv#*=} ;;
			*) echo "${kv%%=*} = ${kv#*=}" ;;
			esac
		done
		echo "timeout = $timeout"
	} > $DCONF
}

# responder_start CASE [FLAGS...]: devsec-responder for fixture CASE
responder_start() {
	local d=$FIX/$ALG/$1 n=${DEVSEC_TSM#tsm} what=$1

	shift
	responder_stop
	rm -f /tmp/responder.ready
	devsec-responder --tsm "$n" --fixture "$d" --ready-file /tmp/responder.ready "$@" \
		> /tmp/responder.log 2>&1 &
	RPID=$!
	wait_for /tmp/responder.ready 10
	log "responder for $what started $*"
}

responder_stop() {
	if [ -n "$RPID" ]; then
		kill "$RPID" 2>/dev/null
		wait "$RPID" 2>/dev/null
	fi
	RPID=""
}

# daemon_start [ARGS...]: tsm-verifierd in the foreground, logging to $DLOG
daemon_start() {
	tsm-verifierd --foreground --config $DCONF "$@" >> $DLOG 2>&1 &
	DPID=$!
	wait_for $DSOCK 20
	log "tsm-verifierd started (pid $DPID)"
}

# wait_log PATTERN [SECONDS]: the daemon's log gets a line matching PATTERN
wait_log() {
	local i=0 n=$((${2:-60} * 5))

	until grep -q "$1" $DLOG; do
		i=$((i + 1))
		[ $i -le $n ] || return 1
		usleep 200000
	done
}

daemon_alive() {
	[ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null
}

daemon_stop() {
	if [ -n "$DPID" ]; then
		kill "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	DPID=""
}

# decision DEV / check DEV / reason DEV: from the daemon
decision() {
	tsmctl list 2>/dev/null | awk -v d="$1" '$1 == d { print $4 }'
}

field() {
	tsmctl show "$1" 2>/dev/null | sed -n "s/^$2: *//p"
}

# wait_decided DEV [SECONDS]: wait until DEV's decision is not pending;
# prints it
wait_decided() {
	local i=0 n=$((${2:-60} * 5)) d

	while :; do
		d=$(decision "$1")
		case "$d" in
		accepted|denied|held|kept) echo "$d"; return 0 ;;
		esac
		i=$((i + 1))
		[ $i -le $n ] || { echo "timeout($d)"; return 0; }
		usleep 200000
	done
}

# wait_pending DEV [SECONDS]
wait_pending() {
	local i=0 n=$((${2:-30} * 10))

	until [ "$(decision "$1")" = pending ]; do
		i=$((i + 1))
		[ $i -le $n ] || fail "$1 never became pending"
		usleep 100000
	done
}

# expect_held_unbound DEV: denied devices stay held and unbound
expect_held_unbound() {
	local drv=""

	[ -L "$PCI/$1/driver" ] && drv=$(basename "$(readlink "$PCI/$1/driver")")
	case "$drv" in
	""|pci_tsm_hold) ;;
	*) fail "$1 is bound to $drv after a deny" ;;
	esac
	expect_eq 0 "$(cat "$PCI/$1/tsm/accept")" "$1 tsm/accept"
}

# daemon_cleanup: stop everything the test started (trap EXIT)
daemon_cleanup() {
	daemon_stop
	responder_stop
	if [ -f $DLOG ]; then
		echo "---- tsm-verifierd log"
		tail -n 150 $DLOG
	fi
}

# wait_all_decided [SECONDS]: every TEE device decided (none pending), so
# that the sample's blobs may be rewritten (EBUSY while any is locked)
wait_all_decided() {
	local d got

	for d in $(tee_devices); do
		got=$(wait_decided "$d" "${1:-60}")
		case "$got" in
		timeout*) fail "$d still undecided: $got" ;;
		esac
	done
}

# wait_state_saved [SECONDS [COUNT [DECISIONS]]]: the daemon's state file
# holds COUNT (default: every TEE device) decisions matching DECISIONS (an
# ERE alternation, default accepted|denied|kept). The file is written in a
# batch a few seconds after the last decision (daemon/verifierd/state.c):
# until then the daemon is still working, not idle. Only a device's own
# "decision" (two spaces in) counts: its history entries, indented deeper,
# name decisions too, and a file written halfway looked complete.
wait_state_saved() {
	local i=0 n=$((${1:-30} * 5)) want=${2:-} which=${3:-accepted|denied|kept} got

	[ -n "$want" ] || want=$(tee_devices | wc -l)
	while :; do
		got=$(grep -o '^  "decision": *"[a-z]*"' $TSMETC/state/state.json 2>/dev/null |
			grep -c -E "\"($which)\"\$")
		[ "$got" -ge "$want" ] && return 0
		i=$((i + 1))
		[ $i -le $n ] || fail "the state file holds $got of $want decisions ($which) after ${1:-30} s"
		usleep 200000
	done
}
