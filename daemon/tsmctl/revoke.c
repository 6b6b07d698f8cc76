// SPDX-License-Identifier: GPL-2.0-only
#include "tsmctl.h"

static const char revoke_usage[] =
	"Usage: tsmctl revoke DEVICE\n"
	"Revoke an accepted DEVICE (administrator override): the daemon detaches its\n"
	"driver, unlocks it (TDISP RUN -> UNLOCKED: no more private DMA or encrypted\n"
	"MMIO) and records it as denied with rule \"admin\". It stays denied across\n"
	"uevents, rescans and reloads until tsmctl accept. Root only.\n"
	"Needs the daemon. Exit status 1 when it refuses.\n";

int cmd_revoke(int argc, char **argv)
{
	return ctl_admin_verdict("revoke", revoke_usage, argc, argv);
}
