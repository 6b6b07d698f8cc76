// SPDX-License-Identifier: GPL-2.0-only
/*
 * The netlink dump assembler (genl.c) on hand-built message streams: the
 * framing of docs/ABI.md 3.1/3.2 and every way a stream can be wrong.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/device_evidence.h>
#include <linux/pci_tsm_netlink.h>

#include "genl.h"

struct stream {
	uint8_t buf[1 << 20];
	size_t len;
};

static void put_msg(struct stream *s, struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	h->nlmsg_seq = 0;
	assert_true(s->len + NLMSG_ALIGN(h->nlmsg_len) <= sizeof(s->buf));
	memcpy(s->buf + s->len, h, h->nlmsg_len);
	s->len += NLMSG_ALIGN(h->nlmsg_len);
	nlmsg_free(msg);
}

/* One READ reply message; negative values leave an attribute out. */
static void evmsg(struct stream *s, bool devev, long type, long gen, long length,
		  const void *val, long vlen)
{
	struct nl_msg *msg = nlmsg_alloc_size(vlen > 0 ? vlen + 1024 : 4096);

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 0, 0, 0x20, 0, NLM_F_MULTI, 1, 1));
	if (type >= 0)
		assert_int_equal(nla_put_u32(msg, devev ? DEVICE_EVIDENCE_A_TYPE :
					     PCI_TSM_A_EVIDENCE_TYPE, type), 0);
	if (devev && gen >= 0)
		assert_int_equal(nla_put_u32(msg, DEVICE_EVIDENCE_A_GENERATION, gen), 0);
	if (devev && length >= 0)
		assert_int_equal(nla_put_u32(msg, DEVICE_EVIDENCE_A_LENGTH, length), 0);
	if (vlen >= 0)
		assert_int_equal(nla_put(msg, devev ? DEVICE_EVIDENCE_A_VAL :
					 PCI_TSM_A_EVIDENCE_VAL, vlen, val), 0);
	put_msg(s, msg);
}

static void done(struct stream *s, int error)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(nlmsg_put(msg, 0, 0, NLMSG_DONE, sizeof(int), NLM_F_MULTI));
	memcpy(nlmsg_data(nlmsg_hdr(msg)), &error, sizeof(int));
	put_msg(s, msg);
}

static struct stream *new_stream(void)
{
	struct stream *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	return s;
}

static int parse(struct stream *s, bool devev, struct tsm_nl_evidence *ev)
{
	int r = tsm_nl_parse_dump(devev, s->buf, s->len, ev);

	free(s);
	return r;
}

static const uint8_t bytes[16] = "0123456789abcdef";

static void test_good_device_evidence(void **state)
{
	struct stream *s = new_stream();
	struct tsm_nl_evidence ev;

	(void)state;
	evmsg(s, true, 0, 5, 10, bytes, 6);		/* CERT0 in two chunks */
	evmsg(s, true, -1, -1, -1, bytes + 6, 4);
	evmsg(s, true, 1, 5, 0, NULL, 0);		/* CERT1 empty: absent */
	evmsg(s, true, 8, 5, 3, "vca", 3);
	evmsg(s, true, 9, 5, 0, NULL, 0);
	done(s, 0);
	assert_int_equal(parse(s, true, &ev), 0);
	assert_true(ev.has_generation);
	assert_int_equal(ev.generation, 5);
	assert_true(ev.obj[0].present);
	assert_int_equal(ev.obj[0].len, 10);
	assert_memory_equal(ev.obj[0].data, bytes, 10);
	assert_false(ev.obj[1].present);
	assert_true(ev.obj[8].present);
	assert_memory_equal(ev.obj[8].data, "vca", 3);
	assert_false(ev.obj[9].present);
	tsm_evidence_free(&ev);
}

static void test_good_pci_tsm(void **state)
{
	struct stream *s = new_stream();
	struct tsm_nl_evidence ev;

	(void)state;
	evmsg(s, false, 0, -1, -1, bytes, 8);
	evmsg(s, false, -1, -1, -1, bytes + 8, 8);
	evmsg(s, false, 10, -1, -1, bytes, 4);
	done(s, 0);
	assert_int_equal(parse(s, false, &ev), 0);
	assert_false(ev.has_generation);
	assert_int_equal(ev.obj[0].len, 16);
	assert_int_equal(ev.obj[10].len, 4);
	tsm_evidence_free(&ev);
}

static void expect_error(void (*build)(struct stream *), bool devev, int want)
{
	struct stream *s = new_stream();
	struct tsm_nl_evidence ev;

	build(s);
	assert_int_equal(parse(s, devev, &ev), want);
	for (unsigned int i = 0; i < PCI_TSM_EVIDENCE_TYPE_NR; i++)
		assert_null(ev.obj[i].data);	/* nothing left on error */
}

static void short_object(struct stream *s)
{
	evmsg(s, true, 0, 1, 10, bytes, 6);
	done(s, 0);
}

static void long_object(struct stream *s)
{
	evmsg(s, true, 0, 1, 4, bytes, 6);
	done(s, 0);
}

static void out_of_order(struct stream *s)
{
	evmsg(s, true, 8, 1, 1, bytes, 1);
	evmsg(s, true, 0, 1, 1, bytes, 1);
	done(s, 0);
}

static void repeated_type(struct stream *s)
{
	evmsg(s, true, 0, 1, 1, bytes, 1);
	evmsg(s, true, 0, 1, 1, bytes, 1);
	done(s, 0);
}

static void two_generations(struct stream *s)
{
	evmsg(s, true, 0, 1, 1, bytes, 1);
	evmsg(s, true, 8, 2, 1, bytes, 1);
	done(s, 0);
}

static void val_first(struct stream *s)
{
	evmsg(s, true, -1, -1, -1, bytes, 4);
	done(s, 0);
}

static void no_length(struct stream *s)
{
	evmsg(s, true, 0, 1, -1, bytes, 4);
	done(s, 0);
}

static void huge_length(struct stream *s)
{
	evmsg(s, true, 0, 1, PCI_TSM_EVIDENCE_MAX_SIZE + 1, bytes, 4);
	done(s, 0);
}

static void bad_type(struct stream *s)
{
	evmsg(s, true, PCI_TSM_EVIDENCE_TYPE_NR, 1, 1, bytes, 1);
	done(s, 0);
}

static void kernel_error(struct stream *s)
{
	done(s, -ENXIO);
}

static void kernel_eagain_after_data(struct stream *s)
{
	evmsg(s, true, 0, 1, 16, bytes, 8);
	done(s, -EAGAIN);
}

static void no_done(struct stream *s)
{
	evmsg(s, true, 0, 1, 1, bytes, 1);
}

static void truncated(struct stream *s)
{
	evmsg(s, true, 0, 1, 16, bytes, 16);
	done(s, 0);
	s->len -= 30;	/* cut into the DONE and the last attribute */
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(short_object, true, -EBADMSG);
	expect_error(long_object, true, -EBADMSG);
	expect_error(out_of_order, true, -EBADMSG);
	expect_error(repeated_type, true, -EBADMSG);
	expect_error(two_generations, true, -EAGAIN);
	expect_error(val_first, true, -EBADMSG);
	expect_error(no_length, true, -EBADMSG);
	expect_error(huge_length, true, -EFBIG);
	expect_error(bad_type, true, -EBADMSG);
	expect_error(kernel_error, true, -ENXIO);
	expect_error(kernel_eagain_after_data, true, -EAGAIN);
	expect_error(no_done, true, -EPIPE);
	expect_error(truncated, true, -EPIPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_device_evidence),
		cmocka_unit_test(test_good_pci_tsm),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
