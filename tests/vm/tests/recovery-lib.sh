#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the recovery-* tests (issue 16, docs/ABI.md 5.1): the devsec
# stack in testing mode with the p384 fixture as the sample device's
# evidence, its responder (the device's signer), and a log of pci_tsm's
# recovery uevents, one line per event: "DEV EVENT CAUSE WHY GENERATION"
# (WHY "-" when the event has none).
. /ptsm/tests/core-lib.sh

F=/ptsm/fixtures/p384/good
OBSD=/sys/kernel/debug/ptsm_test_observe
D=$EP1F1
EVLOG=/tmp/recovery-uevents.log

# recovery_listen: start logging the recovery uevents to $EVLOG
recovery_listen() {
	cat > /tmp/recovery-rule.sh <<'RULE_EOF'
#!/bin/sh
[ -n "$PCI_TSM_EVENT" ] || exit 0
echo "${DEVPATH##*/} $PCI_TSM_EVENT $PCI_TSM_CAUSE ${PCI_TSM_WHY:--} $PCI_TSM_GENERATION" >> /tmp/recovery-uevents.log
RULE_EOF
	chmod +x /tmp/recovery-rule.sh
	: > $EVLOG
	uevent /tmp/recovery-rule.sh &
	LISTENER=$!
}

# recovery_stack: the modules (tsm_shim testing=1) and the sample's blobs
recovery_stack() {
	[ -f $F/cert0.bin ] || fail "no fixtures in /ptsm/fixtures"
	core_stack testing
	recovery_blobs
}

# recovery_blobs: the devsec TSM ($SEC) presents the p384 fixture
recovery_blobs() {
	# the responder signs under TCG on a loaded host: the default 2 s wait
	# can run out, and the recovery then (rightly) ends "no-fresh-evidence"
	echo 20000 > /sys/module/devsec_tsm/parameters/responder_timeout_ms ||
		fail "responder_timeout_ms"
	cat $F/cert0.bin > $CLASS/$SEC/device/certs || fail "certs"
	cat $F/vca.bin > $CLASS/$SEC/device/vca || fail "vca"
	cat $F/measurements.bin > $CLASS/$SEC/device/transcript || fail "transcript"
}

# start_responder ARGS...: the sample device's signer, in the background
start_responder() {
	rm -f /tmp/ready
	devsec-responder --tsm "${SEC#tsm}" --fixture $F --ready-file /tmp/ready "$@" &
	RESP=$!
	wait_for /tmp/ready 10
}

stop_responder() {
	kill "$RESP" 2>/dev/null
	wait "$RESP" 2>/dev/null
}

# wait_event DEV EVENT CAUSE WHY: such a uevent reached userspace
wait_event() {
	local i=0

	while ! grep -q "^$1 $2 $3 $4 " $EVLOG; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "no uevent '$2 $3 $4' for $1: $(cat $EVLOG)"
		usleep 100000
	done
}

# bound DEV: lock, fresh evidence, accept, bind the test driver
# (ptsm_test_observe, loaded by the test); clears its records and $EVLOG
bound() {
	expect_ok "$(tf "$1" lock)" "$SEC"
	expect_eq 2 "$(rd "$1" trust_level)" "$1 locked: trust_level"
	rm -rf /tmp/ev; mkdir -p /tmp/ev
	ptsm-nl read --family device-evidence --mask 0x7ff --quiet \
		--nonce "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
		--out /tmp/ev "$1" > /dev/null || fail "refresh of $1"
	expect_ok "$(tf "$1" accept)" 1
	expect_ok "$PCI/$1/driver_override" ptsm_test_observe
	expect_ok "$DRV/ptsm_test_observe/bind" "$1"
	expect_eq ptsm_test_observe "$(driver_of "$1")" "$1 bound"
	expect_eq 3 "$(rd "$1" trust_level)" "$1 accepted: trust_level"
	grep -q "^measurements sha384:" "$(tf "$1" accepted_digests)" ||
		fail "$1: no measurement digest recorded: $(rd "$1" accepted_digests)"
	grep -q "^generation $(rd "$1" evidence_generation)$" "$(tf "$1" accepted_digests)" ||
		fail "$1: accepted generation: $(rd "$1" accepted_digests)"
	echo > $OBSD/removed
	echo > $OBSD/resets
	: > $EVLOG
}

# rebind DEV DRIVER: DEV from the driver it has to DRIVER (driver_override)
rebind() {
	expect_ok "$DRV/$(driver_of "$1")/unbind" "$1"
	expect_ok "$PCI/$1/driver_override" "$2"
	expect_ok "$DRV/$2/bind" "$1"
}

# devsec_pci_works DEV WHEN [KEY=VALUE]: devsec_pci, a driver that holds its
# regions, BAR0 and coherent memory like nvme, still does direct DMA, has
# its coherent memory and reads BAR0 through ioremap (its self-test), and
# its counters read KEY=VALUE (resets=1)
devsec_pci_works() {
	local self=/sys/kernel/debug/devsec_pci/$1/selftest res

	expect_ok $self 1
	res=$(tr '\n' ' ' < $self)
	log "devsec_pci $2: $res"
	has_kv "$res" ${3:-} dma=ok bounced=0 in_swiotlb=0 coherent=ok bar0_ioremap=ok ||
		fail "devsec_pci does not work $2: $res"
}

