#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by the evidence-*.sh tests (sourced as
# /ptsm/tests/evidence-lib.sh): evidence blobs on the sample link TSM, a
# connected PF0, and checks of ptsm-nl's output (tests/tools/nlclient).
. /ptsm/tests/core-lib.sh

W=/tmp/ev
mkdir -p $W

# mkblob FILE SIZE: FILE with SIZE random bytes (SIZE a multiple of 4096)
mkblob() {
	dd if=/dev/urandom of="$1" bs=4096 count=$(($2 / 4096)) 2>/dev/null ||
		fail "mkblob $1 $2"
	expect_eq "$2" "$(wc -c < "$1")" "size of $1"
}

# set_blob TSM NAME FILE: replace blob NAME (certs|vca|transcript) of TSM;
# FILE "" clears it
set_blob() {
	local f=$CLASS/$1/device/$2

	if [ -z "$3" ]; then
		printf x > "$f" || fail "clear $f"
	else
		cat "$3" > "$f" || fail "write $3 to $f"
	fi
}

# ev_connect CERT0 MEAS: blobs (certs, transcript; vca empty) on $LINK,
# then connect $EP0 through it
ev_connect() {
	set_blob "$LINK" certs "$1"
	set_blob "$LINK" vca ""
	set_blob "$LINK" transcript "$2"
	expect_ok "$(tf $EP0 connect)" "$LINK"
}

# gen DEV: DEV's evidence generation from sysfs
gen() {
	cat "$(tf "$1" evidence_generation)"
}

# nl_ok OUT ARGS...: ptsm-nl read ARGS (output in OUT); fail unless it
# succeeds
nl_ok() {
	local out=$1

	shift
	ptsm-nl read "$@" > "$out" 2> "$out.err" ||
		fail "ptsm-nl read $*: rc $?: $(cat "$out.err")"
}

# field OUT TYPE KEY: value of KEY= on the line of TYPE in ptsm-nl output
field() {
	sed -n "s/^type=$2 .*$3=\([^ ]*\).*/\1/p" "$1"
}

# expect_nl_err ERRNO TEXT ARGS...: ptsm-nl ARGS must fail with ERRNO and an
# extack message containing TEXT ("" for any)
expect_nl_err() {
	local want=$1 text=$2 rc err

	shift 2
	ptsm-nl "$@" > $W/err.out 2> $W/err.txt
	rc=$?
	err=$(head -n 1 $W/err.txt)
	[ $rc -ne 0 ] || fail "ptsm-nl $*: succeeded, expected $want"
	case "$err" in
	"ptsm-nl: $want: "*) ;;
	*) fail "ptsm-nl $*: expected $want, got: $err (rc $rc)" ;;
	esac
	if [ -n "$text" ]; then
		case "$err" in
		*"$text"*) ;;
		*) fail "ptsm-nl $*: message lacks '$text': $err" ;;
		esac
	fi
	log "ptsm-nl $*: $err"
}
