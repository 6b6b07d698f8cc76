// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: TDISP report parser and the range checks. */
#include <stdlib.h>

#include "tsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tsm_device_layout dev = {
		.bars = { [0] = { 0xfe000000, 0x10000 }, [2] = { 0x4000000000, 0x100000 },
			  [5] = { 0xfffffffffffff000, 0x1000 } },
		.mmio_offset = 0x1000,
		.has_msix = true,
		.msix_table_bar = 0, .msix_table_offset = 0x8000, .msix_table_size = 256,
		.msix_pba_bar = 0, .msix_pba_offset = 0x9000, .msix_pba_size = 8,
	};
	struct tsm_report r;
	struct tsm_error err;
	char names[128];

	if (tsm_report_parse(data, size, &r, &err))
		return 0;
	if (tsm_report_check(&r, &dev, &err) && !err.reason[0])
		abort();
	tsm_report_bits_format(r.interface_info, names, sizeof(names));
	tsm_report_free(&r);
	return 0;
}
