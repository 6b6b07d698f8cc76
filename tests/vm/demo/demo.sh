#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# `make demo`, inside the VM: load the devsec sample (emulated TEE-capable
# PCIe devices plus a host-side "link" TSM and a guest-side "devsec" TSM),
# then narrate, per device, what each step does. Run by tests/vm/demo/run.
#
# Sections (numbered as they are printed, so the numbers have no gaps on
# either path):
#   modules    load tsm_core pci_tsm tsm_shim (testing=1) devsec_bus
#              devsec_link_tsm devsec_tsm
#   TSMs       the registered TSMs and their roles
#   devices    the emulated devices that got a tsm/ directory
#   verifier   THE RELYING PARTY: daemon/verifierd/demo-run.sh (when the
#              daemon is built) runs tsm-verifierd on the sample devices
#   connect    without the daemon, by hand: link TSM connect per PF0
#   lock       without the daemon, by hand: lock, the report's MMIO ranges,
#              accept
#   shims      per device, what the kernel now does for its DMA and MMIO,
#              observed by calling the kernel (tests/kmod/ptsm_test_observe)
#   summary    per device: connect, lock, accept, bound, generation
#   teardown   unload everything, with devices still locked/accepted
# To extend the demo, add a section (section/say/step helpers below); the
# daemon's narration belongs in daemon/verifierd/demo-run.sh.
# swiotlb=force: bouncing is forced for every device, as in a confidential
# guest, so that "direct" for an accepted device is the shim's doing.
# vm: swiotlb=force
# vm: timeout=300
. /ptsm/lib.sh

PCI=/sys/bus/pci/devices
DEMO_DIR=/ptsm/demo

