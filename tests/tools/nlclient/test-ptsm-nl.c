// SPDX-License-Identifier: GPL-2.0-only
/*
 * Offline tests of ptsm-nl's reply handling: crafted generic netlink
 * messages go straight into its callbacks (no kernel needed). Built with
 * ASan + UBSan by `make check`.
 */
#define main ptsm_nl_main
#include "ptsm-nl.c"
#undef main

#include <assert.h>

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failures++;						\
	}								\
} while (0)

static struct opts test_opts(const struct fam *f, uint32_t mask)
{
	struct opts o = {
		.fam = f, .mask = mask, .subsys = "pci", .nonce_len = -1,
		.quiet = true,
	};

	return o;
}

static void dump_init(struct dump *d, const struct opts *o)
{
	memset(d, 0, sizeof(*d));
	d->o = o;
	d->cur = -1;
	d->generation = -1;
}

static void dump_free(struct dump *d)
{
	for (unsigned int t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++)
		free(d->obj[t].data);
}

/*
 * One reply message: TYPE when @type >= 0, GENERATION/LENGTH when >= 0,
 * VAL of @vlen bytes of @fill unless @vlen < 0.
 */
static struct nl_msg *reply(const struct fam *f, int type, long gen, long len,
			    int vlen, uint8_t fill)
{
	struct nl_msg *m = nlmsg_alloc_size(80000);
	uint8_t *val = NULL;

	assert(m);
	assert(genlmsg_put(m, 0, 0, 0x20, 0, NLM_F_MULTI, (uint8_t)f->cmd_read, 1));
	if (type >= 0)
		assert(!nla_put_u32(m, f->a_type, (uint32_t)type));
	if (gen >= 0 && f->a_gen)
		assert(!nla_put_u32(m, f->a_gen, (uint32_t)gen));
	if (len >= 0 && f->a_len)
		assert(!nla_put_u32(m, f->a_len, (uint32_t)len));
	if (vlen >= 0) {
		val = malloc(vlen ? (size_t)vlen : 1);
		assert(val);
		memset(val, fill, (size_t)vlen);
		assert(!nla_put(m, f->a_val, vlen, val));
		free(val);
	}
	return m;
}

static void feed(struct dump *d, struct nl_msg *m)
{
	on_valid(m, d);
	nlmsg_free(m);
}

static void test_good_pci_tsm(void)
{
	struct opts o = test_opts(&fam_pci_tsm, 0x201);
	struct dump d;

	dump_init(&d, &o);
	feed(&d, reply(o.fam, 0, -1, -1, 10, 0xaa));
	feed(&d, reply(o.fam, -1, -1, -1, 5, 0xbb));
	feed(&d, reply(o.fam, 9, -1, -1, 0, 0));
	obj_close(&d);
	CHECK(!d.proto[0], "unexpected violation: %s", d.proto);
	CHECK(d.obj[0].len == 15 && d.obj[0].data[9] == 0xaa &&
	      d.obj[0].data[10] == 0xbb, "CERT0 reassembly");
	CHECK(d.obj[9].seen && d.obj[9].len == 0, "empty MEASUREMENTS");
	CHECK(summarize(&d) == 0, "summary of a good dump");
	dump_free(&d);
}

static void test_good_devev(void)
{
	struct opts o = test_opts(&fam_devev, 0x401);
	struct dump d;

	dump_init(&d, &o);
	feed(&d, reply(o.fam, 0, 7, 65528 + 100, 65528, 1));
	feed(&d, reply(o.fam, -1, -1, -1, 100, 2));
	feed(&d, reply(o.fam, 10, 7, 0, 0, 0));
	obj_close(&d);
	CHECK(!d.proto[0], "unexpected violation: %s", d.proto);
	CHECK(d.generation == 7, "generation %ld", d.generation);
	CHECK(d.max_chunk == 65528, "max_chunk %lu", d.max_chunk);
	CHECK(summarize(&d) == 0, "summary of a good dump");
	dump_free(&d);
}

