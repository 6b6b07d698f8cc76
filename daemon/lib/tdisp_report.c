// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: TDISP interface report parser and checks against the device. */
#include <stdlib.h>
#include <string.h>

#include "tdisp_report.h"

#define CHECK "report"
#define PAGE ((uint64_t)1 << TSM_REPORT_PAGE_SHIFT)

void tsm_report_free(struct tsm_report *r)
{
	if (!r)
		return;
	free(r->ranges);
	memset(r, 0, sizeof(*r));
}

int tsm_report_parse(const uint8_t *data, size_t len, struct tsm_report *out,
		     struct tsm_error *err)
{
	struct tsm_reader r;
	uint16_t reserved;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	tsm_reader_init(&r, data, len);
	if (!tsm_get_le16(&r, &out->interface_info) || !tsm_get_le16(&r, &reserved) ||
	    !tsm_get_le16(&r, &out->msix_ctrl) || !tsm_get_le16(&r, &out->lnr_ctrl) ||
	    !tsm_get_le32(&r, &out->tph_ctrl) || !tsm_get_le32(&r, &out->nranges))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"%zu bytes: shorter than the 16-byte header", len);
	if (out->nranges > TSM_REPORT_MAX_RANGES)
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"range count %u above the limit %d",
				out->nranges, TSM_REPORT_MAX_RANGES);
	if ((size_t)out->nranges * 16 > tsm_reader_left(&r))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"range count %u needs %zu bytes, %zu left",
				out->nranges, (size_t)out->nranges * 16, tsm_reader_left(&r));
	if (out->nranges) {
		out->ranges = calloc(out->nranges, sizeof(*out->ranges));
		if (!out->ranges)
			return tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
	}
	for (uint32_t i = 0; i < out->nranges; i++) {
		struct tsm_report_range *g = &out->ranges[i];

		tsm_get_le64(&r, &g->first_page);
		tsm_get_le32(&r, &g->nr_pages);
		tsm_get_le16(&r, &g->attributes);
		tsm_get_le16(&r, &g->range_id);
	}
	if (!tsm_get_le32(&r, &out->dev_info_len)) {
		rc = tsm_fail(err, TSM_E_PARSE, CHECK,
			      "truncated before the device-specific info length");
	} else if (!tsm_get_bytes(&r, out->dev_info_len, &out->dev_info)) {
		rc = tsm_fail(err, TSM_E_PARSE, CHECK,
			      "device-specific info length %u but only %zu bytes left",
			      out->dev_info_len, tsm_reader_left(&r));
	} else if (tsm_reader_left(&r)) {
		rc = tsm_fail(err, TSM_E_PARSE, CHECK,
			      "%zu trailing bytes after the device-specific info",
			      tsm_reader_left(&r));
	}
	if (rc)
		tsm_report_free(out);
	return rc;
}

struct span {
	uint64_t start, end;	/* [start, end) in bytes */
	uint32_t idx;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static bool bar_contains(const struct tsm_bar *bar, uint64_t start, uint64_t end)
{
	return bar->size && start >= bar->base && end <= bar->base + bar->size &&
	       bar->base + bar->size > bar->base;
}

/* Page-aligned span of an MSI-X structure; false if the BAR is missing. */
static bool msix_span(const struct tsm_device_layout *dev, uint8_t bir,
		      uint64_t off, uint64_t size, struct span *s)
{
	const struct tsm_bar *bar;

	if (bir >= TSM_NR_BARS || !size)
		return false;
	bar = &dev->bars[bir];
	if (!bar->size || off > bar->size || size > bar->size - off)
		return false;
	s->start = (bar->base + off) & ~(PAGE - 1);
	s->end = (bar->base + off + size + PAGE - 1) & ~(PAGE - 1);
	return true;
}

static uint64_t overlap(const struct span *a, const struct span *b)
{
	uint64_t lo = a->start > b->start ? a->start : b->start;
	uint64_t hi = a->end < b->end ? a->end : b->end;

	return hi > lo ? hi - lo : 0;
}

/*
 * Every range flagged MSI-X table or PBA lies within the pages of what it
 * flags (within both when it carries both flags, as when table and PBA
 * share pages and the device reports them as one range), and the flagged
 * ranges together cover the table's and the PBA's pages.
 */
static int check_msix(const struct span *spans, const struct tsm_report *r,
		      const struct span *table, const struct span *pba,
		      struct tsm_error *err)
{
	struct span hull = {
		.start = table->start < pba->start ? table->start : pba->start,
		.end = table->end > pba->end ? table->end : pba->end,
	};
	uint64_t cov_table = 0, cov_pba = 0;
	bool shared = overlap(table, pba) > 0;