SECTION=0
# section TITLE: the next numbered section
section() {
	SECTION=$((SECTION + 1))
	echo
	echo "=== $SECTION. $* ==="
}
say() {
	echo "    $*"
}
# step DEV WHAT FILE VALUE: one sysfs write, narrated with its outcome
step() {
	local res

	res=$(sysfs-write "$3" "$4")
	printf '    %-14s %-26s -> %s\n' "$1" "$2" "$res"
	[ "$res" = OK ]
}
attr() {
	local v

	v=$(cat "$1" 2>/dev/null) || v="-"
	[ -n "$v" ] || v='""'
	echo "$v"
}
# host_bridge_of DEV: the sysfs directory of DEV's host bridge (pciDDDD:BB)
host_bridge_of() {
	local p

	p=$(readlink -f "$PCI/$1")
	while [ "$p" != / ] && [ -n "$p" ]; do
		case "$(basename "$p")" in
		pci[0-9a-f]*:[0-9a-f]*) echo "$p"; return 0 ;;
		esac
		p=$(dirname "$p")
	done
}
tsm_of_mode() {
	local t

	for t in /sys/class/tsm/*; do
		[ "$(cat "$t/pci_mode" 2>/dev/null)" = "$1" ] && { basename "$t"; return 0; }
	done
	return 1
}

# report_ranges DEV: the MMIO ranges of DEV's TDISP interface report, read
# over device-evidence (docs/ABI.md 4.) and numbered by the range id the
# report gives each range (the BAR index), as tsmctl show prints them
report_ranges() {
	local r=/tmp/demo-report i n off first pages attrs id flags end

	command -v ptsm-nl > /dev/null || { say "               (ptsm-nl not built: report not shown)"; return 0; }
	rm -rf $r
	mkdir -p $r
	if ! ptsm-nl read --family device-evidence --mask 400 --out $r "$1" > $r.txt 2>&1; then
		say "               report: not readable ($(head -n1 $r.txt))"
		return 0
	fi
	n=$(le $r/report.bin 12 4)
	say "               TDISP report: interface_info $(printf 0x%04x "$(le $r/report.bin 0 2)"), $n MMIO range(s), each numbered by its range id (its BAR)"
	i=0
	while [ "$i" -lt "$n" ]; do
		off=$((16 + 16 * i))
		first=$(le $r/report.bin $off 8)
		pages=$(le $r/report.bin $((off + 8)) 4)
		attrs=$(le $r/report.bin $((off + 12)) 2)
		id=$(le $r/report.bin $((off + 14)) 2)
		flags=""
		[ $((attrs & 1)) = 0 ] || flags="$flags msix-table"
		[ $((attrs & 2)) = 0 ] || flags="$flags msix-pba"
		[ $((attrs & 4)) = 0 ] || flags="$flags non-tee"
		[ $((attrs & 8)) = 0 ] || flags="$flags updatable"
		end=$((((first + pages) << 12) - 1))
		say "               range $id: $(printf '0x%x-0x%x' $((first << 12)) $end)" \
		    "($pages pages)${flags:- tee}"
		i=$((i + 1))
	done
}
# le FILE OFF SIZE: little-endian unsigned field of FILE (decimal)
le() {
	local v=0 i=0 b

	for b in $(od -v -An -tu1 -j "$2" -N "$3" "$1"); do
		v=$((v + (b << (8 * i))))
		i=$((i + 1))
	done
	echo "$v"
}
# yes_no VALUE: "no" for an empty attribute, else VALUE
yes_no() {
	[ -n "$1" ] && echo "$1" || echo no
}
# tsm_attr DEV NAME: DEV's tsm/NAME; "no" when empty, "n/a" when DEV has no
# such attribute (connect and dsm exist only on PF0)
tsm_attr() {
	local f=$PCI/$1/tsm/$2

	[ -e "$f" ] || { echo n/a; return 0; }
	yes_no "$(cat "$f" 2>/dev/null)"
}
# tdi_state DEV: accepted / locked / unlocked, from pci_tsm's sysfs
tdi_state() {
	if [ "$(cat "$PCI/$1/tsm/accept" 2>/dev/null)" = 1 ]; then
		echo accepted
	elif [ -n "$(cat "$PCI/$1/tsm/lock" 2>/dev/null)" ]; then
		echo locked
	else
		echo unlocked
	fi
}
# ob KEY: value of KEY= in the observation $OB
ob() {
	echo "$OB" | sed -n "s/^$1=\([^ ]*\).*/\1/p"
}
# shim_line DEV STATE: one line saying what the kernel did for DEV's DMA and
# MMIO, from ptsm_test_observe; returns 1 when that contradicts STATE
shim_line() {
	local dev=$1 state=$2 coh map mmio msix want got

	if [ "$(sysfs-write $OBS "$dev")" != OK ]; then
		printf '    %-14s %-9s could not be observed\n' "$dev" "$state"
		return 1
	fi
	OB=$(cat $OBS)
	case "$(ob coherent)" in
	private) coh="private coherent DMA" ;;
	shared) coh="shared (decrypted) coherent DMA" ;;
	*) coh="coherent DMA $(ob coherent)" ;;
	esac
	case "$(ob map)" in
	direct) map="direct streaming DMA" ;;
	bounced) map="bounced (swiotlb) streaming DMA" ;;
	*) map="streaming DMA $(ob map)" ;;
	esac
	case "$(ob bar0)" in
	encrypted) mmio="encrypted MMIO (BAR0)" ;;
	plain) mmio="plain MMIO (BAR0)" ;;
	refused) mmio="BAR0 ioremap refused" ;;
	absent) mmio="no memory BAR0" ;;
	*) mmio="BAR0 $(ob bar0)" ;;
	esac
	msix=""
	[ "$(ob msix)" = absent ] || msix=", MSI-X table $(ob msix)"
	printf '    %-14s %-9s %s, %s, %s%s\n' "$dev" "$state" "$coh" "$map" "$mmio" "$msix"
	# what docs/ABI.md 5./6. promise for STATE in a confidential guest
	got="$(ob coherent) $(ob map) $(ob bar0)"
	case "$state" in
	accepted) want="private direct encrypted" ;;
	*) want="shared bounced plain" ;;
	esac
	[ "$(ob bar0)" = absent ] && want="${want% *} absent"
	[ "$got" = "$want" ] && return 0
	say "               !! expected $want for a device that is $state"
	return 1
}

