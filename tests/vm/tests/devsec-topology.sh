#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# devsec_bus on its own: both emulated domains, the endpoint and root port
# config space (class, BARs, DEVCAP TEE, MSI-X in BAR0, DOE/IDE/DVSEC
# extended capabilities), DOE discovery, IDE stream state and
# available_secure_streams, the TDISP emulation (ERROR on a BAR write, on a
# memory decode disable and on FLR while locked), module parameters.
# vm: timeout=120
. /ptsm/tests/devsec-lib.sh

check_endpoint() { # DEV FN0(1|0) BAR_SIZE
	local d=$1 cap v

	expect_eq 0x8086 "$(cat $PCI/$d/vendor)" "$d vendor"
	expect_eq 0xffff "$(cat $PCI/$d/device)" "$d device"
	expect_eq 0x120000 "$(cat $PCI/$d/class)" "$d class"
	expect_eq "$3" "$(bar0_size $d)" "$d BAR0 size"
	read -r _ _ v < "$PCI/$d/resource"
	# IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64
	expect_eq $((0x102200)) $((v & 0x102200)) "$d BAR0 flags"
	expect_eq 16 "$(cfg_read $d 0x40 1)" "$d PCIe cap at 0x40"
	v=$(cfg_read $d $((0x44)) 4)
	expect_eq $((1 << 30)) $((v & (1 << 30))) "$d DEVCAP TEE"
	expect_eq $((0x11)) "$(cfg_read $d $((0x80)) 1)" "$d MSI-X cap"
	expect_eq $(($3 / 2)) "$(cfg_read $d $((0x84)) 4)" "$d MSI-X table in BAR0"
	expect_eq $(($3 / 2 + 4096)) "$(cfg_read $d $((0x88)) 4)" "$d MSI-X PBA in BAR0"
	[ "$(ext_cap $d 35 "$DVSEC_ID")" -ne 0 ] || fail "$d: no TDISP DVSEC"
	if [ "$2" = 1 ]; then
		[ "$(ext_cap $d 46)" -ne 0 ] || fail "$d: no DOE capability"
		[ "$(ext_cap $d 48)" -ne 0 ] || fail "$d: no IDE capability"
	else
		expect_eq 0 "$(ext_cap $d 46)" "$d: DOE only on function 0"
		expect_eq 0 "$(ext_cap $d 48)" "$d: IDE only on function 0"
	fi
}

check_port() {
	expect_eq 0x8086 "$(cat $PCI/$1/vendor)" "$1 vendor"
	expect_eq 0x060400 "$(cat $PCI/$1/class)" "$1 class"
	expect_eq $((0x42)) $(($(cfg_read $1 $((0x42)) 2) & 0xf2)) "$1 PCIe root port"
	[ "$(ext_cap $1 48)" -ne 0 ] || fail "$1: no IDE capability"
}

ptsm_load devsec_bus
for d in $RP0 $RP1; do check_port $d; done
for d in $EP0 $EP1; do check_endpoint $d 1 $((2 << 20)); done
for d in $EP0F1 $EP1F1; do check_endpoint $d 0 $((2 << 20)); done
[ -e $PCI/10000:01:00.2 ] && fail "a third function exists"
grep -q "devsec_bus hb0" /proc/iomem || fail "no MMIO window in /proc/iomem"
grep -q "devsec_bus hb1" /proc/iomem || fail "no second MMIO window in /proc/iomem"

# DOE discovery by hand: index 0 -> discovery protocol, next index 1
doe=$(ext_cap $EP0 46)
cfg_write $EP0 $((doe + 8)) 4 1			# abort
expect_eq 0 "$(cfg_read $EP0 $((doe + 12)) 4)" "DOE idle after abort"
cfg_write $EP0 $((doe + 16)) 4 1		# vid 1, type 0
cfg_write $EP0 $((doe + 16)) 4 3		# length 3
cfg_write $EP0 $((doe + 16)) 4 1		# index 1
cfg_write $EP0 $((doe + 8)) 4 $((1 << 31))	# go
expect_eq $((1 << 31)) "$(cfg_read $EP0 $((doe + 12)) 4)" "DOE data object ready"
expect_eq 1 "$(cfg_read $EP0 $((doe + 20)) 4)" "DOE response header 1"
cfg_write $EP0 $((doe + 20)) 4 0
expect_eq 3 "$(cfg_read $EP0 $((doe + 20)) 4)" "DOE response length"
cfg_write $EP0 $((doe + 20)) 4 0
expect_eq $((0x02010001)) "$(cfg_read $EP0 $((doe + 20)) 4)" "DOE entry 1: CMA, next 2"
cfg_write $EP0 $((doe + 20)) 4 0
expect_eq 0 "$(cfg_read $EP0 $((doe + 12)) 4)" "DOE idle after the response"
# an unsupported protocol sets the error bit until abort
cfg_write $EP0 $((doe + 16)) 4 $((0x10001))
cfg_write $EP0 $((doe + 16)) 4 2
cfg_write $EP0 $((doe + 8)) 4 $((1 << 31))
expect_eq 4 "$(cfg_read $EP0 $((doe + 12)) 4)" "DOE error on unknown protocol"
cfg_write $EP0 $((doe + 8)) 4 1
expect_eq 0 "$(cfg_read $EP0 $((doe + 12)) 4)" "DOE error cleared by abort"
if [ -d $PCI/$EP0/doe_features ]; then
	# 6.12+ ran discovery at enumeration
	expect_eq 3 "$(ls $PCI/$EP0/doe_features | wc -l)" "doe_features entries"
fi

