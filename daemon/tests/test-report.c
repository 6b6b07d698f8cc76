// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: TDISP report parser and checks against the device layout. */
#include "testlib.h"

#define BAR0 0xfe000000ULL
#define BAR2 0x4000000000ULL

/* BAR0 64 KiB with the MSI-X table at 0x8000 (16 vectors) and PBA at 0x9000. */
static const struct tsm_device_layout dev = {
	.bars = { [0] = { BAR0, 0x10000 }, [2] = { BAR2, 0x100000 } },
	.has_msix = true,
	.msix_table_bar = 0, .msix_table_offset = 0x8000, .msix_table_size = 16 * 16,
	.msix_pba_bar = 0, .msix_pba_offset = 0x9000, .msix_pba_size = 8,
};

#define PG(a) ((a) >> 12)

static const struct tl_range good_ranges[] = {
	{ PG(BAR0), 8, 0, 0 },
	{ PG(BAR0) + 8, 1, TSM_RANGE_MSIX_TABLE | TSM_RANGE_NON_TEE, 0 },
	{ PG(BAR0) + 9, 1, TSM_RANGE_MSIX_PBA | TSM_RANGE_NON_TEE, 0 },
	{ PG(BAR0) + 10, 6, 0, 0 },
	{ PG(BAR2), 256, 0, 2 },
};

static int check(const struct tl_range *r, size_t n, const struct tsm_device_layout *d,
		 struct tsm_error *err)
{
	struct tl_buf b = { 0 };
	struct tsm_report rep;
	int rc;

	tl_report(&b, TSM_REPORT_NO_FW_UPDATE, r, n, NULL, 0);
	assert_int_equal(tsm_report_parse(b.p, b.len, &rep, NULL), 0);
	rc = tsm_report_check(&rep, d, err);
	tsm_report_free(&rep);
	tl_free(&b);
	return rc;
}

static void parse(void **state)
{
	struct tl_buf b = { 0 };
	struct tsm_report rep;
	struct tsm_error err;

	(void)state;
	tl_report(&b, 0x19, good_ranges, 5, (const uint8_t *)"hello", 5);
	assert_int_equal(tsm_report_parse(b.p, b.len, &rep, &err), 0);
	assert_int_equal(rep.interface_info, 0x19);
	assert_int_equal(rep.nranges, 5);
	assert_int_equal(rep.ranges[4].range_id, 2);
	assert_int_equal(rep.ranges[1].attributes, TSM_RANGE_MSIX_TABLE | TSM_RANGE_NON_TEE);
	assert_int_equal(rep.dev_info_len, 5);
	assert_memory_equal(rep.dev_info, "hello", 5);
	tsm_report_free(&rep);

	/* every truncation, and trailing bytes */
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, b.p, n);
		assert_int_equal(tsm_report_parse(copy, n, &rep, NULL), -TSM_E_PARSE);
		free(copy);
	}
	tl_u8(&b, 0);
	assert_int_equal(tsm_report_parse(b.p, b.len, &rep, &err), -TSM_E_PARSE);
	assert_non_null(strstr(err.reason, "trailing"));
	/* a range count that lies */
	b.len--;
	b.p[12] = 0xff;
	b.p[13] = 0xff;
	assert_int_equal(tsm_report_parse(b.p, b.len, &rep, &err), -TSM_E_PARSE);
	assert_non_null(strstr(err.reason, "range count"));
	b.p[12] = 6;
	b.p[13] = 0;
	assert_int_equal(tsm_report_parse(b.p, b.len, &rep, &err), -TSM_E_PARSE);
	tl_free(&b);
}

