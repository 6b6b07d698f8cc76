#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Connect PF0 with 4 KiB certs and transcript blobs: a dump of mask 0x7ff
# returns exactly 11 objects -- CERT0 and MEASUREMENTS 4096 bytes and equal
# to the blobs, the rest empty -- through both families and with 4 KiB,
# default and 1 MiB receive buffers; every VAL stays under 64 KiB. The
# device-evidence family reports the sysfs generation; DIGEST gives 48-byte
# values (empty objects stay empty); a partial mask returns just its types.
# pci_tsm.ko declares the module that provides sha384 by name on 6.1 as a
# soft dependency, which modprobe reads from its .modinfo.
# vm: timeout=150
. /ptsm/tests/evidence-lib.sh

tr '\000' '\n' < /ptsm/modules/pci_tsm.ko | grep -qx "softdep=pre: sha512_generic" ||
	fail "pci_tsm.ko declares no softdep on sha512_generic"

TYPES="cert0 cert1 cert2 cert3 cert4 cert5 cert6 cert7 vca measurements report"

# check_full OUT DIR GEN: the 11-object answer to a mask-0x7ff read (one
# awk for all the fields: an exec per field made this test slow on the
# debug lane, where every exec costs a quarter of a second)
check_full() {
	local t bad

	bad=$(awk -v types="$TYPES" -v gen="$3" '
		/^type=/ {
			t = $1; sub(/^type=/, "", t)
			for (i = 2; i <= NF; i++) {
				k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v)
				f[t, k] = v
			}
		}
		/^objects=/ { n = $1; sub(/^objects=/, "", n) }
		END {
			if (n != 11)
				printf "objects %s, expected 11; ", n
			c = split(types, ty, " ")
			for (i = 1; i <= c; i++) {
				t = ty[i]
				want = (t == "cert0" || t == "measurements") ? 4096 : 0
				if (f[t, "length"] != want "")
					printf "%s length \"%s\", expected %s; ", t, f[t, "length"], want
				if (f[t, "generation"] != gen)
					printf "%s generation \"%s\", expected %s; ", t, f[t, "generation"], gen
			}
		}' "$1")
	[ -z "$bad" ] || fail "$1: $bad"
	for t in $TYPES; do
		case $t in
		cert0|measurements) ;;
		*) [ -f "$2/$t.bin" ] && [ ! -s "$2/$t.bin" ] ||
			fail "$2/$t.bin missing or not empty" ;;
		esac
	done
	cmp $W/cert0 "$2/cert0.bin" || fail "$2: CERT0 differs from the certs blob"
	cmp $W/meas "$2/measurements.bin" ||
		fail "$2: MEASUREMENTS differ from the transcript blob"
}

core_stack noshim
mkblob $W/cert0 4096
mkblob $W/meas 4096
expect_eq 0 "$(gen $EP0)" "generation before connect"
ev_connect $W/cert0 $W/meas
G=$(gen $EP0)
[ "$G" -ge 1 ] || fail "generation $G after connect"
log "connected $EP0, generation $G"

for fam in pci-tsm device-evidence; do
	[ $fam = pci-tsm ] && want=- || want=$G
	for rb in 4096 default 1048576; do
		o=$W/$fam-$rb
		mkdir -p $o
		if [ $rb = default ]; then
			nl_ok $o.txt --family $fam --mask 7ff --out $o $EP0
		else
			nl_ok $o.txt --family $fam --mask 7ff --rcvbuf $rb --out $o $EP0
		fi
		check_full $o.txt $o "$want"
		mc=$(sed -n 's/.*max_chunk=\([0-9]*\).*/\1/p' $o.txt)
		[ "$mc" -lt 65536 ] || fail "$fam rcvbuf $rb: a VAL of $mc bytes"
		log "$fam rcvbuf $rb: $(tail -n 1 $o.txt)"
	done
done

# DIGEST: 48 bytes for present objects, empty stays empty, stable
for fam in pci-tsm device-evidence; do
	mkdir -p $W/dg
	nl_ok $W/d1.txt --family $fam --digest --out $W/dg $EP0
	nl_ok $W/d2.txt --family $fam --digest $EP0
	expect_eq 48 "$(field $W/d1.txt cert0 length)" "$fam digest of CERT0"
	expect_eq 48 "$(field $W/d1.txt measurements length)" "$fam digest of MEASUREMENTS"
	expect_eq 0 "$(field $W/d1.txt vca length)" "$fam digest of empty VCA"
	expect_eq "$(field $W/d1.txt cert0 sha256)" "$(field $W/d2.txt cert0 sha256)" \
		"$fam digest stable"
	[ "$(field $W/d1.txt cert0 sha256)" != "$(field $W/d1.txt measurements sha256)" ] ||
		fail "$fam: CERT0 and MEASUREMENTS digests equal"
done

# a partial mask returns exactly the requested types
nl_ok $W/p.txt --family device-evidence --mask 201 $EP0
expect_eq "objects=2" "$(sed -n 's/^\(objects=[0-9]*\).*/\1/p' $W/p.txt)" "mask 0x201"
expect_eq 2 "$(grep -c '^type=' $W/p.txt)" "mask 0x201 lines"
expect_eq 4096 "$(field $W/p.txt measurements length)" "mask 0x201 measurements"

# the generation reported is the one sysfs shows, and moves on reconnect
expect_ok "$(tf $EP0 disconnect)" "$LINK"
expect_ok "$(tf $EP0 connect)" "$LINK"
G2=$(gen $EP0)
[ "$G2" -gt "$G" ] || fail "generation did not move on reconnect ($G -> $G2)"
nl_ok $W/g.txt --family device-evidence $EP0
expect_eq "$G2" "$(field $W/g.txt cert0 generation)" "generation after reconnect"

# the client itself under ASan + UBSan (hostile-input parser of the replies)
command -v ptsm-nl-asan > /dev/null || fail "no ptsm-nl-asan in the VM"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
for fam in pci-tsm device-evidence; do
	for rb in 4096 1048576; do
		mkdir -p $W/asan
		ptsm-nl-asan read --family $fam --rcvbuf $rb --out $W/asan $EP0 \
			> $W/asan.txt 2> $W/asan.err ||
			fail "ptsm-nl-asan $fam $rb: rc $?: $(cat $W/asan.err)"
		check_full $W/asan.txt $W/asan "$(field $W/asan.txt cert0 generation)"
	done
	ptsm-nl-asan read --family $fam --mask 0 $EP0 > /dev/null 2> $W/asan.err
	expect_eq 22 $? "ptsm-nl-asan error path ($(cat $W/asan.err))"
done
ptsm-nl-asan validate $EP0 "$(gen $EP0)" > /dev/null 2> $W/asan.err ||
	fail "ptsm-nl-asan validate: $(cat $W/asan.err)"

ptsm_unload_all
exit 0
