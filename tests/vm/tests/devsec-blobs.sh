#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# certs/vca/transcript on both sample TSM platform devices: writes append
# at their offset, one byte clears, 16 MiB is the limit (EFBIG beyond),
# EBUSY while a device is connected (link TSM) or locked (devsec TSM).
# vm: timeout=150
. /ptsm/tests/devsec-lib.sh

size() {
	wc -c < "$1" | tr -d ' '
}

# dd_err FILE SEEK: write 1 byte at byte offset SEEK; prints dd's error
dd_err() {
	printf z | dd of="$1" bs=1 seek="$2" conv=notrunc 2>&1 >/dev/null | grep -v records
}

check_blob() { # FILE
	local f=$1

	expect_eq 0 "$(size $f)" "$f starts empty"
	dd if=/dev/urandom of=/tmp/blob bs=4096 count=3 2>/dev/null
	dd if=/tmp/blob of=$f bs=4096 count=2 2>/dev/null || fail "write $f"
	expect_eq 8192 "$(size $f)" "$f after 8 KiB"
	dd if=/tmp/blob of=$f bs=4096 skip=2 seek=2 count=1 conv=notrunc 2>/dev/null ||
		fail "append to $f"
	expect_eq 12288 "$(size $f)" "$f after append"
	cmp /tmp/blob $f || fail "$f contents differ"
	# rewriting from offset 0 replaces the blob
	printf 'abcdef' > $f || fail "rewrite $f"
	expect_eq abcdef "$(cat $f)" "$f rewritten"
	# a hole is refused
	expect_eq "" "$(printf q | dd of=$f bs=1 seek=100 conv=notrunc 2>/dev/null && echo wrote)" \
		"$f write beyond the end refused"
	# exactly one byte clears
	printf x > $f || fail "clear $f"
	expect_eq 0 "$(size $f)" "$f cleared by a one-byte write"
	# 16 MiB fits, one byte more does not
	dd if=/dev/zero of=$f bs=1M count=16 2>/dev/null || fail "16 MiB to $f"
	expect_eq 16777216 "$(size $f)" "$f holds 16 MiB"
	case "$(dd_err $f 16777216)" in
	*"too large"*) log "$f: EFBIG beyond 16 MiB (as expected)" ;;
	*) fail "$f: write beyond 16 MiB not refused with EFBIG: $(dd_err $f 16777216)" ;;
	esac
	printf x > $f
	expect_eq 0 "$(size $f)" "$f cleared"
}

for m in tsm_core pci_tsm tsm_shim devsec_bus devsec_link_tsm devsec_tsm; do
	ptsm_load $m
done
LINK=$(tsm_by_mode link) || fail "no link TSM"
DEVSEC=$(tsm_by_mode devsec) || fail "no devsec TSM"

for t in $LINK $DEVSEC; do
	for b in certs vca transcript; do
		check_blob /sys/class/tsm/$t/device/$b
	done
done

# EBUSY while connected through the link TSM; reads still work
L=/sys/class/tsm/$LINK/device
D=/sys/class/tsm/$DEVSEC/device
printf 'link-certs' > $L/certs
expect_ok $PCI/$EP0/tsm/connect $LINK
for b in certs vca transcript; do
	expect_errno EBUSY $L/$b "abc"
	expect_errno EBUSY $L/$b "x"
done
expect_eq link-certs "$(cat $L/certs)" "read while connected"
expect_ok $D/certs "devsec-certs"
expect_ok $PCI/$EP0/tsm/disconnect $LINK
expect_ok $L/certs "x"
expect_eq 0 "$(size $L/certs)" "cleared after disconnect"

# EBUSY while locked through the devsec TSM
expect_ok $PCI/$EP1F1/tsm/lock $DEVSEC
expect_errno EBUSY $D/vca "abc"
expect_eq devsec-certs "$(cat $D/certs)" "read while locked"
expect_ok $L/vca "link TSM not busy"
expect_ok $PCI/$EP1F1/tsm/unlock $DEVSEC
expect_ok $D/vca "abc"
ptsm_unload_all
exit 0
