#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench, figures 3 and 5 (not a test).
#
# Fan-out: tsm-verifierd runs with a policy trusting the fixture root and
# devsec-responder answers nonce refreshes; devsec_bus is loaded with
# E endpoints x F functions per bridge (two bridges: 2*E*F TEE functions).
# Measured: from the insmod to the kernel accepting the last function
# (kernel log timestamps), plus how long the insmod itself took.
# Footprint: a fresh daemon's VmHWM before any device, then after all of
# 16 x 8 per bridge (256 functions) are decided, and the CPU time it uses
# while idle over 60 s (six 10 s windows).
# Prints "BENCH fanout ..." and "BENCH footprint ..." lines; bench/run.sh
# computes the statistics.
#
# Kernel command line knobs (tests/vm/run --append): ptsm_bench_reps=N,
# ptsm_bench_sizes=ExF[,ExF...], ptsm_bench_large_reps=N (repetitions of
# sizes above 128 functions), ptsm_bench_idle=SECONDS.
# vm: timeout=1500
# vm: append=log_buf_len=16M
. /ptsm/tests/daemon-lib.sh

REPS=5
SIZES=1x2,8x8,32x8
LARGE_REPS=
IDLE=60
FOOT=16x8
for a in $(cat /proc/cmdline); do
	case $a in
	ptsm_bench_reps=*) REPS=${a#*=} ;;
	ptsm_bench_sizes=*) SIZES=${a#*=} ;;
	ptsm_bench_large_reps=*) LARGE_REPS=${a#*=} ;;
	ptsm_bench_idle=*) IDLE=${a#*=} ;;
	ptsm_bench_footprint=*) FOOT=${a#*=} ;;
	esac
done
LARGE_REPS=${LARGE_REPS:-$REPS}

mark() {
	echo "ptsm-bench: mark $1" > /dev/kmsg
}

# us NAME: timestamp of marker NAME in microseconds
us() {
	dmesg | sed -n "s/^\[ *\([0-9]*\)\.\([0-9]\{6\}\)\] ptsm-bench: mark $1\$/\1\2/p" |
		tail -n 1 | sed 's/^0*//'
}

# accepted_after NAME: "COUNT LAST_US": kernel accepts logged after marker
# NAME and the timestamp of the last one
accepted_after() {
	dmesg | awk -v m="ptsm-bench: mark $1" '
		index($0, m) { on = 1; n = 0; last = 0; next }
		on && /pci_tsm: TDISP RUN: accepted/ {
			n++
			t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
			split(t, p, "."); last = p[1] * 1000000 + p[2]
		}
		END { print n, last }'
}

# decided_since LINE: decisions the daemon logged after line LINE of its log
decided_since() {
	tail -n +$(($1 + 1)) $DLOG | grep -c -E ': (accepted|denied) \(' 
}

# cpu_ns PID: CPU time of all threads of PID in nanoseconds (schedstat)
cpu_ns() {
	cat /proc/$1/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# ctxsw PID: voluntary context switches of all threads (wake-ups)
ctxsw() {
	cat /proc/$1/task/*/status 2>/dev/null |
		awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'
}

kb() {
	sed -n "s/^$2: *\([0-9]*\) kB/\1/p" /proc/$1/status
}

old_printk=$(cut -f1 /proc/sys/kernel/printk)
cleanup() {
	echo "$old_printk" > /proc/sys/kernel/printk
	daemon_cleanup > /dev/null
	ptsm_unload devsec_bus
	ptsm_unload_all
}
trap cleanup EXIT
# keep kernel chatter off the slow emulated console while timing
echo 1 > /proc/sys/kernel/printk

ptsm_load tsm_core
ptsm_load pci_tsm require_validate=1
ptsm_load tsm_shim testing=1
ptsm_load devsec_tsm
DEVSEC_TSM=$(devsec_tsm_name)
[ -n "$DEVSEC_TSM" ] || fail "no devsec TSM in /sys/class/tsm"
fixture_load good
policy_install good
# every function of the largest size is queued at once: a timeout that
# only guards against a stuck responder
config_write timeout=900s
responder_start good
# nonces need the CRNG: never time the wait for it
head -c 1 /dev/random > /dev/null

# run_size E F REP: one fan-out with a fresh daemon
run_size() {
	local e=$1 f=$2 r=$3 n=$((2 * $1 * $2)) tag=fan-$1x$2-$3 base t0 t1 got last
	local deadline i=0 hwm0 hwm

	rm -f $DSOCK
	daemon_start
	hwm0=$(kb $DPID VmHWM)
	base=$(wc -l < $DLOG)
	mark $tag
	insmod /ptsm/modules/devsec_bus.ko nr_endpoints=$e nr_functions=$f ||
		fail "insmod devsec_bus $e x $f"
	mark $tag-loaded
	# poll the daemon's own log (cheap) until every function is decided
	deadline=$((n * 3 + 120))
	until [ "$(decided_since $base)" -ge $n ]; do
		i=$((i + 1))
		[ $i -le $deadline ] ||
			fail "$e x $f: $(decided_since $base) of $n decided after ${deadline}s"
		daemon_alive || fail "tsm-verifierd died"
		sleep 1
	done
	t0=$(us $tag)
	t1=$(us $tag-loaded)
	set -- $(accepted_after $tag)
	got=$1 last=$2
	expect_eq $n "$got" "$e x $f rep $r: functions accepted"
	hwm=$(kb $DPID VmHWM)
	echo "BENCH fanout size=${e}x$f functions=$n rep=$r load_us=$((t1 - t0)) decided_us=$((last - t0)) hwm0_kb=$hwm0 hwm_kb=$hwm"
	daemon_stop
	ptsm_unload devsec_bus
}

for s in $(echo "$SIZES" | tr ',' ' '); do
	e=${s%x*} f=${s#*x}
	reps=$REPS
	[ $((2 * e * f)) -gt 128 ] && reps=$LARGE_REPS
	r=1
	while [ $r -le "$reps" ]; do
		run_size "$e" "$f" "$r"
		r=$((r + 1))
	done
done

# Footprint: FOOT per bridge decided, then idle.
if [ "$FOOT" != 0 ]; then
	e=${FOOT%x*} f=${FOOT#*x} n=$((2 * ${FOOT%x*} * ${FOOT#*x}))
	rm -f $DSOCK
	daemon_start
	sleep 2
	hwm0=$(kb $DPID VmHWM) rss0=$(kb $DPID VmRSS)
	base=$(wc -l < $DLOG)
	insmod /ptsm/modules/devsec_bus.ko nr_endpoints=$e nr_functions=$f ||
		fail "insmod devsec_bus $e x $f"
	i=0
	until [ "$(decided_since $base)" -ge $n ]; do
		i=$((i + 1))
		[ $i -le $((n * 3 + 120)) ] || fail "footprint: not all $n decided"
		sleep 1
	done
	# let the last jobs' threads finish before the idle windows
	sleep 2
	echo "BENCH footprint_rss functions=$n hwm0_kb=$hwm0 rss0_kb=$rss0 hwm_kb=$(kb $DPID VmHWM) rss_kb=$(kb $DPID VmRSS) threads=$(ls /proc/$DPID/task | wc -l)"
	w=1 win=$((IDLE / 6))
	while [ $w -le 6 ]; do
		c0=$(cpu_ns $DPID) v0=$(ctxsw $DPID)
		mark idle-$w-a
		sleep $win
		mark idle-$w-b
		c1=$(cpu_ns $DPID) v1=$(ctxsw $DPID)
		echo "BENCH footprint_idle functions=$n window=$w wall_us=$(($(us idle-$w-b) - $(us idle-$w-a))) cpu_ns=$((c1 - c0)) wakeups=$((v1 - v0))"
		w=$((w + 1))
	done
	daemon_alive || fail "tsm-verifierd died while idle"
	daemon_stop
	ptsm_unload devsec_bus
fi
exit 0
