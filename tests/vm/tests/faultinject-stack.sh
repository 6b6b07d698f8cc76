#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault injection (issue 9): with failslab and fail_function failing
# allocations and our own helpers at random -- only in this test's
# processes (task-filter), so the rest of the kernel runs normally -- every
# module load, connect, lock, accept, evidence dump, unlock, disconnect and
# unload either succeeds or fails with a clean error. Afterwards every
# module unloads; the harness then forces a kmemleak scan and fails the run
# on any leak, and on any KASAN/lockdep/debug-objects report meanwhile.
#
# FI_ROUNDS (default 8; more on demand: --append "ptsm.fi_rounds=N") sets
# the number of rounds.
# vm: kernel=debug-6.12
# vm: timeout=900
. /ptsm/tests/core-lib.sh

FI=/sys/kernel/debug
[ -d "$FI/failslab" ] || fail "no failslab in debugfs (debug kernel expected)"
[ -d "$FI/fail_function" ] || fail "no fail_function in debugfs (debug kernel expected)"

rounds=$(sed -n 's/.*ptsm\.fi_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
rounds=${rounds:-${FI_ROUNDS:-8}}

# Our helpers marked ALLOW_ERROR_INJECTION; those of loaded modules are
# offered to fail_function (a missing one is reported, not fatal: the
# list tracks what the modules mark).
FI_FUNCS="ptsm_register ptsm_bridge_link_get ptsm_evidence_publish ptsm_pci_set_tee_mmio"

set_attr() {
	echo "$2" > "$1" || fail "cannot set $1 to $2"
}

# One-time setup: failures only for tasks that ask (make-it-fail), sleeping
# allocations included, silent (a forced failure is not a kernel complaint).
for f in failslab fail_function; do
	set_attr "$FI/$f/task-filter" Y
	set_attr "$FI/$f/interval" 1
	set_attr "$FI/$f/times" -1
	set_attr "$FI/$f/verbose" 0
done
set_attr "$FI/failslab/ignore-gfp-wait" N
# failslab fails the kmalloc caches only. The kernel WARNs by design when
# some of its own non-kmalloc caches fail a GFP_NOWAIT allocation (e.g.
# vmap_area in va_clip() while insmod vmallocs the module image): a fault no
# module can make clean. Our modules allocate from kmalloc; slub_debug keeps
# those caches unmerged, so each can be selected.
set_attr "$FI/failslab/cache-filter" Y
nsel=0
for c in /sys/kernel/slab/kmalloc-*/failslab; do
	[ -e "$c" ] || continue
	echo 1 > "$c" || fail "cannot select $c for failslab"
	nsel=$((nsel + 1))
done
[ "$nsel" -gt 0 ] || fail "no kmalloc cache in /sys/kernel/slab to select for failslab"
log "failslab: $nsel kmalloc caches selected"

# The PCI core cannot fail while it enumerates a bus: it WARNs when
# device_add() fails (pci_device_add(), pci_alloc_child_bus()) and panics
# when sorting resources for assignment cannot allocate (setup-bus.c).
# devsec_bus calls pci_scan_root_bus_bridge() and then
# pci_assign_unassigned_bus_resources(), so no allocation below the span of
# the PCI core from the first to the end of the second fails (probe.c
# through setup-bus.c in link order, which takes in pci-driver.c's driver
# probe and remove as well). Everything else devsec_bus allocates still may.
[ -e "$FI/failslab/reject-start" ] ||
	fail "failslab has no stack filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
# kallsyms sorted by address (fixed-width hex): the first function's start,
# and the first higher address after the last one as the end.
range=$(sort /proc/kallsyms | awk '
	e && $1 > e { print "0x" s, "0x" $1; exit }
	$3 == "pci_scan_root_bus_bridge" && $2 ~ /^[Tt]$/ { s = $1 }
	$3 == "pci_assign_unassigned_bus_resources" && $2 ~ /^[Tt]$/ && s { e = $1 }')
case "$range" in
"") fail "pci_scan_root_bus_bridge/pci_assign_unassigned_bus_resources not found in /proc/kallsyms, or out of order" ;;
0x0000000000000000*) fail "/proc/kallsyms hides addresses (kptr_restrict)" ;;
esac
rs=${range% *}
re=${range#* }
# a sanity bound: the span is part of the PCI core, not half the kernel
[ "${rs%????????}" = "${re%????????}" ] &&
	[ $((0x${re#??????????} - 0x${rs#??????????})) -lt 1048576 ] ||
	fail "the PCI core span $range is not one compact block of text"
set_attr "$FI/failslab/reject-start" "$rs"
set_attr "$FI/failslab/reject-end" "$re"
log "failslab: no failures below the PCI core's scan and assignment ($range)"

# Only allocations made on behalf of module code fail: a frame of the call
# stack must lie above the kernel's text (modules live above it on x86-64).
# Otherwise insmod fails in load_module() itself nearly every time (it
# allocates hundreds of times before a module's init runs) and our init and
# probe error paths are rarely reached.
ktext_end=$(awk 'NF == 3 && $2 ~ /^[Tt]$/ && $1 > m { m = $1 } END { print m }' /proc/kallsyms)
[ -n "$ktext_end" ] || fail "cannot find the end of the kernel's text in /proc/kallsyms"
set_attr "$FI/failslab/require-start" "0x$ktext_end"
set_attr "$FI/failslab/require-end" 0xffffffffffffffff
log "failslab: only below module code (frames above 0x$ktext_end)"

# faulty PROB fi-syscall-ARGS...: one request through fi-syscall, which
# arms make-it-fail only around its system calls (a task that fails every
# allocation would otherwise die of its own page faults first), with
# failslab/fail_function failing at PROB percent. Returns its status.
faulty() {
	local prob=$1 rc

	shift
	echo "$prob" > "$FI/failslab/probability"
	echo "$prob" > "$FI/fail_function/probability"
	fi-syscall "$@" > /tmp/fi-op.log 2>&1
	rc=$?
	echo 0 > "$FI/failslab/probability"
	echo 0 > "$FI/fail_function/probability"
	[ $rc -le 1 ] || { cat /tmp/fi-op.log; fail "fi-syscall $* could not run (status $rc)"; }
	return $rc
}

arm_functions() {
	local fn

	echo > "$FI/fail_function/inject" 2>/dev/null
	for fn in $FI_FUNCS; do
		if echo "$fn" > "$FI/fail_function/inject" 2>/dev/null; then
			# retval is parsed as an unsigned number: -ENOMEM in hex
			printf '%#x' -12 > "$FI/fail_function/$fn/retval" ||
				fail "cannot set $fn's injected return value"
		else
			log "fail_function: $fn is not injectable here"
		fi
	done
}

# A write that fails must fail with an errno, never hang or oops; the
# harness judges the kernel log. Record outcomes to show coverage.
ok=0
failed=0
: > /tmp/fi-tally
op() {
	local what

	case "$2" in
	insmod) what="insmod ${3##*/}" ;;
	write) what="write ${3#"$PCI/"}" ;;
	*) what="$2 $3" ;;
	esac
	if faulty "$@"; then
		ok=$((ok + 1))
		echo "$what: ok" >> /tmp/fi-tally
	else
		failed=$((failed + 1))
		echo "$what: failed" >> /tmp/fi-tally
	fi
}

round() {
	local prob=$1 order=$2 m

	# Load under fault injection; what failed is loaded cleanly after, so
	# the later steps run (and the unload of a half-loaded stack is covered).
	# Both orders: pci_tsm meets the devices in its bus notifier (order A)
	# or finds them present at load (order B).
	for m in $order; do
		ptsm_is_loaded "$m" && continue
		# tsm_shim arms ftrace-based kprobes, and the kernel WARNs when
		# arming or disarming one fails to allocate (kernel/kprobes.c):
		# no module can make that safe, so it loads and unloads without
		# injection. Its fail-closed path is covered by shim-failclosed.
		if [ "$m" != tsm_shim ]; then
			op "$prob" insmod "$PTSM_MODDIR/$m.ko"
		fi
		ptsm_is_loaded "$m" || insmod "$PTSM_MODDIR/$m.ko" ||
			fail "round $r: $m does not load even without fault injection"
	done
	arm_functions
	wait_for "$PCI/$EP0/tsm"
	# Whatever failed while loading, pci_tsm is loaded now: every TEE
	# function is tracked and held, none left free to bind unverified.
	for d in $EP0 $EP0F1 $EP1 $EP1F1; do
		[ -d "$PCI/$d/tsm" ] || fail "round $r: $d has no tsm/ with pci_tsm loaded"
		expect_eq pci_tsm_hold "$(driver_of "$d")" "round $r: driver of $d"
	done
	LINK=$(tsm_by_mode link) || fail "no link TSM"
	SEC=$(tsm_by_mode devsec) || fail "no devsec TSM"

	op "$prob" write "$(tf "$EP0" connect)" "$LINK"
	op "$prob" dump pci-tsm "$EP0" 0x7ff
	op "$prob" write "$(tf "$EP1F1" lock)" "$SEC"
	op "$prob" dump device-evidence "$EP1F1" 0x7ff
	op "$prob" write "$(tf "$EP1F1" accept)" 1
	op "$prob" write "$(tf "$EP1F1" unlock)" "$SEC"
	op "$prob" write "$(tf "$EP1" lock)" "$SEC"
	op "$prob" write "$(tf "$EP0" disconnect)" "$LINK"
	# fail_function is a kprobe on our own functions: killing it when its
	# module goes allocates too (kprobes_module_callback), with the same
	# WARN on failure. Disarm it before the modules unload.
	echo > "$FI/fail_function/inject" 2>/dev/null
	# Unload with everything possibly still connected/locked: teardown
	# paths under failing allocations (tsm_shim without, see above).
	for m in devsec_pci devsec_tsm devsec_link_tsm devsec_bus; do
		op "$prob" rmmod "$m"
	done
	ptsm_unload tsm_shim
	# pci_tsm's recovery probes (recovery.c) are ftrace kprobes too, but
	# registered disarmed: armed by an accept (a failed arm is a clean
	# error: the accept fails), disarmed by a worker once no function is
	# accepted, and at unload by that worker as well (a worker never runs
	# under the task filter), so its unload stays under injection.
	op "$prob" rmmod pci_tsm
	op "$prob" rmmod tsm_core
	echo > "$FI/fail_function/inject" 2>/dev/null
	ptsm_unload_all
	[ -z "$(ptsm_loaded_modules)" ] || fail "round $r: modules left: $(ptsm_loaded_modules)"
}

r=1
while [ $r -le "$rounds" ]; do
	# Sweep probabilities so early and late failure points both get hit.
	case $((r % 4)) in
	0) p=5 ;; 1) p=15 ;; 2) p=35 ;; 3) p=60 ;;
	esac
	# Four rounds per order, so each order meets every probability.
	if [ $(((r - 1) / 4 % 2)) = 0 ]; then
		order="tsm_core pci_tsm tsm_shim devsec_bus devsec_link_tsm devsec_tsm devsec_pci"
	else
		order="devsec_bus devsec_pci tsm_core pci_tsm tsm_shim devsec_link_tsm devsec_tsm"
	fi
	log "round $r/$rounds: failure probability $p%, load order: $order"
	round "$p" "$order"
	r=$((r + 1))
done
# Which operations met a failure, to show what the rounds covered.
sort /tmp/fi-tally | uniq -c | while read -r n what; do
	log "  $n x $what"
done
log "$rounds rounds: $ok operations succeeded, $failed failed cleanly under injection"
[ "$failed" -gt 0 ] || fail "no operation failed: fault injection did not take effect"
[ "$ok" -gt 0 ] || fail "no operation succeeded: the test exercised only the first failure"