static void test_violations(void)
{
	struct opts o = test_opts(&fam_pci_tsm, 0x203);
	struct opts od = test_opts(&fam_devev, 0x3);
	struct dump d;
	struct nl_msg *m;
	struct nlattr bogus = { .nla_len = 100, .nla_type = 6 };

	/* types out of order */
	dump_init(&d, &o);
	feed(&d, reply(o.fam, 9, -1, -1, 1, 0));
	feed(&d, reply(o.fam, 0, -1, -1, 1, 0));
	CHECK(strstr(d.proto, "out of order"), "order: '%s'", d.proto);
	dump_free(&d);

	/* a type that was not requested */
	dump_init(&d, &o);
	feed(&d, reply(o.fam, 4, -1, -1, 1, 0));
	CHECK(strstr(d.proto, "not requested"), "unrequested: '%s'", d.proto);
	dump_free(&d);

	/* VAL before any TYPE */
	dump_init(&d, &o);
	feed(&d, reply(o.fam, -1, -1, -1, 1, 0));
	CHECK(strstr(d.proto, "before any TYPE"), "VAL first: '%s'", d.proto);
	dump_free(&d);

	/* no VAL */
	dump_init(&d, &o);
	feed(&d, reply(o.fam, 0, -1, -1, -1, 0));
	CHECK(strstr(d.proto, "no VAL"), "no VAL: '%s'", d.proto);
	dump_free(&d);

	/* unknown attribute */
	dump_init(&d, &o);
	m = reply(o.fam, 0, -1, -1, 1, 0);
	assert(!nla_put_u32(m, 42, 1));
	feed(&d, m);
	CHECK(strstr(d.proto, "unexpected attribute 42"), "unknown: '%s'", d.proto);
	dump_free(&d);

	/* an attribute claiming more bytes than the message has */
	dump_init(&d, &o);
	m = reply(o.fam, 0, -1, -1, 1, 0);
	assert(!nlmsg_append(m, &bogus, sizeof(bogus), NLMSG_ALIGNTO));
	feed(&d, m);
	CHECK(strstr(d.proto, "trailing bytes"), "overrun: '%s'", d.proto);
	dump_free(&d);

	/* a requested type missing from the dump */
	dump_init(&d, &o);
	feed(&d, reply(o.fam, 0, -1, -1, 1, 0));
	obj_close(&d);
	CHECK(summarize(&d) == EXIT_PROTOCOL && strstr(d.proto, "missing"),
	      "missing type: '%s'", d.proto);
	dump_free(&d);

	/* device-evidence: LENGTH not met, generation moving, no LENGTH */
	dump_init(&d, &od);
	feed(&d, reply(od.fam, 0, 3, 10, 9, 0));
	obj_close(&d);
	CHECK(strstr(d.proto, "LENGTH said 10"), "short: '%s'", d.proto);
	dump_free(&d);

	dump_init(&d, &od);
	feed(&d, reply(od.fam, 0, 3, 1, 1, 0));
	feed(&d, reply(od.fam, 1, 4, 1, 1, 0));
	CHECK(strstr(d.proto, "generation changed"), "generation: '%s'", d.proto);
	dump_free(&d);

	dump_init(&d, &od);
	feed(&d, reply(od.fam, 0, -1, -1, 1, 0));
	CHECK(strstr(d.proto, "lacks LENGTH"), "no LENGTH: '%s'", d.proto);
	dump_free(&d);

	dump_init(&d, &od);
	feed(&d, reply(od.fam, 0, 3, 2, 1, 0));
	feed(&d, reply(od.fam, -1, 3, 2, 1, 0));
	CHECK(strstr(d.proto, "outside a first message"), "late LENGTH: '%s'", d.proto);
	dump_free(&d);
}

/* an NLMSG_ERROR or NLMSG_DONE with extack TLVs, built by hand */
static size_t put_tlv(uint8_t *p, uint16_t type, const void *v, uint16_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	memcpy(p, &a, sizeof(a));
	memcpy(p + NLA_HDRLEN, v, len);
	return NLA_ALIGN(NLA_HDRLEN + len);
}

static void test_extack(void)
{
	struct opts o = test_opts(&fam_pci_tsm, 1);
	uint8_t buf[512] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(h);
	const char msg[] = "device '0000:7f:1f.7' not found";
	uint32_t offs = 28, miss = 4;
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	struct nl_msg *m;
	struct dump d;
	int err = -ENODEV;

	/* capped NLMSG_ERROR */
	dump_init(&d, &o);
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e->error = -ENODEV;
	e->msg.nlmsg_len = 64;
	off += put_tlv(buf + off, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	off += put_tlv(buf + off, NLMSGERR_ATTR_OFFS, &offs, 4);
	off += put_tlv(buf + off, NLMSGERR_ATTR_MISS_TYPE, &miss, 4);
	/* a TLV that lies about its length ends the walk, nothing more */
	off += put_tlv(buf + off, 99, &miss, 4);
	((struct nlattr *)(buf + off - 8))->nla_len = 200;
	h->nlmsg_len = (uint32_t)off;
	on_error(NULL, e, &d);
	CHECK(d.err == ENODEV && d.done, "error %d", d.err);
	CHECK(strstr(d.errmsg, msg) && strstr(d.errmsg, "offset 28") &&
	      strstr(d.errmsg, "attribute type 4"), "extack '%s'", d.errmsg);

	/* NLMSG_DONE carrying an error (dump request errors on 6.1) */
	dump_init(&d, &o);
	m = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS);
	assert(m);
	assert(!nlmsg_append(m, &err, sizeof(err), NLMSG_ALIGNTO));
	assert(!nla_put_string(m, NLMSGERR_ATTR_MSG, "evidence updated during read"));
	on_finish(m, &d);
	nlmsg_free(m);
	CHECK(d.err == ENODEV && strstr(d.errmsg, "evidence updated"),
	      "DONE error %d '%s'", d.err, d.errmsg);

	/* a plain DONE ends the dump without error; a short one too */
	dump_init(&d, &o);
	m = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
	assert(m);
	on_finish(m, &d);
	nlmsg_free(m);
	CHECK(d.done && !d.err, "short DONE");
}

static void test_args(void)
{
	uint8_t n[PCI_TSM_NONCE_MAX + 1];
	uint32_t v;

	CHECK(parse_hex_bytes("00ff", n, sizeof(n)) == 2 && n[1] == 0xff, "hex");
	CHECK(parse_hex_bytes("0", n, sizeof(n)) < 0, "odd hex");
	CHECK(parse_hex_bytes("0g", n, sizeof(n)) < 0, "bad hex digit");
	CHECK(parse_hex_bytes(" 1", n, sizeof(n)) < 0, "space in hex");
	CHECK(parse_u32("7ff", 16, &v) == 0 && v == 0x7ff, "mask");
	CHECK(parse_u32("100000000", 16, &v) < 0, "mask overflow");
	CHECK(parse_u32("", 16, &v) < 0, "empty");
	CHECK(!strcmp(errno_name(EAGAIN), "EAGAIN") &&
	      !strcmp(errno_name(4095), "E#4095"), "errno names");
}

int main(void)
{
	test_good_pci_tsm();
	test_good_devev();
	test_violations();
	test_extack();
	test_args();
	if (failures) {
		fprintf(stderr, "test-ptsm-nl: %d failure(s)\n", failures);
		return 1;
	}
	printf("test-ptsm-nl: pass\n");
	return 0;
}
