#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Hammer for issue 14 D and E, everything at once, with require_validate=1.
# Three workers (threads of tests/tools/nlclient/ptsm-hammer, so that a
# round costs the kernel's work and not a fork+exec of ptsm-nl under TCG)
# run ROUNDS rounds each:
#   accept   EP1F1: lock, VALIDATE of the generation read, accept, unlock
#   refresh  EP1F1: refreshes with its own nonce, each started at a point
#            of the accept worker's round that sweeps over its lock window
#   sibling  EP0 and EP0F1: lock, reads of the slot's files, a refresh of
#            EP0 (every 4th round), unlock, lock and unlock of EP0F1
# while a fourth, until they are done, removes EP0F1 and brings it back
# under EP0's device lock (what sriov_numvfs does, with
# tests/kmod/ptsm_test_devlock) and every 4th time unloads and reloads
# devsec_tsm (its responder stopped first: it holds the module). Then:
# nobody hung, no refresh returned evidence over another nonce, every
# accept that succeeded went to RUN at the very generation its round
# validated, and the devices work afterwards. ROUNDS is 1000 (3000 rounds
# in all, about 35 s on Debian's kernels under TCG) and 400 on the debug
# lane (1200, about 90 s); ptsm_hammer_rounds=N on the kernel command line
# changes it.
# vm: timeout=400
. /ptsm/tests/evidence-lib.sh

# the debug lane (lockdep, KASAN) is six times slower: 3 x 400 rounds
# there, each of at least four verbs or refreshes
ROUNDS=1000
[ -e /proc/lockdep ] && ROUNDS=400
for a in $(cat /proc/cmdline); do
	case $a in
	ptsm_hammer_rounds=*) ROUNDS=${a#ptsm_hammer_rounds=} ;;
	esac
done
P=/sys/module/ptsm_test_devlock/parameters
NA=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
NB=5051525354555657585950515253545556575859505152535455565758595051

FX=
for d in /ptsm/fixtures/*/good; do
	[ -f "$d/leaf.key" ] && [ -f "$d/measurements.bin" ] && { FX=$d; break; }
done
[ -n "$FX" ] || fail "no fixture case */good in /ptsm/fixtures"

# sec_up: devsec_tsm loaded, its blobs set (unless a worker locked a
# function first: EBUSY), its responder attached
sec_up() {
	local b

	ptsm_load devsec_tsm responder_timeout_ms=2000
	SEC=$(tsm_by_mode devsec) || fail "no devsec TSM"
	for b in certs:cert0 vca:vca transcript:measurements; do
		cat "$FX/${b#*:}.bin" 2> /dev/null > $CLASS/$SEC/device/${b%:*}
	done
	rm -f $W/ready
	devsec-responder --tsm "${SEC#tsm}" --fixture "$FX" --ready-file $W/ready \
		> /dev/null 2>&1 &
	RPID=$!
	wait_for $W/ready 20
}

# sec_down: stop the responder, unload devsec_tsm (retried: a refresh
# that has the responder open for a moment keeps the module busy)
sec_down() {
	local i=0

	kill $RPID 2> /dev/null
	wait $RPID 2> /dev/null
	until rmmod devsec_tsm 2> /dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "rmmod devsec_tsm refused for 5 s"
		usleep 100000
	done
}

# until the workers are done
w_chaos() {
	local i=0

	while kill -0 $HPID 2> /dev/null; do
		echo "$EP0 $EP0F1 $((i % 3 * 10))" 2> /dev/null > $P/remove_under
		usleep $((i % 4 * 50000))
		echo "$EP0 $((i % 2 * 10))" 2> /dev/null > $P/rescan_under
		if [ $((i % 4)) -eq 3 ]; then
			sec_down
			usleep $((i % 5 * 20000))
			sec_up
		fi
		usleep 50000
		i=$((i + 1))
	done
	CHAOS=$i
}

core_stack
ptsm_load ptsm_test_devlock
echo 1 > /sys/module/pci_tsm/parameters/require_validate || fail "require_validate"
ptsm_unload devsec_tsm
sec_up
kmsg_follow $W/kmsg

rm -f $W/accepted $W/r.a $W/r.b
# the kernel log holds the RUN lines of earlier tests too
echo "evidence-lock-hammer: workers start" > /dev/kmsg
t0=$(date +%s)
ptsm-hammer "$ROUNDS" "$SEC" $W $EP1F1 $EP0 $EP0F1 $NA $NB &
HPID=$!
# a hang shows as a worker that never finishes: the VM test's timeout
w_chaos
t1=$(date +%s)
wait $HPID || fail "ptsm-hammer: rc $?"
kmsg_stop $W/kmsg
log "3 workers x $ROUNDS rounds, $CHAOS removals and rescans, $((CHAOS / 4)) devsec_tsm reloads in $((t1 - t0)) s"

ok=$(wc -l < $W/accepted)
log "accepts: $ok of $ROUNDS; refresh $EP1F1: $(sort $W/r.a | uniq -c | tr '\n' ' ')"
log "refresh $EP0: $(sort $W/r.b | uniq -c | tr '\n' ' ')"
grep -q FOREIGN $W/r.a $W/r.b && fail "a refresh returned evidence over another nonce"
[ "$ok" -gt 0 ] || fail "no accept succeeded"
grep -q OK $W/r.a || fail "no refresh of $EP1F1 succeeded"
sed -n '/evidence-lock-hammer: workers start/,$p' $W/kmsg |
	sed -n "s/.*$EP1F1: pci_tsm: TDISP RUN: accepted through tsm[0-9]* at evidence generation \([0-9]*\)$/\1/p" \
	> $W/run
cmp -s $W/accepted $W/run || {
	log "validated ($ok): $(tr '\n' ' ' < $W/accepted | head -c 300)"
	log "at RUN ($(wc -l < $W/run)):    $(tr '\n' ' ' < $W/run | head -c 300)"
	fail "an accept went to RUN at a generation other than the one validated"
}

# everything still works
[ -e $PCI/$EP0F1 ] || { echo 1 > /sys/bus/pci/rescan; wait_for $PCI/$EP0F1; }
wait_for "$(tf $EP0F1 lock)"
core_reset
for d in $EP0 $EP0F1 $EP1F1; do
	expect_ok "$(tf $d lock)" "$SEC"
	g=$(gen $d)
	ptsm-nl validate --quiet $d "$g" || fail "$d: VALIDATE $g"
	expect_ok "$(tf $d accept)" 1
	expect_ok "$(tf $d unlock)" "$SEC"
done
kill $RPID 2> /dev/null
wait $RPID 2> /dev/null
core_cleanup
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted MMIO left behind"
exit 0
