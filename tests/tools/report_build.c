// SPDX-License-Identifier: GPL-2.0-only
/*
 * report_build: TDISP REPORT object writer (layout: docs/ABI.md 4.).
 */
#define _POSIX_C_SOURCE 200809L
#include "report_build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t report_size(const struct report *rep)
{
	return REPORT_HDR_LEN + rep->nranges * REPORT_RANGE_LEN + 4 + rep->info_len;
}

static uint8_t *le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

size_t report_write(const struct report *rep, uint8_t *out)
{
	uint8_t *p = out;
	long long count = (long long)rep->nranges + rep->count_delta;

	p = le(p, rep->interface_info, 2);
	p = le(p, 0, 2);			/* reserved */
	p = le(p, rep->msix_ctrl, 2);
	p = le(p, rep->lnr_ctrl, 2);
	p = le(p, rep->tph_ctrl, 4);
	p = le(p, (uint32_t)count, 4);
	for (size_t i = 0; i < rep->nranges; i++) {
		p = le(p, rep->r[i].first_page, 8);
		p = le(p, rep->r[i].npages, 4);
		p = le(p, rep->r[i].attrs, 2);
		p = le(p, rep->r[i].id, 2);
	}
	p = le(p, rep->info_len, 4);
	memcpy(p, rep->info, rep->info_len);
	return (size_t)(p - out) + rep->info_len;
}

struct flag_name {
	const char *name;
	uint16_t bit;
};

static int parse_flags(const char *s, const struct flag_name *names, uint16_t *v)
{
	char tmp[256], *save = NULL, *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 0);
	if (!errno && end != s && !*end && n <= 0xffff) {
		*v = (uint16_t)n;
		return 0;
	}
	if (strlen(s) >= sizeof(tmp))
		return -1;
	strcpy(tmp, s);
	*v = 0;
	for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct flag_name *f;

		for (f = names; f->name && strcmp(f->name, t); f++)
			;
		if (!f->name)
			return -1;
		*v |= f->bit;
	}
	return 0;
}

int report_parse_info(const char *s, uint16_t *v)
{
	static const struct flag_name names[] = {
		{ "none", 0 },
		{ "no-fw-update", REPORT_II_NO_FW_UPDATE },
		{ "dma-no-pasid", REPORT_II_DMA_NO_PASID },
		{ "dma-pasid", REPORT_II_DMA_PASID },
		{ "ats", REPORT_II_ATS },
		{ "prs", REPORT_II_PRS },
		{ NULL, 0 },
	};

	return parse_flags(s, names, v);
}

int report_parse_attrs(const char *s, uint16_t *v)
{
	static const struct flag_name names[] = {
		{ "none", 0 },
		{ "msix-table", REPORT_RA_MSIX_TABLE },
		{ "msix-pba", REPORT_RA_MSIX_PBA },
		{ "non-tee", REPORT_RA_NON_TEE },
		{ "updatable", REPORT_RA_UPDATABLE },
		{ NULL, 0 },
	};

	return parse_flags(s, names, v);
}
