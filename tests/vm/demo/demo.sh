#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# `make demo`, inside the VM: load the devsec sample (emulated TEE-capable
# PCIe devices plus a host-side "link" TSM and a guest-side "devsec" TSM),
# then narrate, per device, what each step does. Run by tests/vm/demo/run.
#
# Sections:
#   1 modules    load tsm_core pci_tsm tsm_shim devsec_bus devsec_link_tsm devsec_tsm
#   2 TSMs       the registered TSMs and their roles
#   3 devices    the emulated devices that got a tsm/ directory
#   4 verifier   THE RELYING PARTY: daemon/verifierd/demo-run.sh (when the
#                daemon is built) runs tsm-verifierd on the sample devices
#   5 connect    without the daemon, by hand: link TSM connect per PF0
#   6 lock       without the daemon, by hand: lock, evidence, accept
#   7 summary    per device: state, decision
#   8 teardown   unload everything
# To extend the demo, add a section (section/say/step helpers below); the
# daemon's narration belongs in daemon/verifierd/demo-run.sh.
# vm: timeout=300
. /ptsm/lib.sh

PCI=/sys/bus/pci/devices
DEMO_DIR=/ptsm/demo

section() {
	echo
	echo "=== $* ==="
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

# ------------------------------------------------------------ 1 modules
section "1. loading the pci-tsm modules and the devsec sample"
for m in tsm_core pci_tsm tsm_shim devsec_bus devsec_link_tsm devsec_tsm; do
	out=$(ptsm_load "$m") || { echo "$out"; exit 1; }
	say "loaded $m"
done
sleep 1

# --------------------------------------------------------------- 2 TSMs
section "2. TEE security managers (/sys/class/tsm)"
for t in /sys/class/tsm/*; do
	[ -e "$t" ] || { say "none registered"; break; }
	say "$(basename "$t"): pci_mode=$(attr "$t/pci_mode") ($(basename "$(readlink "$t/device")"))"
done
LINK=$(tsm_of_mode link) || LINK=""
DEVSEC=$(tsm_of_mode devsec) || DEVSEC=""
say "link TSM: ${LINK:-none}   devsec TSM: ${DEVSEC:-none}"

# ------------------------------------------------------------ 3 devices
section "3. PCI devices with a tsm/ directory"
DEVS=""
for d in $PCI/*; do
	[ -d "$d/tsm" ] || continue
	n=$(basename "$d")
	DEVS="$DEVS $n"
	say "$n  $(attr "$d/vendor"):$(attr "$d/device") class $(attr "$d/class")  attrs: $(ls "$d/tsm" | tr '\n' ' ')"
done
[ -n "$DEVS" ] || say "no device has a tsm/ directory"

# ----------------------------------------------------------- 4 verifier
# THE RELYING PARTY. tsm-verifierd watches devices, locks them, fetches
# fresh evidence, judges it against /etc/tsm policy and accepts or denies.
# daemon/verifierd/demo-run.sh (copied to /ptsm/demo/) narrates its run; it
# loads the stack itself (pci_tsm require_validate=1), so start from clean.
section "4. relying party: tsm-verifierd"
DAEMON_RAN=0
if grep -q 'ptsm_demo=manual' /proc/cmdline; then
	say "skipped (tests/vm/demo/run --manual): the flows by hand follow"
elif [ -f "$DEMO_DIR/demo-run.sh" ] && command -v tsm-verifierd > /dev/null; then
	out=$(ptsm_unload_all) || { echo "$out"; exit 1; }
	say "running daemon/verifierd/demo-run.sh"
	sh "$DEMO_DIR/demo-run.sh" || say "demo-run.sh exited with status $?"
	DAEMON_RAN=1
elif command -v tsm-verifierd > /dev/null; then
	say "tsm-verifierd is built but daemon/verifierd/demo-run.sh is missing"
else
	say "tsm-verifierd is not built yet: the flows by hand follow (sections 5 and 6)"
fi

if [ $DAEMON_RAN = 0 ]; then
	# ------------------------------------------------------ 5 connect
	section "5. link TSM by hand: connect (SPDM session + IDE stream) on each PF0"
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

	# ------------------------------------------------------ 6 lock/accept
	section "6. devsec TSM by hand: lock, evidence, accept (what the daemon automates)"
	for n in $DEVS; do
		[ -e "$PCI/$n/tsm/lock" ] || continue
		[ -n "$DEVSEC" ] || { say "no devsec TSM"; break; }
		step "$n" "lock $DEVSEC" "$PCI/$n/tsm/lock" "$DEVSEC" || continue
		say "               evidence_generation=$(attr "$PCI/$n/tsm/evidence_generation")" \
		    "bound=$(attr "$PCI/$n/tsm/bound")"
		step "$n" "accept 1 (unverified!)" "$PCI/$n/tsm/accept" 1
		say "               accept=$(attr "$PCI/$n/tsm/accept")"
	done
fi

# ------------------------------------------------------------- 7 summary
section "7. summary per device"
printf '    %-16s %-10s %-8s %-8s %-8s %s\n' device connect lock accept bound generation
for n in $DEVS; do
	printf '    %-16s %-10s %-8s %-8s %-8s %s\n' "$n" \
		"$(attr "$PCI/$n/tsm/connect")" "$(attr "$PCI/$n/tsm/lock")" \
		"$(attr "$PCI/$n/tsm/accept")" "$(attr "$PCI/$n/tsm/bound")" \
		"$(attr "$PCI/$n/tsm/evidence_generation")"
done

# ------------------------------------------------------------ 8 teardown
section "8. teardown: unloading with devices connected/locked/accepted"
out=$(ptsm_unload_all) || { echo "$out"; exit 1; }
say "all modules unloaded: $(ptsm_loaded_modules | tr '\n' ' ')"
exit 0
