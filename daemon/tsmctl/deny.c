// SPDX-License-Identifier: GPL-2.0-only
#include "tsmctl.h"

static const char deny_usage[] =
	"Usage: tsmctl deny DEVICE\n"
	"Deny DEVICE (administrator override): the daemon stops any verification,\n"
	"unlocks it and keeps it held and unbound. Recorded in the journal with rule\n"
	"\"admin\"; a policy reload does not undo it (tsmctl accept does).\n"
	"Needs the daemon. Exit status 1 when it refuses.\n";

int cmd_deny(int argc, char **argv)
{
	return ctl_admin_verdict("deny", deny_usage, argc, argv);
}
