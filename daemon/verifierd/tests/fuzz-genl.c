// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the netlink dump assembler of genl.c. The first byte
 * picks the family (device-evidence or pci-tsm), the rest is a stream of
 * netlink messages as the kernel would send them.
 */
#include <stddef.h>
#include <stdint.h>

#include "genl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsm_nl_evidence ev;

	if (!size)
		return 0;
	if (tsm_nl_parse_dump(data[0] & 1, data + 1, size - 1, &ev) == 0)
		tsm_evidence_free(&ev);
	return 0;
}
