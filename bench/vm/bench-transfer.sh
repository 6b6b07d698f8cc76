#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench, figure 2 (not a test): time to dump a 16 MiB CERT0 over each
# generic netlink family (ptsm-nl read --quiet: reassembled in memory, not
# hashed, not written) next to reading the same bytes from the sample link
# TSM's certs attribute (cat > /dev/null) in the same VM, interleaved; each
# repetition is the best of three rounds.
# Prints one "BENCH transfer ..." line per sample; bench/run.sh computes the
# statistics. Times come from kernel log timestamps of /dev/kmsg markers
# (microseconds; busybox date has no sub-second clock).
# vm: timeout=600
# vm: append=log_buf_len=16M
. /ptsm/tests/evidence-lib.sh

REPS=5
for a in $(cat /proc/cmdline); do
	case $a in ptsm_bench_reps=*) REPS=${a#*=} ;; esac
done

# mark NAME: a kernel log line whose timestamp times NAME
mark() {
	echo "ptsm-bench: mark $1" > /dev/kmsg
}

# us NAME: timestamp of marker NAME in microseconds
us() {
	dmesg | sed -n "s/^\[ *\([0-9]*\)\.\([0-9]\{6\}\)\] ptsm-bench: mark $1\$/\1\2/p" |
		tail -n 1 | sed 's/^0*//'
}

# timed NAME CMD...: run CMD between two markers; prints NAME's microseconds
timed() {
	local n=$1

	shift
	mark "$n-a"
	"$@" || { echo "$n-failed"; return 1; }
	mark "$n-b"
	echo $(($(us "$n-b") - $(us "$n-a")))
}

# The console is a slow emulated UART: keep kernel chatter off it while
# timing (the log keeps everything; the harness reads it at the end).
old_printk=$(cut -f1 /proc/sys/kernel/printk)
trap 'echo $old_printk > /proc/sys/kernel/printk' EXIT
echo 1 > /proc/sys/kernel/printk

core_stack noshim
SIZE=$((16 << 20))
mkblob $W/cert0 $SIZE
mkblob $W/meas 4096
ev_connect $W/cert0 $W/meas
rm -f $W/cert0
CERTS=$CLASS/$LINK/device/certs
expect_eq $SIZE "$(wc -c < $CERTS)" "size of $CERTS"

sysfs_read() {
	cat $CERTS > /dev/null
}

nl_read() {
	ptsm-nl read --quiet --family "$1" --mask "$2" $EP0 > /dev/null
}

# Warm-up: first use of each path (page cache of the binaries, family
# lookup) stays out of the samples.
nl_read pci-tsm 1 || fail "ptsm-nl pci-tsm"
nl_read device-evidence 1 || fail "ptsm-nl device-evidence"
sysfs_read

# min A B: the smaller ("" counts as unset)
min() {
	if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi
}

# Each repetition keeps the best of three interleaved rounds: on a shared
# host a sample is only ever slowed down, never sped up.
i=1
while [ $i -le "$REPS" ]; do
	s="" p="" d="" p0="" d0=""
	for k in 1 2 3; do
		s=$(min "$s" "$(timed sysfs-$i-$k sysfs_read)")
		p=$(min "$p" "$(timed pcitsm-$i-$k nl_read pci-tsm 1)")
		d=$(min "$d" "$(timed devev-$i-$k nl_read device-evidence 1)")
		# the same client on a 4 KiB object: process start and family lookup
		p0=$(min "$p0" "$(timed pcitsm0-$i-$k nl_read pci-tsm 200)")
		d0=$(min "$d0" "$(timed devev0-$i-$k nl_read device-evidence 200)")
	done
	case "$s$p$d$p0$d0" in
	""|*[!0-9]*) fail "rep $i: a transfer failed: $s $p $d $p0 $d0" ;;
	esac
	echo "BENCH transfer rep=$i bytes=$SIZE sysfs_us=$s pci_tsm_us=$p device_evidence_us=$d pci_tsm_4k_us=$p0 device_evidence_4k_us=$d0"
	i=$((i + 1))
done

expect_ok "$(tf $EP0 disconnect)" "$LINK"
ptsm_unload_all
exit 0