	for (uint32_t i = 0; i < r->nranges; i++) {
		const struct span *s = &spans[i];
		uint16_t a = r->ranges[s->idx].attributes;
		const struct span *want;
		const char *what;

		a &= TSM_RANGE_MSIX_TABLE | TSM_RANGE_MSIX_PBA;
		if (!a)
			continue;
		if (a == (TSM_RANGE_MSIX_TABLE | TSM_RANGE_MSIX_PBA))
			want = shared ? &hull : table, what = "MSI-X table and PBA";
		else if (a & TSM_RANGE_MSIX_TABLE)
			want = table, what = "MSI-X table";
		else
			want = pba, what = "MSI-X PBA";
		if (s->start < want->start || s->end > want->end)
			return tsm_fail(err, TSM_E_REPORT, "report",
					"range %u [0x%llx-0x%llx) is flagged %s but lies outside it [0x%llx-0x%llx)",
					s->idx, (unsigned long long)s->start,
					(unsigned long long)s->end, what,
					(unsigned long long)want->start,
					(unsigned long long)want->end);
		if (a & TSM_RANGE_MSIX_TABLE)
			cov_table += overlap(s, table);
		if (a & TSM_RANGE_MSIX_PBA)
			cov_pba += overlap(s, pba);
	}
	if (cov_table != table->end - table->start)
		return tsm_fail(err, TSM_E_REPORT, "report",
				"MSI-X table at [0x%llx-0x%llx) is not fully reported as such (%llu of %llu bytes flagged)",
				(unsigned long long)table->start, (unsigned long long)table->end,
				(unsigned long long)cov_table,
				(unsigned long long)(table->end - table->start));
	if (cov_pba != pba->end - pba->start)
		return tsm_fail(err, TSM_E_REPORT, "report",
				"MSI-X PBA at [0x%llx-0x%llx) is not fully reported as such (%llu of %llu bytes flagged)",
				(unsigned long long)pba->start, (unsigned long long)pba->end,
				(unsigned long long)cov_pba,
				(unsigned long long)(pba->end - pba->start));
	return 0;
}

static int check_range(const struct tsm_report_range *g, uint32_t i,
		       const struct tsm_device_layout *dev, struct span *s,
		       struct tsm_error *err)
{
	uint64_t bytes = (uint64_t)g->nr_pages << TSM_REPORT_PAGE_SHIFT;

	if (!g->nr_pages)
		return tsm_fail(err, TSM_E_REPORT, CHECK, "range %u: zero pages", i);
	if (g->first_page > (UINT64_MAX >> TSM_REPORT_PAGE_SHIFT))
		return tsm_fail(err, TSM_E_REPORT, CHECK,
				"range %u: first page 0x%llx overflows", i,
				(unsigned long long)g->first_page);
	s->start = (g->first_page << TSM_REPORT_PAGE_SHIFT) - dev->mmio_offset;
	s->end = s->start + bytes;
	s->idx = i;
	if (s->end < s->start)
		return tsm_fail(err, TSM_E_REPORT, CHECK,
				"range %u: 0x%llx + %u pages wraps around", i,
				(unsigned long long)s->start, g->nr_pages);
	if (g->range_id < TSM_NR_BARS) {
		const struct tsm_bar *bar = &dev->bars[g->range_id];

		if (!bar->size)
			return tsm_fail(err, TSM_E_REPORT, CHECK,
					"range %u names BAR %u, which the device does not have",
					i, g->range_id);
		if (!bar_contains(bar, s->start, s->end))
			return tsm_fail(err, TSM_E_REPORT, CHECK,
					"range %u [0x%llx-0x%llx) is outside BAR %u [0x%llx-0x%llx)",
					i, (unsigned long long)s->start,
					(unsigned long long)s->end, g->range_id,
					(unsigned long long)bar->base,
					(unsigned long long)(bar->base + bar->size));
		return 0;
	}
	for (unsigned int b = 0; b < TSM_NR_BARS; b++)
		if (bar_contains(&dev->bars[b], s->start, s->end))
			return 0;
	return tsm_fail(err, TSM_E_REPORT, CHECK,
			"range %u [0x%llx-0x%llx) (id %u) is inside no BAR of the device",
			i, (unsigned long long)s->start, (unsigned long long)s->end,
			g->range_id);
}

static int check_all(const struct tsm_report *r, const struct tsm_device_layout *dev,
		     struct span *spans, struct tsm_error *err)
{
	const uint16_t msix = TSM_RANGE_MSIX_TABLE | TSM_RANGE_MSIX_PBA;
	struct span table, pba;
	int rc;

