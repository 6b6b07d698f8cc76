// SPDX-License-Identifier: GPL-2.0-only
#include "tsmctl.h"

static const char deny_usage[] =
	"Usage: tsmctl deny [--permanent|-p] DEVICE\n"
	"Deny DEVICE (administrator override): the daemon stops any verification,\n"
	"unlocks it and keeps it held and unbound. Recorded in the journal with rule\n"
	"\"admin\"; uevents, rescans, reloads and restarts do not undo it (tsmctl\n"
	"accept does). --permanent also writes a deny rule for the device's identity\n"
	"(05-tsmctl-DEVICE.conf in policy-dir) and reloads the daemon. Root only.\n"
	"Needs the daemon. Exit status 1 when it refuses.\n";

int cmd_deny(int argc, char **argv)
{
	return ctl_admin_verdict("deny", deny_usage, argc, argv);
}
