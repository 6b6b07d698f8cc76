// SPDX-License-Identifier: GPL-2.0-only
#include "tsmctl.h"

static const char accept_usage[] =
	"Usage: tsmctl accept [--permanent|-p [--trust-anchor NAME]] DEVICE\n"
	"Accept DEVICE regardless of policy (administrator override): the daemon locks\n"
	"it if needed, reads its evidence, validates that generation and accepts it,\n"
	"then binds its driver. Recorded in the journal with rule \"admin\". The\n"
	"decision stands over uevents, rescans, reloads and restarts until changed.\n"
	"--permanent also writes it as a rule (05-tsmctl-DEVICE.conf in policy-dir)\n"
	"pinning the device's ids, address, hardware identity, measurements and report\n"
	"flags, and reloads the daemon. The rule trusts the anchor file NAME in the\n"
	"daemon's trust-dir, or without --trust-anchor the first anchor the policy in\n"
	"force names that validates the device's chain, and pins the root the chain\n"
	"validated to; with no such anchor nothing is written (a root the device sent\n"
	"is never trusted), the accept itself stands. Root only.\n"
	"Needs the daemon. Exit status 1 when it refuses.\n";

int cmd_accept(int argc, char **argv)
{
	return ctl_admin_verdict("accept", accept_usage, argc, argv);
}