# ------------------------------------------------------------ modules
section "loading the pci-tsm modules and the devsec sample"
for m in tsm_core pci_tsm "tsm_shim testing=1" devsec_bus devsec_link_tsm devsec_tsm; do
	# shellcheck disable=SC2086 # the module's parameters, if any
	out=$(ptsm_load $m) || { echo "$out"; exit 1; }
	say "loaded $m"
done
say "(tsm_shim testing=1: this plain VM takes the shims' decisions of a confidential guest)"
sleep 1

# --------------------------------------------------------------- TSMs
section "TEE security managers (/sys/class/tsm)"
for t in /sys/class/tsm/*; do
	[ -e "$t" ] || { say "none registered"; break; }
	say "$(basename "$t"): pci_mode=$(attr "$t/pci_mode") ($(basename "$(readlink "$t/device")"))"
done
LINK=$(tsm_of_mode link) || LINK=""
DEVSEC=$(tsm_of_mode devsec) || DEVSEC=""
say "link TSM: ${LINK:-none}   devsec TSM: ${DEVSEC:-none}"

# ------------------------------------------------------------ devices
section "PCI devices with a tsm/ directory"
DEVS=""
for d in $PCI/*; do
	[ -d "$d/tsm" ] || continue
	n=$(basename "$d")
	DEVS="$DEVS $n"
	say "$n  $(attr "$d/vendor"):$(attr "$d/device") class $(attr "$d/class")  attrs: $(ls "$d/tsm" | tr '\n' ' ')"
done
[ -n "$DEVS" ] || say "no device has a tsm/ directory"

# ----------------------------------------------------------- verifier
# THE RELYING PARTY. tsm-verifierd watches devices, locks them, fetches
# fresh evidence, judges it against /etc/tsm policy and accepts or denies.
# daemon/verifierd/demo-run.sh (copied to /ptsm/demo/) narrates its run; it
# loads the stack itself (pci_tsm require_validate=1), so start from clean.
section "relying party: tsm-verifierd"
DAEMON_RAN=0
if grep -q 'ptsm_demo=manual' /proc/cmdline; then
	say "skipped (tests/vm/demo/run --manual): the flows by hand follow"
elif [ -f "$DEMO_DIR/demo-run.sh" ] && command -v tsm-verifierd > /dev/null; then
	out=$(ptsm_unload_all) || { echo "$out"; exit 1; }
	say "running daemon/verifierd/demo-run.sh"
	# its steps become $SECTION.1, $SECTION.2, ...: part of this section
	sh "$DEMO_DIR/demo-run.sh" > /tmp/demo-run.out 2>&1
	rc=$?
	awk -v s="$SECTION" '/^=== / { sub(/^=== /, "--- " s "." ++k " ") } { print }' \
		/tmp/demo-run.out
	[ $rc = 0 ] || say "demo-run.sh exited with status $rc"
	DAEMON_RAN=1
elif command -v tsm-verifierd > /dev/null; then
	say "tsm-verifierd is built but daemon/verifierd/demo-run.sh is missing: the flows by hand follow"
else
	say "tsm-verifierd is not built yet: the flows by hand follow"
fi

if [ $DAEMON_RAN = 0 ]; then
	# ------------------------------------------------------ connect
	section "link TSM by hand: connect (SPDM session + IDE stream) on each PF0"
	for n in $DEVS; do
		[ -e "$PCI/$n/tsm/connect" ] || continue
		[ -n "$LINK" ] || { say "no link TSM"; break; }
		step "$n" "connect $LINK" "$PCI/$n/tsm/connect" "$LINK" || continue
		say "               dsm=$(attr "$PCI/$n/tsm/dsm")" \
		    "authenticated=$(attr "$PCI/$n/authenticated")" \
		    "evidence_generation=$(attr "$PCI/$n/tsm/evidence_generation")"
		hb=$(host_bridge_of "$n")
		[ -n "$hb" ] &&
			say "               host bridge $(basename "$hb"):" \
			    "$(ls "$hb" | grep '^stream' | tr '\n' ' ')" \
			    "available_secure_streams=$(attr "$hb/available_secure_streams")"
		step "$n" "disconnect $LINK" "$PCI/$n/tsm/disconnect" "$LINK"
	done

	# ------------------------------------------------------ lock/accept
	section "devsec TSM by hand: lock, report, accept (what the daemon automates)"
	for n in $DEVS; do
		[ -e "$PCI/$n/tsm/lock" ] || continue
		[ -n "$DEVSEC" ] || { say "no devsec TSM"; break; }
		step "$n" "lock $DEVSEC" "$PCI/$n/tsm/lock" "$DEVSEC" || continue
		say "               evidence_generation=$(attr "$PCI/$n/tsm/evidence_generation")" \
		    "bound=$(tsm_attr "$n" bound)"
		report_ranges "$n"
		step "$n" "accept 1 (unverified!)" "$PCI/$n/tsm/accept" 1
		say "               accept=$(attr "$PCI/$n/tsm/accept")"
	done
fi

# -------------------------------------------------------------- shims
# Observed, not assumed: ptsm_test_observe (tests/kmod, a test-only module
# shipped in /ptsm/selftest) calls dma_alloc_coherent(), dma_map_single()
# and ioremap() for the device and reports what the kernel did.
section "what the shims now do for each device (observed by calling the kernel)"
OBS=/sys/kernel/debug/ptsm_test_observe/run
SHIMS_OK=1
if ! out=$(ptsm_load ptsm_test_observe 2>&1); then
	say "ptsm_test_observe could not be loaded: $out"
	SHIMS_OK=0
else
	# the kprobe optimizer runs a few jiffies after a change: let it
	# have its chance before the kernel is asked
	sleep 3
	printf '    %-14s %-9s %s\n' device state "coherent DMA, streaming DMA, MMIO"
	for n in $DEVS; do
		shim_line "$n" "$(tdi_state "$n")" || SHIMS_OK=0
	done
	CTRL=$(unrelated_dev)
	[ -z "$CTRL" ] || shim_line "$CTRL" "QEMU's" || SHIMS_OK=0
	ptsm_unload ptsm_test_observe > /dev/null
fi

# ------------------------------------------------------------- summary
section "summary per device"
printf '    %-16s %-10s %-8s %-8s %-8s %s\n' device connect lock accept bound generation
for n in $DEVS; do
	printf '    %-16s %-10s %-8s %-8s %-8s %s\n' "$n" \
		"$(tsm_attr "$n" connect)" "$(tsm_attr "$n" lock)" \
		"$(attr "$PCI/$n/tsm/accept")" "$(tsm_attr "$n" bound)" \
		"$(attr "$PCI/$n/tsm/evidence_generation")"
done
say "no: empty (not connected, not locked); n/a: no such attribute (connect and bound"
say "exist on PF0 only, while a link TSM is registered)"

# ------------------------------------------------------------ teardown
section "teardown: unloading with devices still locked/accepted"
before=$(ptsm_loaded_modules)
out=$(ptsm_unload_all) || { echo "$out"; exit 1; }
# shellcheck disable=SC2046 # word splitting joins the names by one space
say "unloaded, dependents first:" $(echo "$out" | sed -n 's/.*unloaded //p')
left=$(ptsm_loaded_modules)
if [ -n "$left" ]; then
	# shellcheck disable=SC2086
	say "all modules unloaded: no, still loaded:" $left
	exit 1
fi
# shellcheck disable=SC2086
say "all modules unloaded: yes (all $(echo $before | wc -w) that were loaded)"
[ $SHIMS_OK = 1 ] || { say "the shims did not do what the device states promise (see above)"; exit 1; }
exit 0
