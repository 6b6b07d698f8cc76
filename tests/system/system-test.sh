#!/bin/bash
# Runs inside the whole-system VM (ptsm-system-test.service, after
# multi-user.target). Reports "PTSM-SYSTEM PASS|FAIL <check>" lines on the
# console, then "PTSM-SYSTEM DONE" and powers off. tests/system/run.sh judges.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/ptsm-test/bin
FX=/ptsm-test/fixtures/p384/good
GOOD=10000:01:00.0	# behind bridge 0: trusted root, no further pins
BAD=10001:03:00.0	# behind bridge 1: pinned to a measurement it does not have
nfail=0

pass() { echo "PTSM-SYSTEM PASS $*"; }
fail() { echo "PTSM-SYSTEM FAIL $*"; nfail=$((nfail + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
finish() {
	echo "--- tsmctl list ---"; tsmctl list 2>&1
	echo "--- journal (tsm-verifierd) ---"; journalctl -b -u tsm-verifierd --no-pager 2>&1 | tail -60
	echo "PTSM-SYSTEM TAINT $(cat /proc/sys/kernel/tainted)"
	echo "PTSM-SYSTEM DONE failures=$nfail"
	systemctl --no-block poweroff
	exit 0
}
trap finish EXIT

decision() {	# decision of device $1 per tsmctl list --json
	tsmctl list --json 2>/dev/null | jq -r --arg d "$1" '.[] | select(.device == $d) | .decision'
}
reason() {
	tsmctl list --json 2>/dev/null | jq -r --arg d "$1" '.[] | select(.device == $d) | .reason'
}
wait_decision() {	# device, wanted decision, seconds
	local i
	for i in $(seq "$3"); do
		[ "$(decision "$1")" = "$2" ] && return 0
		sleep 1
	done
	echo "  $1: decision '$(decision "$1")' ($(reason "$1")), wanted '$2'"
	return 1
}
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
is_bound_to() { [ "$(driver_of "$1")" = "$2" ]; }
is_held_unbound() { [ "$(driver_of "$1")" = pci_tsm_hold ] && [ "$(cat "/sys/bus/pci/devices/$1/tsm/accept")" = 0 ]; }
journal_denied() {
	journalctl -b -u tsm-verifierd TSM_DEVICE="$1" TSM_DECISION=denied -o verbose --no-pager 2>/dev/null |
		grep -q "TSM_REASON=.*measurement"
}

# --- the installation a user made: apt-get install of V1, then V2 ---------
. /ptsm-test/versions
kv=$(uname -r)
check "a minimal system: no procps (/bin/kill)" sh -c '! dpkg -s procps >/dev/null 2>&1 && [ ! -e /bin/kill ]'
dpkg_state=$(dpkg-query -W -f='${Version} ${db:Status-Abbrev}\n' pci-tsm-dkms tsm-verifierd |
	sed 's/ *$//' | sort -u)
check "dpkg: both packages at $v2 and installed ($dpkg_state)" test "$dpkg_state" = "$v2 ii"
check "tsm-verifierd --version says $v2" test "$(tsm-verifierd --version)" = "tsm-verifierd $v2"
check "tsmctl --version says $v2" test "$(tsmctl --version)" = "tsmctl $v2"
check "the running pci_tsm is $v2" test "$(cat /sys/module/pci_tsm/version 2>/dev/null)" = "$v2"
# One `dkms status` (a slow script under TCG) serves every kernel's check:
# its lines read "pci-tsm/VERSION, KERNEL, ARCH: installed".
dkms status pci-tsm > /tmp/dkms-status.txt 2>&1
cat /tmp/dkms-status.txt >&2
dkms_installed() { grep -F "pci-tsm/$v2, $1, " /tmp/dkms-status.txt | grep -q ": installed"; }
check "dkms: $v2 installed for the running kernel" dkms_installed "$kv"
for k in /lib/modules/*/build; do
	k=$(basename "$(dirname "$k")")
	check "dkms: $v2 installed for $k" dkms_installed "$k"
done
check "dkms: nothing of $v1 is left" sh -c "! grep -F 'pci-tsm/$v1,' /tmp/dkms-status.txt"
check "the upgrade kept the edited tsm-verifierd.conf" \
	sh -c 'sha256sum < /etc/tsm/tsm-verifierd.conf | cmp -s - /ptsm-test/edited-conf.sha256 &&
	       ! ls /etc/tsm/*.dpkg-* 2>/dev/null'
check "policy.d ships empty" sh -c '[ -z "$(ls -A /etc/tsm/policy.d)" ]'
check "group tsm (sysusers.d)" getent group tsm
check "modules-load.d loaded tsm_core pci_tsm tsm_shim" \
	sh -c 'lsmod | grep -q "^tsm_core " && lsmod | grep -q "^pci_tsm " && lsmod | grep -q "^tsm_shim "'
check "samples not autoloaded" sh -c '! lsmod | grep -q "^devsec_"'
check "modprobe.d sets require_validate" \
	grep -qE '^(1|Y)$' /sys/module/pci_tsm/parameters/require_validate
check "tsm-verifierd enabled" test "$(systemctl is-enabled tsm-verifierd)" = enabled
check "tsm-verifierd active" systemctl is-active --quiet tsm-verifierd
check "tsm-verifierd.socket enabled" test "$(systemctl is-enabled tsm-verifierd.socket)" = enabled
check "tsm-verifierd.socket active" systemctl is-active --quiet tsm-verifierd.socket
unit=$(systemctl show -P FragmentPath tsm-verifierd)
sock_unit=$(systemctl show -P FragmentPath tsm-verifierd.socket)
# --man=no: the rootfs has no man(1); the pages themselves are checked below
for u in "$unit" "$sock_unit"; do
	check "systemd-analyze verify $u" \
		sh -c "systemd-analyze verify --man=no '$u' 2>&1 | tee /dev/stderr | (! grep -q .)"
done
for page in man8/tsm-verifierd.8 man8/tsmctl.8 man5/tsm-policy.5; do
	check "man page $page installed" sh -c "ls /usr/share/man/$page* >/dev/null 2>&1"
done
exposure=$(systemd-analyze security --no-pager tsm-verifierd.service 2>/dev/null |
	sed -n 's/.*Overall exposure level for tsm-verifierd.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security: exposure ${exposure:-unknown}"
check "exposure ${exposure:-unknown} <= 2.0" \
	awk -v e="${exposure:-99}" 'BEGIN { exit !(e != "" && e + 0 <= 2.0) }'

# --- policy: trust the fixture root; pin bridge 1 to a wrong measurement --
cp "$FX/anchor.pem" /etc/tsm/trust/test-root.pem
zeros=$(printf '0%.0s' $(seq 96))
cat > /etc/tsm/policy.d/10-system-test.conf <<POLICY
[rule "bridge0"]
match.address = 10000:*
trust-anchor = test-root.pem
target = accept

[rule "bridge1"]
match.address = 10001:*
trust-anchor = test-root.pem
measurement.1 = sha384:$zeros
target = accept

# the administrator's own default: nothing shipped holds one
[default]
target = deny
POLICY
check "reload with the test policy (its own [default])" systemctl reload tsm-verifierd

# --- the emulated platform: a devsec TSM with the fixture's evidence -----
modprobe devsec_tsm || fail "modprobe devsec_tsm"
tsm=
for t in /sys/class/tsm/tsm*; do
	[ "$(cat "$t/pci_mode")" = devsec ] && tsm=$(basename "$t")
done
check "devsec TSM registered" test -n "$tsm"
cat "$FX/cert0.bin" > "/sys/class/tsm/$tsm/device/certs"
cat "$FX/vca.bin" > "/sys/class/tsm/$tsm/device/vca"
cat "$FX/measurements.bin" > "/sys/class/tsm/$tsm/device/transcript"
devsec-responder --device "/dev/devsec-responder-$tsm" --key "$FX/leaf.key" \
	--vca "$FX/vca.bin" --values "$FX/values.txt" &
responder=$!
# The sample's endpoint driver is never autoloaded (modprobe.d); an
# administrator who wants it loads it.
modprobe devsec_pci || fail "modprobe devsec_pci"
modprobe devsec_bus || fail "modprobe devsec_bus"

# --- decisions ------------------------------------------------------------
check "good device accepted" wait_decision "$GOOD" accepted 60
check "good device bound to devsec_pci" sh -c "sleep 2; [ \"\$(basename \"\$(readlink /sys/bus/pci/devices/$GOOD/driver)\")\" = devsec_pci ]"
check "bad device denied" wait_decision "$BAD" denied 60
check "bad device held and unbound" is_held_unbound "$BAD"
check "denial in the journal with its reason" journal_denied "$BAD"
# the journal record names the policy digest the decision was made under
journal_digest() {
	local want
	want=$(tsmctl show --json "$1" | jq -r .policy_digest)
	[ ${#want} = 64 ] && journalctl -b -u tsm-verifierd TSM_DEVICE="$1" TSM_DECISION=denied \
		-o verbose --no-pager 2>/dev/null | grep -q "TSM_POLICY_DIGEST=$want"
}
check "denial in the journal with its policy digest" journal_digest "$BAD"
check "tsmctl list shows the denial" sh -c "tsmctl list | grep -F '$BAD' | grep -q denied"

# --- group tsm reads, only root decides (tsm-verifierd.socket) --------------
SOCK=/run/tsm-verifierd/control.sock
useradd --system --no-create-home --shell /usr/sbin/nologin --groups tsm tsmreader
useradd --system --no-create-home --shell /usr/sbin/nologin tsmother
# as USER CMD...: run CMD with USER's uid, gid and groups (util-linux setpriv)
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }
# reads USER: `tsmctl list` and `show` as USER answered by the daemon (not
# the fallback tsmctl uses when it cannot connect)
reads() {
	as "$1" tsmctl list > /tmp/reads.out 2> /tmp/reads.err &&
		! grep -q "not reachable" /tmp/reads.err && grep -F "$BAD" /tmp/reads.out | grep -q denied &&
		as "$1" tsmctl show "$GOOD" 2> /tmp/reads.err | grep -q accepted ||
		{ cat /tmp/reads.out /tmp/reads.err; return 1; }
}
# refused USER VERB [DEV]: the daemon refuses the deciding verb to USER
refused() {
	local u=$1; shift
	as "$u" tsmctl "$@" > /tmp/refused.out 2>&1 && { cat /tmp/refused.out; return 1; }
	grep -q "permission denied: only root" /tmp/refused.out || { cat /tmp/refused.out; return 1; }
}
check "control socket is root:tsm 0660 ($(stat -c '%U:%G %a' $SOCK))" \
	test "$(stat -c '%U:%G %a' $SOCK)" = "root:tsm 660"
check "group tsm: tsmctl list and show" reads tsmreader
check "group tsm: tsmctl accept refused" refused tsmreader accept "$BAD"
check "group tsm: tsmctl deny refused" refused tsmreader deny "$GOOD"
check "group tsm: tsmctl reload refused" refused tsmreader reload
unchanged() { [ "$(decision "$GOOD") $(decision "$BAD")" = "accepted denied" ]; }
check "group tsm: decisions unchanged by the refused verbs" unchanged
# tsmctl, refused the connection, says so and falls back to sysfs
no_connect() {
	as "$1" tsmctl list > /dev/null 2> /tmp/no-connect.err
	grep -q "not reachable (Permission denied)" /tmp/no-connect.err || { cat /tmp/no-connect.err; return 1; }
}
check "not in group tsm: cannot connect" no_connect tsmother

# --- restart changes nothing already decided -----------------------------
gen_before=$(cat "/sys/bus/pci/devices/$GOOD/tsm/evidence_generation")
check "restart" systemctl restart tsm-verifierd
sleep 5
check "after restart: good still accepted and bound" is_bound_to "$GOOD" devsec_pci
check "after restart: good evidence untouched" \
	test "$(cat "/sys/bus/pci/devices/$GOOD/tsm/evidence_generation")" = "$gen_before"
check "after restart: bad still held" is_held_unbound "$BAD"
check "after restart: the socket is still root:tsm 0660" \
	test "$(stat -c '%U:%G %a' $SOCK 2>&1)" = "root:tsm 660"
check "after restart: group tsm still reads" reads tsmreader
check "after restart: group tsm still refused accept" refused tsmreader accept "$BAD"

# --- stopping leaves held devices held ------------------------------------
check "stop" systemctl stop tsm-verifierd
sleep 2
check "stopped: bad still held and unbound" is_held_unbound "$BAD"
check "stopped: good still bound" is_bound_to "$GOOD" devsec_pci
check "start" systemctl start tsm-verifierd

# --- a policy the daemon refuses fails the reload, and changes nothing -----
printf '[rule "broken"]\nmatch.vendor = banana\n' > /etc/tsm/policy.d/20-broken.conf
check "reload of a broken policy fails" sh -c '! systemctl reload tsm-verifierd'
rm -f /etc/tsm/policy.d/20-broken.conf
check "after the refused reload: still active" systemctl is-active --quiet tsm-verifierd
check "after the refused reload: bad still held" is_held_unbound "$BAD"

# --- fixing the policy lets the held device through -----------------------
sed -i '/^measurement\.1/d' /etc/tsm/policy.d/10-system-test.conf
check "reload with the fixed policy" systemctl reload tsm-verifierd
check "bad device accepted after the policy fix" wait_decision "$BAD" accepted 60
check "bad device now bound" sh -c "sleep 2; [ \"\$(basename \"\$(readlink /sys/bus/pci/devices/$BAD/driver)\")\" = devsec_pci ]"

kill "$responder" 2>/dev/null

# apt-get purge runs on this system's disk after it powers off (run.sh):
# under TCG it takes longer than everything above.