	if (r->interface_info & ~TSM_REPORT_INFO_KNOWN)
		return tsm_fail(err, TSM_E_REPORT, CHECK,
				"interface_info 0x%04x has reserved bits set", r->interface_info);
	for (uint32_t i = 0; i < r->nranges; i++) {
		rc = check_range(&r->ranges[i], i, dev, &spans[i], err);
		if (rc)
			return rc;
		if (!dev->has_msix && (r->ranges[i].attributes & msix))
			return tsm_fail(err, TSM_E_REPORT, CHECK,
					"range %u is flagged MSI-X but the device has no MSI-X", i);
	}
	qsort(spans, r->nranges, sizeof(*spans), cmp_span);
	for (uint32_t i = 1; i < r->nranges; i++)
		if (spans[i].start < spans[i - 1].end)
			return tsm_fail(err, TSM_E_REPORT, CHECK,
					"ranges %u and %u overlap at 0x%llx",
					spans[i - 1].idx, spans[i].idx,
					(unsigned long long)spans[i].start);
	if (!dev->has_msix)
		return 0;
	if (!msix_span(dev, dev->msix_table_bar, dev->msix_table_offset,
		       dev->msix_table_size, &table) ||
	    !msix_span(dev, dev->msix_pba_bar, dev->msix_pba_offset,
		       dev->msix_pba_size, &pba))
		return tsm_fail(err, TSM_E_INVAL, CHECK,
				"MSI-X table/PBA location is not inside a BAR of the device");
	return check_msix(spans, r, &table, &pba, err);
}

int tsm_report_check(const struct tsm_report *r,
		     const struct tsm_device_layout *dev,
		     struct tsm_error *err)
{
	struct span *spans;
	int rc;

	if (!r || !dev)
		return tsm_fail(err, TSM_E_INVAL, CHECK, "no report or device layout");
	spans = calloc(r->nranges ? r->nranges : 1, sizeof(*spans));
	if (!spans)
		return tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
	rc = check_all(r, dev, spans, err);
	free(spans);
	return rc;
}

static const struct {
	const char *name;
	uint16_t bit;
} bit_names[] = {
	{ "no-fw-update", TSM_REPORT_NO_FW_UPDATE },
	{ "dma-no-pasid", TSM_REPORT_DMA_NO_PASID },
	{ "dma-pasid", TSM_REPORT_DMA_PASID },
	{ "ats", TSM_REPORT_ATS },
	{ "prs", TSM_REPORT_PRS },
};

uint16_t tsm_report_bit_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(bit_names) / sizeof(bit_names[0]); i++)
		if (!strcmp(name, bit_names[i].name))
			return bit_names[i].bit;
	return 0;
}

const char *tsm_report_bit_name(uint16_t bit)
{
	for (size_t i = 0; i < sizeof(bit_names) / sizeof(bit_names[0]); i++)
		if (bit == bit_names[i].bit)
			return bit_names[i].name;
	return NULL;
}

char *tsm_report_bits_format(uint16_t bits, char *buf, size_t bufsz)
{
	size_t used = 0;

	if (!bufsz)
		return buf;
	buf[0] = '\0';
	for (unsigned int i = 0; i < 16; i++) {
		uint16_t bit = (uint16_t)(1U << i);
		const char *name;
		char tmp[16];
		int n;

		if (!(bits & bit))
			continue;
		name = tsm_report_bit_name(bit);
		if (!name) {
			snprintf(tmp, sizeof(tmp), "0x%x", bit);
			name = tmp;
		}
		n = snprintf(buf + used, bufsz - used, "%s%s", used ? " " : "", name);
		if (n < 0 || (size_t)n >= bufsz - used) {
			buf[used] = '\0';	/* drop a partial name */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}
