#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Each adversarial fixture variant is denied with the expected reason, the
# daemon keeps running, and the device stays held and unbound.
#
# Variants whose defect is in the certificate chain (or that need a
# specific responder behaviour) run with nonce = required and a responder
# signing fresh MEASUREMENTS over the daemon's nonce with the variant's
# key. Variants whose defect is in a static MEASUREMENTS transcript (bad
# signature, record lengths, trailing data, tampered VCA) run with
# nonce = optional and no responder: the daemon then judges the published
# transcript (the refresh fails with EOPNOTSUPP and policy allows that).
# vm: timeout=900
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

daemon_modules
[ -f $FIX/manifest.txt ] || fail "no fixture manifest"
for d in $(tee_devices); do
	echo devsec_pci > "$PCI/$d/driver_override" || fail "driver_override of $d"
done
policy_none
config_write
daemon_start
got=$(wait_decided $EP0 120)
expect_eq denied "$got" "$EP0 with no evidence and no policy"

tested=0
while read -r kind dir expect code check needs; do
	[ "$kind" = case ] || continue
	case "$dir" in $ALG/*) ;; *) continue ;; esac
	[ "$expect" = deny ] || continue
	name=${dir#"$ALG"/}
	wait_all_decided 120
	responder_stop
	fixture_load "$name"
	policy_install "$name"
	case "$name" in
	bad-signature|record-length-*|trailing-data|truncated-measurements|vca-tampered)
		config_write nonce=optional
		;;
	stale-nonce)
		# A responder answering over another nonce: the sample TSM
		# itself refuses to publish that (EPROTO), or the daemon's
		# nonce/signature check catches it. Either way: denied.
		config_write
		for how in --echo-wrong-nonce --sign-wrong-nonce; do
			wait_all_decided 120
			responder_start good $how
			tsmctl reload || fail "reload for $name refused"
			got=$(wait_decided $EP0 120)
			log "$name $how: $got, check '$(field $EP0 Check)': $(field $EP0 Reason)"
			expect_eq denied "$got" "decision for $name $how"
			expect_held_unbound $EP0
		done
		tested=$((tested + 1))
		continue
		;;
	*)
		config_write
		responder_start "$name"
		;;
	esac
	tsmctl reload || fail "reload for $name refused"
	got=$(wait_decided $EP0 120)
	why=$(field $EP0 Check)
	reason=$(field $EP0 Reason)
	log "$name: $got, check '$why': $reason"
	expect_eq denied "$got" "decision for $name"
	if [ "$why" != "$check" ]; then
		# same failing object, possibly a more specific check id
		case "$why" in
		"${check%%.*}"|"${check%%.*}".*|"$code"*)
			log "$name: check $why (fixture says $check)" ;;
		*) fail "$name: denied for '$why' ($reason), expected $check" ;;
		esac
	fi
	daemon_alive || fail "daemon died on $name"
	expect_held_unbound $EP0
	tested=$((tested + 1))
done < $FIX/manifest.txt
[ $tested -ge 10 ] || fail "only $tested adversarial cases ran"

# A responder that never answers: the device is denied on timeout, and
# tried again later.
wait_all_decided 120
fixture_load good
policy_install good
config_write timeout=5s
responder_start good --delay-ms 20000
tsmctl reload || fail "reload refused"
got=$(wait_decided $EP0 60)
expect_eq denied "$got" "slow responder"
log "slow responder: $(field $EP0 Reason)"
daemon_alive || fail "daemon died on the slow responder"
expect_held_unbound $EP0
# a timeout is not the end: the device is tried again with a backoff
wait_log "$EP0: retrying in " 10 || fail "no retry scheduled after the timeout of $EP0"
# end the retries (they lock the devices again): a fast responder and no
# rules deny everything at once
responder_start good
policy_none
tsmctl reload || fail "reload refused"

# mode = audit: decide and log, but accept what would be denied.
wait_all_decided 120
fixture_load wrong-root
policy_install good
config_write mode=audit
responder_start wrong-root
tsmctl reload || fail "reload refused"
got=$(wait_decided $EP0 120)
reason=$(field $EP0 Reason)
log "audit mode: $got: $reason"
expect_eq accepted "$got" "wrong root under mode = audit"
case "$reason" in
*"would have denied"*) ;;
*) fail "audit-mode reason does not say what would have happened: $reason" ;;
esac
log "PASS ($tested variants)"
