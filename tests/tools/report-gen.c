// SPDX-License-Identifier: GPL-2.0-only
/*
 * report-gen: write a TDISP REPORT object (docs/ABI.md 4.) with given ranges,
 * for adversarial report tests (range outside a BAR, overlaps, missing MSI-X
 * flags, lying range count). See tests/tools/README.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_build.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: report-gen --out FILE [--interface-info FLAGS] [--msix-ctrl N]\n"
		"                  [--lnr-ctrl N] [--tph-ctrl N] [--offset-pages N]\n"
		"                  [--bars RESOURCE_FILE] [--range BAR:START:SIZE[:ATTRS]]...\n"
		"                  [--range-pages ID:FIRST_PAGE:NPAGES[:ATTRS]]...\n"
		"                  [--device-info HEX] [--count-delta N]\n"
		"  FLAGS: none,no-fw-update,dma-no-pasid,dma-pasid,ats,prs or a number\n"
		"  ATTRS: none,msix-table,msix-pba,non-tee,updatable or a number\n"
		"  START/SIZE in bytes (4 KiB aligned); --bars adds one range per memory\n"
		"  BAR of a sysfs 'resource' file.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

static int add_range(struct report *rep, uint64_t id, uint64_t first,
		     uint64_t npages, const char *attrs)
{
	struct report_range *r;

	if (rep->nranges == REPORT_RANGES_MAX || id > 0xffff ||
	    npages > 0xffffffffu)
		return -1;
	r = &rep->r[rep->nranges];
	memset(r, 0, sizeof(*r));
	if (attrs && report_parse_attrs(attrs, &r->attrs))
		return -1;
	r->first_page = first;
	r->npages = (uint32_t)npages;
	r->id = (uint16_t)id;
	rep->nranges++;
	return 0;
}

/* "ID:A:B[:ATTRS]"; bytes = true: A/B are a byte address and size. */
static int parse_range(struct report *rep, const char *arg, bool bytes)
{
	char tmp[256], *f[4] = { 0 }, *save = NULL;
	uint64_t id, a, b;
	int n = 0;

	if (strlen(arg) >= sizeof(tmp))
		return -1;
	strcpy(tmp, arg);
	for (char *t = strtok_r(tmp, ":", &save); t && n < 4;
	     t = strtok_r(NULL, ":", &save))
		f[n++] = t;
	if (n < 3 || parse_u64(f[0], &id) || parse_u64(f[1], &a) ||
	    parse_u64(f[2], &b))
		return -1;
	if (bytes) {
		if ((a | b) & 0xfff) {
			fprintf(stderr, "report-gen: %s: not 4 KiB aligned\n", arg);
			return -1;
		}
		a >>= 12;
		b >>= 12;
	}
	return add_range(rep, id, a, b, f[3]);
}

/* sysfs resource: "0xSTART 0xEND 0xFLAGS" per line, BARs 0..5 first. */
static int add_bars(struct report *rep, const char *path)
{
	unsigned long long start, end, flags;
	FILE *fp = fopen(path, "r");
	int bar = 0, rc = 0;

	if (!fp) {
		fprintf(stderr, "report-gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (bar < 6 && fscanf(fp, "%llx %llx %llx", &start, &end, &flags) == 3) {
		/* IORESOURCE_MEM */
		if ((flags & 0x200) && end > start &&
		    add_range(rep, (uint64_t)bar, start >> 12,
			      (end - start + 1 + 0xfff) >> 12, NULL)) {
			rc = -1;
			break;
		}
		bar++;
	}
	fclose(fp);
	return rc;
}

static int parse_hex(const char *s, struct report *rep)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > REPORT_INFO_MAX)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		rep->info[i] = (uint8_t)v;
	}
	rep->info_len = n / 2;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "interface-info", required_argument, NULL, 'i' },
		{ "msix-ctrl", required_argument, NULL, 'm' },
		{ "lnr-ctrl", required_argument, NULL, 'l' },
		{ "tph-ctrl", required_argument, NULL, 't' },
		{ "offset-pages", required_argument, NULL, 'O' },
		{ "bars", required_argument, NULL, 'b' },
		{ "range", required_argument, NULL, 'r' },
		{ "range-pages", required_argument, NULL, 'p' },
		{ "device-info", required_argument, NULL, 'd' },
		{ "count-delta", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct report rep;
	const char *out = NULL;
	uint64_t v, offset = 0;
	uint8_t *buf;
	size_t len;
	FILE *f;
	int o;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;

		switch (o) {
		case 'o': out = optarg; break;
		case 'i': bad = report_parse_info(optarg, &rep.interface_info); break;
		case 'm': bad = parse_u64(optarg, &v) || v > 0xffff;
			rep.msix_ctrl = (uint16_t)v; break;
		case 'l': bad = parse_u64(optarg, &v) || v > 0xffff;
			rep.lnr_ctrl = (uint16_t)v; break;
		case 't': bad = parse_u64(optarg, &v) || v > 0xffffffffu;
			rep.tph_ctrl = (uint32_t)v; break;
		case 'O': bad = parse_u64(optarg, &offset); break;
		case 'b': bad = add_bars(&rep, optarg); break;
		case 'r': bad = parse_range(&rep, optarg, true); break;
		case 'p': bad = parse_range(&rep, optarg, false); break;
		case 'd': bad = parse_hex(optarg, &rep); break;
		case 'c': bad = parse_u64(optarg[0] == '-' ? optarg + 1 : optarg, &v) ||
				v > 1000000;
			rep.count_delta = optarg[0] == '-' ? -(int)v : (int)v; break;
		case 'h': usage(stdout); return 0;
		default: bad = 1;
		}
		if (bad) {
			fprintf(stderr, "report-gen: bad argument '%s'\n", optarg ? optarg : "");
			usage(stderr);
			return 2;
		}
	}
	if (!out || optind != argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < rep.nranges; i++)
		rep.r[i].first_page += offset;
	len = report_size(&rep);
	buf = malloc(len);
	if (!buf)
		return 1;
	report_write(&rep, buf);
	f = fopen(out, "wb");
	o = !f || fwrite(buf, 1, len, f) != len;
	if ((f && fclose(f)) || o) {
		fprintf(stderr, "report-gen: %s: %s\n", out, strerror(errno));
		free(buf);
		return 1;
	}
	free(buf);
	return 0;
}