# reset_untrusted DEV function|bus: a function reset of DEV (sysfs
# "reset"), or pci_reset_bus() on it; at reset_prepare() it was still
# trusted, at reset_done() (when it could do DMA again) no longer, and its
# evidence generation was bumped
reset_untrusted() {
	local gen line

	gen=$(rd "$1" evidence_generation)
	if [ "$2" = bus ]; then
		echo "$1" > $OBSD/bus_reset || fail "pci_reset_bus() on $1"
	else
		echo 1 > "$PCI/$1/reset" || fail "reset of $1"
	fi
	line=$(grep "^done $1 " $OBSD/resets)
	log "reset_done(): $line"
	has_kv "$line" accept=0 fdu=shared map=bounced coherent=shared ||
		fail "$1 still trusted when it could do DMA again: $line"
	line=$(grep "^prepare $1 " $OBSD/resets)
	has_kv "$line" accept=1 fdu=private ||
		fail "$1 no longer trusted at reset_prepare(): $line"
	[ "$(rd "$1" evidence_generation)" -gt "$gen" ] ||
		fail "$1: evidence generation not bumped by the $2 reset"
}

# wait_held DEV WHAT: DEV's driver was taken off and the hold bound (30 s)
wait_held() {
	local i=0

	while [ "$(driver_of "$1")" != pci_tsm_hold ]; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "$2: $1 still has driver $(driver_of "$1")"
		usleep 100000
	done
}

# held_for_decision DEV WHAT: after a recovery with other evidence DEV is
# held, not accepted, still locked (trust_level 2: userspace decides);
# then it is unlocked
held_for_decision() {
	wait_held "$1" "$2"
	expect_eq 0 "$(rd "$1" accept)" "$2: accept"
	expect_eq "$SEC" "$(rd "$1" lock)" "$2: still locked"
	expect_eq 1 "$(tdisp_state "$1")" "$2: emulated TDISP state"
	expect_eq 2 "$(rd "$1" trust_level)" "$2: trust_level"
	expect_ok "$(tf "$1" unlock)" "$SEC"
}

# back_private DEV: after a same-evidence recovery DEV is in RUN again,
# ptsm_test_observe still bound (its remove() never ran), and what the
# kernel's functions return for it is private again
back_private() {
	local line

	expect_eq 1 "$(rd "$1" accept)" "same-evidence: accept"
	expect_eq 2 "$(tdisp_state "$1")" "same-evidence: emulated TDISP state"
	expect_eq ptsm_test_observe "$(driver_of "$1")" "same-evidence: driver"
	expect_eq "" "$(cat $OBSD/removed)" "same-evidence: remove() of $1"
	echo "$1" > $OBSD/run
	line=$(tr '\n' ' ' < $OBSD/run)
	has_kv "$line" fdu=private map=direct bar0=encrypted ||
		fail "same-evidence: $1 not private again: $line"
}

# has_kv LINE KV...: LINE carries every KV
has_kv() {
	local line=$1 kv

	shift
	for kv in "$@"; do
		echo " $line " | grep -q " $kv " || return 1
	done
}

KPLIST=/sys/kernel/debug/kprobes/list
KPROBES_ON=/sys/kernel/debug/kprobes/enabled

# rec_probes: pci_tsm's recovery probes as kprobes/list shows them, one
# line each: the two reset probes, the canary and, where the kernel has
# pcie_do_recovery(), its kprobe and kretprobe
rec_probes() {
	grep -E " (__pci_reset_function_locked|pcibios_reset_secondary_bus|pcie_do_recovery|ptsm_recovery_canary)\+" $KPLIST
}

# probes_are armed|disarmed WHAT: every recovery probe of pci_tsm is
# registered and, armed, enabled and ftrace-based or, disarmed, disabled
# (the disarm runs from a worker: 10 s)
probes_are() {
	local n i=0 want=3

	grep -q " pcie_do_recovery$" /proc/kallsyms && want=5
	while :; do
		n=$(rec_probes | wc -l)
		[ "$n" -eq "$want" ] ||
			fail "$2: $n recovery probes registered, $want expected: $(rec_probes)"
		if [ "$1" = armed ]; then
			rec_probes | grep -q DISABLED &&
				fail "$2: a recovery probe is disarmed: $(rec_probes)"
			[ "$(rec_probes | grep -c FTRACE)" -eq "$want" ] ||
				fail "$2: a recovery probe is not ftrace-based: $(rec_probes)"
			return 0
		fi
		[ "$(rec_probes | grep -c DISABLED)" -eq "$want" ] && return 0
		i=$((i + 1))
		[ $i -le 100 ] || fail "$2: recovery probes still armed: $(rec_probes)"
		usleep 100000
	done
}