static void good(void **state)
{
	struct tsm_device_layout d = dev;
	struct tl_range shifted[5];
	struct tsm_error err;

	(void)state;
	assert_int_equal(check(good_ranges, 5, &dev, &err), 0);
	/* with an MMIO reporting offset of 1 TiB */
	d.mmio_offset = 1ULL << 40;
	memcpy(shifted, good_ranges, sizeof(shifted));
	for (int i = 0; i < 5; i++)
		shifted[i].first_page += PG(d.mmio_offset);
	assert_int_equal(check(shifted, 5, &d, &err), 0);
	assert_int_equal(check(good_ranges, 5, &d, &err), -TSM_E_REPORT);

	/* table and PBA sharing one page, reported as one range with both flags */
	{
		struct tsm_device_layout s = dev;
		static const struct tl_range r[] = {
			{ PG(BAR0), 8, 0, 0 },
			{ PG(BAR0) + 8, 1, TSM_RANGE_MSIX_TABLE | TSM_RANGE_MSIX_PBA |
					   TSM_RANGE_NON_TEE, 0 },
			{ PG(BAR0) + 9, 7, 0, 0 },
		};

		s.msix_pba_offset = 0x8800;
		assert_int_equal(check(r, 3, &s, &err), 0);
		/* but a both-flagged range must not stretch past the shared page */
		assert_int_equal(check(good_ranges, 5, &s, &err), -TSM_E_REPORT);
	}
}

static void expect(const struct tl_range *r, size_t n, const struct tsm_device_layout *d,
		   const char *needle)
{
	struct tsm_error err;

	assert_int_equal(check(r, n, d, &err), -TSM_E_REPORT);
	if (!strstr(err.reason, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", err.reason, needle);
}

static void bad(void **state)
{
	struct tl_range r[5];
	struct tsm_device_layout nomsix = dev;

	(void)state;
	memcpy(r, good_ranges, sizeof(r));
	r[4].nr_pages = 257;
	expect(r, 5, &dev, "range 4 [0x4000000000-0x4000101000) is outside BAR 2");
	r[4].nr_pages = 256;
	r[4].id = 1;
	expect(r, 5, &dev, "BAR 1, which the device does not have");
	r[4].id = 2;
	r[4].first_page = PG(BAR2) - 1;
	expect(r, 5, &dev, "outside BAR 2");
	r[4].first_page = PG(BAR2);
	r[3].first_page -= 1;
	expect(r, 5, &dev, "overlap");
	r[3].first_page += 1;
	r[1].attr = TSM_RANGE_NON_TEE;
	expect(r, 5, &dev, "MSI-X table at [0xfe008000-0xfe009000) is not fully reported");
	r[1].attr = TSM_RANGE_MSIX_TABLE;
	r[2].attr = TSM_RANGE_MSIX_TABLE;
	expect(r, 5, &dev, "flagged MSI-X table but lies outside");
	r[2].attr = TSM_RANGE_MSIX_PBA;
	r[0].nr_pages = 0;
	expect(r, 5, &dev, "zero pages");
	r[0].nr_pages = 8;
	r[0].first_page = UINT64_MAX;
	expect(r, 5, &dev, "overflows");
	r[0].first_page = PG(BAR0);
	r[4].id = 0xffff;	/* non-BAR id: must still be inside some BAR */
	assert_int_equal(check(r, 5, &dev, NULL), 0);
	r[4].first_page = 0x10;
	expect(r, 5, &dev, "inside no BAR");
	r[4].first_page = PG(BAR2);
	nomsix.has_msix = false;
	expect(r, 5, &nomsix, "device has no MSI-X");
	{
		struct tl_buf b = { 0 };
		struct tsm_report rep;
		struct tsm_error err;

		tl_report(&b, 0x20, r, 1, NULL, 0);
		assert_int_equal(tsm_report_parse(b.p, b.len, &rep, NULL), 0);
		assert_int_equal(tsm_report_check(&rep, &dev, &err), -TSM_E_REPORT);
		assert_non_null(strstr(err.reason, "reserved"));
		tsm_report_free(&rep);
		tl_free(&b);
	}
}

static void names(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(tsm_report_bit_from_name("ats"), TSM_REPORT_ATS);
	assert_int_equal(tsm_report_bit_from_name("nope"), 0);
	assert_string_equal(tsm_report_bit_name(TSM_REPORT_PRS), "prs");
	assert_string_equal(tsm_report_bits_format(0x1f, buf, sizeof(buf)),
			    "no-fw-update dma-no-pasid dma-pasid ats prs");
	assert_string_equal(tsm_report_bits_format(0x8001, buf, sizeof(buf)),
			    "no-fw-update 0x8000");
	assert_string_equal(tsm_report_bits_format(0x1f, buf, 10), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