# IDE: stream enable is reflected in the state field and the bridge count
hb=$(host_bridge $RP0)
expect_eq 4 "$(cat $hb/available_secure_streams)" "idle streams"
ide=$(ext_cap $RP0 48)
cfg_write $RP0 $((ide + IDE_SEL_CTL)) 4 1
expect_eq 2 $(($(cfg_read $RP0 $((ide + IDE_SEL_STS)) 4) & 15)) "IDE state secure"
expect_eq 3 "$(cat $hb/available_secure_streams)" "one stream in use"
expect_eq 4 "$(cat "$(host_bridge $RP1)"/available_secure_streams)" "other bridge idle"
cfg_write $RP0 $((ide + IDE_SEL_CTL)) 4 0
expect_eq 0 $(($(cfg_read $RP0 $((ide + IDE_SEL_STS)) 4) & 15)) "IDE state insecure"
expect_eq 4 "$(cat $hb/available_secure_streams)" "stream released"

# TDISP: LOCK, START, refused requests, STOP
expect_eq 0 "$(tdisp_state $EP0F1)" "initial state"
tdisp_request $EP0F1 2
expect_eq $((1 << 16)) "$(tdisp_status $EP0F1)" "START refused while UNLOCKED"
tdisp_request $EP0F1 1
expect_eq 1 "$(tdisp_status $EP0F1)" "LOCKED"
tdisp_request $EP0F1 1
expect_eq $((1 | 1 << 16)) "$(tdisp_status $EP0F1)" "LOCK refused while LOCKED"
tdisp_request $EP0F1 2
expect_eq 2 "$(tdisp_status $EP0F1)" "RUN"
tdisp_request $EP0F1 3
expect_eq 0 "$(tdisp_status $EP0F1)" "UNLOCKED"

# ERROR on a BAR write while LOCKED (a write of the same value is harmless)
bar=$(cfg_read $EP0F1 $((0x10)) 4)
tdisp_request $EP0F1 1
cfg_write $EP0F1 $((0x10)) 4 "$bar"
expect_eq 1 "$(tdisp_state $EP0F1)" "same BAR value keeps LOCKED"
cfg_write $EP0F1 $((0x10)) 4 $((bar ^ (1 << 30)))
expect_eq $((3 | 1 << 8)) "$(tdisp_status $EP0F1)" "ERROR (BAR) after a BAR write"
tdisp_request $EP0F1 2
expect_eq 3 "$(tdisp_state $EP0F1)" "START refused in ERROR"
tdisp_request $EP0F1 3
expect_eq 0 "$(tdisp_state $EP0F1)" "STOP leaves ERROR"
cfg_write $EP0F1 $((0x10)) 4 "$bar"

# ERROR on memory decode disable while RUN
cmd=$(cfg_read $EP0F1 4 2)
cfg_write $EP0F1 4 2 $((cmd | 2))
tdisp_request $EP0F1 1
tdisp_request $EP0F1 2
cfg_write $EP0F1 4 2 $((cmd | 2))
expect_eq 2 "$(tdisp_state $EP0F1)" "decode still on: RUN"
cfg_write $EP0F1 4 2 $((cmd & ~2))
expect_eq $((3 | 2 << 8)) "$(tdisp_status $EP0F1)" "ERROR (decode) after disabling decode"
tdisp_request $EP0F1 3

# ERROR on FLR while LOCKED; the BAR comes back through the kernel's restore
tdisp_request $EP0F1 1
echo 1 > $PCI/$EP0F1/reset || fail "FLR of $EP0F1 failed"
expect_eq $((3 | 3 << 8)) "$(tdisp_status $EP0F1)" "ERROR (FLR) after reset"
expect_eq "$bar" "$(cfg_read $EP0F1 $((0x10)) 4)" "BAR restored after FLR"
tdisp_request $EP0F1 3
expect_eq 0 "$(tdisp_state $EP0F1)" "UNLOCKED after STOP"

# unload while a stream is enabled and a function locked: clean
cfg_write $RP1 $((ide + IDE_SEL_CTL)) 4 1
tdisp_request $EP1 1
ptsm_unload devsec_bus
[ -e $PCI/$EP0 ] && fail "$EP0 still present after unload"
grep -q "devsec_bus" /proc/iomem && fail "MMIO window left in /proc/iomem"

# parameters: 3 endpoints x 4 functions, 64 KiB BARs
ptsm_load devsec_bus nr_endpoints=3 nr_functions=4 bar_size=65536
for b in 01 02 03; do
	for f in 0 1 2 3; do
		[ -e $PCI/10000:$b:00.$f ] || fail "missing 10000:$b:00.$f"
	done
	[ -e $PCI/10000:$b:00.4 ] && fail "unexpected 10000:$b:00.4"
done
for b in 05 06 07; do
	[ -e $PCI/10001:$b:00.3 ] || fail "missing 10001:$b:00.3"
done
[ -e $PCI/10001:04:02.0 ] || fail "missing root port 10001:04:02.0"
[ -e $PCI/10001:04:03.0 ] && fail "unexpected root port 10001:04:03.0"
check_port 10001:04:00.0
check_endpoint 10001:07:00.0 1 65536
check_endpoint 10001:07:00.3 0 65536
ptsm_unload devsec_bus

# bad parameters are refused
insmod /ptsm/modules/devsec_bus.ko nr_endpoints=33 2>/dev/null && fail "nr_endpoints=33 accepted"
insmod /ptsm/modules/devsec_bus.ko nr_functions=9 2>/dev/null && fail "nr_functions=9 accepted"
insmod /ptsm/modules/devsec_bus.ko bar_size=12345 2>/dev/null && fail "bar_size=12345 accepted"
exit 0
