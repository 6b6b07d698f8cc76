#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by the devsec-*.sh tests (sourced as /ptsm/tests/devsec-lib.sh).
# Run on its own it checks the helpers against the emulated devices.
# vm: timeout=60
. /ptsm/lib.sh

PCI=/sys/bus/pci/devices
# Default topology names (devsec_bus with its default parameters)
RP0=10000:00:00.0
EP0=10000:01:00.0
EP0F1=10000:01:00.1
RP1=10001:02:00.0
EP1=10001:03:00.0
EP1F1=10001:03:00.1

# Emulated register layout (modules/devsec/devsec.h, docs/devsec-sample.md)
DVSEC_ID=$((0xd5ec))
TDISP_CTRL=$((0x0c))
TDISP_STATUS=$((0x10))
IDE_SEL_CTL=$((0x10))	# IDE cap + 0x0c (selective block) + 0x04
IDE_SEL_STS=$((0x14))

# cfg_read DEV OFF SIZE: little-endian value (decimal) from config space
cfg_read() {
	local v=0 i=0 b

	for b in $(od -An -tu1 -j "$2" -N "$3" "$PCI/$1/config"); do
		v=$((v + (b << (8 * i))))
		i=$((i + 1))
	done
	[ "$i" = "$3" ] || fail "cfg_read $1 $2 $3: short read"
	echo "$v"
}

# cfg_write DEV OFF SIZE VALUE: one aligned write of SIZE bytes
cfg_write() {
	local i=0 s="" b

	while [ $i -lt "$3" ]; do
		# the byte as an octal escape, by arithmetic (no subshell per byte)
		b=$((($4 >> (8 * i)) & 255))
		s="$s\\$((b >> 6))$(((b >> 3) & 7))$((b & 7))"
		i=$((i + 1))
	done
	# shellcheck disable=SC2059
	printf "$s" | dd of="$PCI/$1/config" bs="$3" seek=$(($2 / $3)) count=1 \
		conv=notrunc 2>/dev/null || fail "cfg_write $1 $2 failed"
}

# driver_of DEV: name of the bound driver, or "none"
driver_of() {
	local here=$PWD

	# cd -P resolves the link without a process (readlink and basename
	# cost two execs)
	if cd -P "$PCI/$1/driver" 2>/dev/null; then
		echo "${PWD##*/}"
		cd "$here" || fail "driver_of: cannot return to $here"
	else
		echo none
	fi
}

# ext_cap DEV ID [DVSEC_ID]: offset of extended capability ID (0 if none)
ext_cap() {
	local pos=256 hdr n=0

	while [ "$pos" -ne 0 ] && [ $n -lt 64 ]; do
		hdr=$(cfg_read "$1" "$pos" 4)
		if [ $((hdr & 0xffff)) -eq "$2" ]; then
			if [ -z "$3" ] ||
			   [ "$(cfg_read "$1" $((pos + 8)) 2)" -eq "$3" ]; then
				echo "$pos"
				return 0
			fi
		fi
		pos=$((hdr >> 20))
		n=$((n + 1))
	done
	echo 0
}

# dvsec DEV: offset of DEV's devsec DVSEC, found once per load of devsec_bus
# (the walk costs a process per capability; ptsm_load devsec_bus forgets it)
dvsec() {
	local d f=/tmp/ptsm-dvsec.$1

	if [ -s "$f" ]; then
		read -r d < "$f"
	else
		d=$(ext_cap "$1" 35 "$DVSEC_ID")
		[ "$d" -ne 0 ] || fail "$1 has no devsec DVSEC"
		echo "$d" > "$f"
	fi
	echo "$d"
}

# tdisp_state DEV: the emulated TDISP state (0 UNLOCKED .. 3 ERROR)
tdisp_state() {
	echo $(($(tdisp_status "$1") & 15))
}

# tdisp_status DEV: the whole TDISP status register
tdisp_status() {
	cfg_read "$1" $(($(dvsec "$1") + TDISP_STATUS)) 4
}

# tdisp_request DEV REQ: 1 LOCK, 2 START, 3 STOP
tdisp_request() {
	cfg_write "$1" $(($(dvsec "$1") + TDISP_CTRL)) 4 "$2"
}

# host_bridge DEV: sysfs directory of DEV's host bridge
host_bridge() {
	local p

	p=$(readlink -f "$PCI/$1")
	while [ -n "$p" ] && [ "$p" != / ]; do
		case "$(basename "$p")" in
		pci*:*) echo "$p"; return 0 ;;
		esac
		p=$(dirname "$p")
	done
	fail "no host bridge above $1"
}

# bar0_size DEV: size of BAR0 from the resource file
bar0_size() {
	local s e

	read -r s e _ < "$PCI/$1/resource"
	echo $((e - s + 1))
}

# tsm_by_mode MODE: name of the first registered TSM with that pci_mode
tsm_by_mode() {
	local t

	for t in /sys/class/tsm/tsm*; do
		[ -e "$t/pci_mode" ] || continue
		[ "$(cat "$t/pci_mode")" = "$1" ] && { basename "$t"; return 0; }
	done
	return 1
}

if [ "$PTSM_TEST" = devsec-lib ]; then
	ptsm_load devsec_bus
	expect_eq $((0x8086)) "$(cfg_read $EP0 0 2)" "cfg_read vendor id"
	[ "$(ext_cap $EP0 35 "$DVSEC_ID")" -ne 0 ] || fail "no DVSEC on $EP0"
	expect_eq 0 "$(tdisp_state $EP0)" "initial TDISP state"
	ptsm_unload devsec_bus
	exit 0
fi
