#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The daemon's part of `make demo`, run inside the VM: a narrated run of
# tsm-verifierd on the devsec sample. First the sample device presents a
# certificate chain from a root the policy does not trust: it is denied,
# with the reason, and stays held and unbound. Then it presents good
# evidence, the daemon is told to reload, and the device is accepted and
# its driver binds. Needs /ptsm/tests/daemon-lib.sh, the fixtures and
# devsec-responder (as tests/vm/tests/daemon-*.sh do).
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

say() {
	echo
	echo "=== $*"
}

driver_of() {
	if [ -L "$PCI/$1/driver" ]; then
		basename "$(readlink "$PCI/$1/driver")"
	else
		echo none
	fi
}

say "Load the TSM stack (pci_tsm require_validate=1) and the sample hardware"
daemon_modules
for d in $(tee_devices); do
	echo "    $d: TEE-capable, driver $(driver_of "$d")"
	echo devsec_pci > "$PCI/$d/driver_override"
done

say "The policy trusts the fixture root and pins the measurements"
policy_install good
config_write
grep -v '^#' $TSMETC/policy.d/50-fixture.conf | sed 's/^/    /'

say "The device presents a chain from an unknown root"
fixture_load wrong-root
responder_start wrong-root
daemon_start
wait_all_decided 120
tsmctl list
echo "    $EP0 driver: $(driver_of $EP0)"

say "The device is fixed (good chain); tsmctl reload re-evaluates it"
fixture_load good
responder_start good
tsmctl reload
wait_all_decided 120
tsmctl list
echo "    $EP0 driver: $(driver_of $EP0)"

say "tsmctl show $EP0"
tsmctl show $EP0

say "The daemon's decisions (one journal record each; here its stderr)"
grep -E ': (accepted|denied|kept)' $DLOG | sed 's/^/    /'
: > $DLOG
