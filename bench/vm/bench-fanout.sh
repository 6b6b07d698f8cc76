#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench, figures 3 and 5 (not a test).
#
# Fan-out: devsec_bus is loaded with E endpoints x F functions per bridge
# (two bridges: 2*E*F TEE functions), then tsm-verifierd is started with a
# policy trusting the fixture root (devsec-responder answers the nonce
# refreshes). Measured (kernel log timestamps): from the insmod to the
# kernel accepting (or, on a deny, unlocking) the last function; how long
# the insmod took and the daemon needed to come up; and the verification
# work alone, from the daemon's control socket appearing (configuration
# loaded, coldplug starts) to the last decision: per-function cost and the
# ratio between sizes use that.
# Footprint: VmHWM of the daemon with no device (floor), then with all of
# 16 x 8 per bridge (256 functions) decided, and the CPU time it uses
# while idle over 60 s (six 10 s windows).
# Prints "BENCH fanout ..." and "BENCH footprint ..." lines; bench/run.sh
# computes the statistics.
#
# Kernel command line knobs (tests/vm/run --append): ptsm_bench_reps=N,
# ptsm_bench_sizes=ExF[,ExF...], ptsm_bench_large_reps=N (repetitions of
# sizes above 128 functions), ptsm_bench_footprint=ExF, ptsm_bench_idle=SECONDS,
# ptsm_bench_alg=FIXTURE_ALG (default p256).
# vm: timeout=1500
# vm: append=log_buf_len=16M
for a in $(cat /proc/cmdline); do
	case $a in ptsm_bench_alg=*) DAEMON_ALG=${a#*=} ;; esac
done
# P-256 by default: the figure is about scaling (figure 1 compares the
# algorithms), and the cheaper signature keeps the large sizes affordable
# under TCG
DAEMON_ALG=${DAEMON_ALG:-p256}
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

# decided_count: decisions in the daemon's log so far (one grep: the
# wait loop below polls it while the daemon works, on the same vCPU)
decided_count() {
	grep -c -E ': (accepted|denied) \(' $DLOG 2>/dev/null
}

# log_rotate: earlier runs' daemon log to $DLOG.old, so that the polled log
# holds one run only and does not grow over the fifteen runs (the daemon
# appends: it writes on at the new end)
log_rotate() {
	cat $DLOG >> $DLOG.old 2>/dev/null
	: > $DLOG
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

# cpu_ms PID: user + system CPU time of process PID so far, threads that
# exited included (/proc/PID/stat, clock ticks of 10 ms)
cpu_ms() {
	awk '{ print ($14 + $15) * 10 }' /proc/$1/stat 2>/dev/null || echo 0
}

kb() {
	sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" /proc/$1/status
}

# memsplit PID: VmRSS split into anonymous, file and shmem pages (the
# test VM's libraries are on its initramfs, tmpfs: shmem), and the
# proportional set size (file pages shared with other processes divided
# among them; VmHWM and VmRSS count them whole)
memsplit() {
	echo "rss_anon_kb=$(kb $1 RssAnon) rss_file_kb=$(kb $1 RssFile) rss_shmem_kb=$(kb $1 RssShmem) pss_kb=$(sed -n 's/^Pss:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$1/smaps_rollup)"
}

# maps PID WHAT: where the daemon's resident memory is, one "BENCH
# footprint_map" line per file (or [heap], [stack], anonymous) of 32 KiB
# or more: RSS and the anonymous (private, written) part of it
maps() {
	awk -v what="$2" '
		/^[0-9a-f]+-[0-9a-f]+ / { n = $6; sub(/.*\//, "", n); if (n == "") n = "anon" }
		/^Rss:/ { rss[n] += $2 }
		/^Anonymous:/ { an[n] += $2 }
		END { for (n in rss) if (rss[n] >= 32)
			printf "BENCH footprint_map at=%s map=%s rss_kb=%d anon_kb=%d\n", what, n, rss[n], an[n] }
	' /proc/$1/smaps | sort -t= -k4 -n -r
}

old_printk=$(cut -f1 /proc/sys/kernel/printk)
cleanup() {
	echo "$old_printk" > /proc/sys/kernel/printk
	daemon_stop
	responder_stop
	# anything but an acceptance is worth seeing
	cat $DLOG.old $DLOG 2>/dev/null | grep -v -E ': (accepted \(|pending: verifying)' |
		sed 's/[0-9a-f]*:[0-9a-f]*:[0-9a-f]*\.[0-7]/DEV/g' | sort | uniq -c |
		sort -rn | head -n 40
	ptsm_unload devsec_bus
	ptsm_unload_all
}
trap cleanup EXIT
# keep kernel chatter off the slow emulated console while timing
echo 1 > /proc/sys/kernel/printk

ptsm_load tsm_core
ptsm_load pci_tsm require_validate=1
# a deny unlocks; pci_tsm logs that at debug level: the one line the
# decision count needs
echo 'module pci_tsm format "TDISP UNLOCKED" +p' > /sys/kernel/debug/dynamic_debug/control 2>/dev/null ||
	log "no dynamic debug: a denied function would not be counted"
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

# decided_after NAME T: "COUNT LAST_US SLICES": kernel accepts and unlocks
# (a deny unlocks) logged after marker NAME, the timestamp of the last one,
# and the durations (us) of the five fifths of the decisions, the first
# counted from T ("a,b,c,d,e")
decided_after() {
	dmesg | awk -v m="ptsm-bench: mark $1" -v t0="$2" '
		substr($0, length($0) - length(m) + 1) == m { on = 1; n = 0; next }
		on && /pci_tsm: TDISP (RUN: accepted|UNLOCKED)/ {
			t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
			split(t, p, "."); ts[++n] = p[1] * 1000000 + p[2]
		}
		END {
			last = n ? ts[n] : 0
			prev = t0; sl = ""
			for (k = 1; k <= 5; k++) {
				i = int((n * k + 4) / 5)
				if (i < 1) i = 1
				v = n ? ts[i] : 0
				sl = sl (k > 1 ? "," : "") (v - prev)
				prev = v
			}
			print n, last, sl
		}'
}

# wait_decided_all BASE N WHAT: until the daemon logged N decisions after
# line BASE of its log. The end of the measured interval is the kernel's
# timestamp of the last accept, not this loop: it only has to notice, so
# it polls once a second with one grep (it shares the one vCPU with the
# work it waits for; five processes every 200 ms took a visible share).
wait_decided_all() {
	local i=0 limit=$(($2 * 3 + 120)) want

	want=$(($(head -n "$1" $DLOG 2>/dev/null | grep -c -E ': (accepted|denied) \(') + $2))
	until [ "$(decided_count)" -ge $want ]; do
		i=$((i + 1))
		[ $i -le $limit ] ||
			fail "$3: $(decided_since $1) of $2 decided after ${limit}s"
		daemon_alive || fail "$3: tsm-verifierd died"
		sleep 1
	done
}

# state_accepted: devices the state file records as accepted. Their own
# "decision" only, two spaces in: the history entries of every device
# (indented deeper) say "accepted" too, and counting them made a file
# written halfway through the burst look complete.
state_accepted() {
	grep -c '^  "decision": *"accepted"' $TSMETC/state/state.json 2>/dev/null
}

# wait_state_decided SECONDS N: until the state file records N accepted devices
wait_state_decided() {
	local i=0 limit=$(($1 * 5))

	until [ "$(state_accepted)" -ge "$2" ]; do
		i=$((i + 1))
		[ $i -le $limit ] || fail "the state file records $(state_accepted) of $2 accepted after $1 s"
		usleep 200000
	done
}

# run_size E F REP: module load, then a fresh daemon (coldplug), until the
# daemon has decided every function. Coldplug, not a daemon already
# running: that one races the PCI scan (it locks functions before their
# BARs are assigned; reported, see docs/performance.md).
run_size() {
	local e=$1 f=$2 r=$3 n=$((2 * $1 * $2)) tag=fan-$1x$2-$3 base t0 t1 t2 nk last acc den slices
	local dc rc0 rc1

	log_rotate
	base=$(wc -l < $DLOG 2>/dev/null || echo 0)
	rc0=$(cpu_ms $RPID)
	mark $tag
	insmod /ptsm/modules/devsec_bus.ko nr_endpoints=$e nr_functions=$f ||
		fail "insmod devsec_bus $e x $f"
	mark $tag-loaded
	rm -f $DSOCK
	# a first start on these devices: the previous run's state file (up to
	# 512 records of other devices) would be parsed in the measured interval
	rm -f $TSMETC/state/state.json
	daemon_start
	# the control socket is up: configuration and policy are loaded, the
	# coldplug scan starts
	mark $tag-ready
	wait_decided_all "$base" $n "$e x $f rep $r"
	# where the time went: the daemon's and the responder's CPU time
	dc=$(cpu_ms $DPID) rc1=$(cpu_ms $RPID)
	t0=$(us $tag)
	t1=$(us $tag-loaded)
	t2=$(us $tag-ready)
	set -- $(decided_after $tag $t2)
	nk=$1 last=$2 slices=$3
	acc=$(tail -n +$((base + 1)) $DLOG | grep -c ': accepted (')
	den=$(tail -n +$((base + 1)) $DLOG | grep -c ': denied (')
	expect_eq $n "$nk" "$e x $f rep $r: functions accepted or unlocked in the kernel log"
	echo "BENCH fanout size=${e}x$f functions=$n rep=$r load_us=$((t1 - t0)) daemon_start_us=$((t2 - t1)) decided_us=$((last - t0)) work_us=$((last - t2)) accepted=$acc denied=$den hwm_kb=$(kb $DPID VmHWM) slices_us=$slices daemon_cpu_ms=$dc responder_cpu_ms=$((rc1 - rc0))"
	daemon_stop
	ptsm_unload devsec_bus
}

# The daemon with no device at all: the floor of the footprint figure.
rm -f $DSOCK $TSMETC/state/state.json
daemon_start
# the socket exists before the coldplug scan; an answer comes from the
# running loop, after it. On kernels before 6.2 VmHWM and VmRSS still lag
# (each thread's RSS count reaches the process every 64 faults): there the
# footprint_map lines, read from the page tables, are the exact figure.
tsmctl list > /dev/null 2>&1
sleep 2
echo "BENCH daemon_base hwm_kb=$(kb $DPID VmHWM) rss_kb=$(kb $DPID VmRSS) threads=$(ls /proc/$DPID/task | wc -l) $(memsplit $DPID)"
maps $DPID floor
daemon_stop

# Repetition r of every size runs before repetition r + 1 of any: the
# sizes are measured side by side, so that a change of the host's load
# hits all of them (the ratios pair repetition r with repetition r).
maxreps=$REPS
[ "$LARGE_REPS" -gt "$maxreps" ] && maxreps=$LARGE_REPS
r=1
while [ $r -le "$maxreps" ]; do
	for s in $(echo "$SIZES" | tr ',' ' '); do
		e=${s%x*} f=${s#*x}
		reps=$REPS
		[ $((2 * e * f)) -gt 128 ] && reps=$LARGE_REPS
		[ $r -le "$reps" ] && run_size "$e" "$f" "$r"
	done
	r=$((r + 1))
done

# Footprint: FOOT per bridge decided (coldplug), then idle.
if [ "$FOOT" != 0 ]; then
	e=${FOOT%x*} f=${FOOT#*x} n=$((2 * ${FOOT%x*} * ${FOOT#*x}))
	log_rotate
	base=$(wc -l < $DLOG)
	insmod /ptsm/modules/devsec_bus.ko nr_endpoints=$e nr_functions=$f ||
		fail "insmod devsec_bus $e x $f"
	rm -f $DSOCK $TSMETC/state/state.json
	daemon_start
	wait_decided_all "$base" $n "footprint $e x $f"
	# the daemon writes its state file in a batch after the last decision
	# (1-10 s later): that write is the end of the work, not idle time
	wait_state_decided 30 $n
	# let the last jobs' threads finish before the idle windows
	sleep 2
	echo "BENCH footprint_rss functions=$n hwm_kb=$(kb $DPID VmHWM) rss_kb=$(kb $DPID VmRSS) threads=$(ls /proc/$DPID/task | wc -l) accepted=$(tail -n +$((base + 1)) $DLOG | grep -c ': accepted (') $(memsplit $DPID) state_bytes=$(stat -c %s $TSMETC/state/state.json 2>/dev/null || echo 0) state_accepted=$(state_accepted)"
	maps $DPID decided
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
