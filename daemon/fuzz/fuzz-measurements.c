// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: MEASUREMENTS parser. The first input byte picks the
 * negotiated version and signature size, the rest is the object.
 */
#include <stdlib.h>

#include "tsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sig_lens[] = { 64, 96, 132, 256, 384, 512, 1, 0 };
	struct tsm_error err;
	struct tsm_meas m;
	uint8_t version;
	uint64_t svn;

	if (!size)
		return 0;
	version = (data[0] & 0x80) ? 0x13 : 0x12;
	if (tsm_meas_parse(data + 1, size - 1, version, sig_lens[data[0] & 7], &m, &err)) {
		if (!err.reason[0])
			abort();
		return 0;
	}
	if (m.request_len + m.response_len != size - 1 ||
	    m.signed_len + m.sig_len != m.response_len)
		abort();
	for (unsigned int i = 0; i < m.nblocks; i++)
		if (tsm_meas_find(&m, m.blocks[i].index) != &m.blocks[i])
			abort();
	tsm_meas_svn(&m, &svn);
	tsm_meas_free(&m);
	return 0;
}
