// SPDX-License-Identifier: GPL-2.0-only
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <linux/device_evidence.h>
#include <linux/pci_tsm_netlink.h>

#include "genl.h"
#include "log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct tsm_nl {
	struct nl_sock *sk;
	int devev;		/* family id of device-evidence, or <0 */
	int pcitsm;		/* family id of pci-tsm, or <0 */
	unsigned int timeout_ms;
	int cancel_fd;
	uint8_t *buf;
	size_t buflen;
	char errmsg[TSM_NL_ERRMSG_MAX];
};

static bool tsm_nl_debug;

void tsm_nl_set_debug(bool on)
{
	tsm_nl_debug = on;
}

static const char *const type_names[PCI_TSM_EVIDENCE_TYPE_NR] = {
	"cert0", "cert1", "cert2", "cert3", "cert4", "cert5", "cert6", "cert7",
	"vca", "measurements", "report",
};

const char *tsm_evidence_type_name(unsigned int type)
{
	return type < PCI_TSM_EVIDENCE_TYPE_NR ? type_names[type] : "unknown";
}

int tsm_nl_open(struct tsm_nl **ret, unsigned int timeout_ms, int cancel_fd)
{
	struct tsm_nl *nl = calloc(1, sizeof(*nl));
	int one = 1, r;

	if (!nl)
		return -ENOMEM;
	nl->timeout_ms = timeout_ms;
	nl->cancel_fd = cancel_fd;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	r = genl_connect(nl->sk);
	if (r < 0) {
		nl_socket_free(nl->sk);
		free(nl);
		return -EPROTONOSUPPORT;
	}
	/* extack and capped acks: the kernel says why it refused */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->devev = genl_ctrl_resolve(nl->sk, DEVICE_EVIDENCE_FAMILY_NAME);
	nl->pcitsm = genl_ctrl_resolve(nl->sk, PCI_TSM_FAMILY_NAME);
	log_debug("netlink: %s=%d %s=%d", DEVICE_EVIDENCE_FAMILY_NAME, nl->devev,
		  PCI_TSM_FAMILY_NAME, nl->pcitsm);
	*ret = nl;
	return 0;
}

void tsm_nl_close(struct tsm_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl->buf);
	free(nl);
}

bool tsm_nl_has_device_evidence(const struct tsm_nl *nl)
{
	return nl->devev > 0;
}

bool tsm_nl_has_pci_tsm(const struct tsm_nl *nl)
{
	return nl->pcitsm > 0;
}

const char *tsm_nl_errmsg(const struct tsm_nl *nl)
{
	return nl->errmsg;
}

void tsm_evidence_free(struct tsm_nl_evidence *ev)
{
	unsigned int i;

	for (i = 0; i < PCI_TSM_EVIDENCE_TYPE_NR; i++)
		free(ev->obj[i].data);
	memset(ev, 0, sizeof(*ev));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for the socket within the deadline, watching the cancel fd. */
static int wait_readable(struct tsm_nl *nl, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = nl_socket_get_fd(nl->sk), .events = POLLIN },
		{ .fd = nl->cancel_fd, .events = POLLIN },
	};
	int r, left = -1;

	for (;;) {
		if (deadline) {
			int64_t d = deadline - now_ms();

			if (d <= 0)
				return -ETIMEDOUT;
			left = d > 3600000 ? 3600000 : (int)d;
		}
		r = poll(pfd, nl->cancel_fd >= 0 ? 2 : 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		if (nl->cancel_fd >= 0 && (pfd[1].revents & POLLIN))
			return -ECANCELED;
		return 0;
	}
}

/* Receives one datagram into nl->buf; returns its length or -errno. */
static ssize_t recv_one(struct tsm_nl *nl, int64_t deadline)
{
	int fd = nl_socket_get_fd(nl->sk);
	ssize_t n;
	int r;

	r = wait_readable(nl, deadline);
	if (r)
		return r;
	n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if ((size_t)n > nl->buflen) {
		uint8_t *b = realloc(nl->buf, n);

		if (!b)
			return -ENOMEM;
		nl->buf = b;
		nl->buflen = n;
	}
	n = recv(fd, nl->buf, nl->buflen, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (tsm_nl_debug) {
		struct nlmsghdr *h = (struct nlmsghdr *)nl->buf;

		log_debug("netlink: recv %zd bytes, first message type %u flags 0x%x seq %u",
			  n, n >= (ssize_t)sizeof(*h) ? h->nlmsg_type : 0,
			  n >= (ssize_t)sizeof(*h) ? h->nlmsg_flags : 0,
			  n >= (ssize_t)sizeof(*h) ? h->nlmsg_seq : 0);
	}
	return n;
}

/* Pulls the extack message out of an NLMSG_ERROR or NLMSG_DONE. */
static void parse_extack(struct tsm_nl *nl, struct nlmsghdr *h, size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *attrs;
	int len;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || h->nlmsg_len < NLMSG_HDRLEN + off)
		return;
	attrs = (struct nlattr *)((uint8_t *)nlmsg_data(h) + NLMSG_ALIGN(off));
	len = (int)h->nlmsg_len - NLMSG_HDRLEN - (int)NLMSG_ALIGN(off);
	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

/* Returns 1 when |h| ends the exchange (ack, error, done), else 0. */
static int handle_control(struct tsm_nl *nl, struct nlmsghdr *h, int *err)
{
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = nlmsg_data(h);
		size_t off = sizeof(*e);

		if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(*e)) {
			*err = -EBADMSG;
			return 1;
		}
		if (!(h->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if (e->error)
			parse_extack(nl, h, off);
		*err = e->error;
		return 1;
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		int e = 0;

		if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
			memcpy(&e, nlmsg_data(h), sizeof(int));
		if (e)
			parse_extack(nl, h, sizeof(int));
		*err = e;
		return 1;
	}
	return 0;
}

struct dump_ctx {
	struct tsm_nl_evidence *ev;
	bool devev;
	int cur;		/* object being assembled, -1 before the first */
	size_t want;		/* its LENGTH (device-evidence) */
	size_t cap;
};

static int finish_object(struct dump_ctx *c)
{
	struct tsm_object *o;

	if (c->cur < 0)
		return 0;
	o = &c->ev->obj[c->cur];
	if (c->devev && o->len != c->want) {
		log_debug("netlink: %s: got %zu of %zu bytes", type_names[c->cur], o->len,
			  c->want);
		return -EBADMSG;
	}
	/* every requested type is answered; an empty one means "absent" */
	if (!o->len) {
		free(o->data);
		o->data = NULL;
		o->present = false;
	}
	return 0;
}

static int append_val(struct tsm_object *o, size_t *cap, const void *p, size_t n)
{
	if (!n)
		return 0;
	if (n > PCI_TSM_EVIDENCE_MAX_SIZE - o->len)
		return -EFBIG;
	if (o->len + n > *cap) {
		size_t nc = *cap ? *cap : 4096;
		uint8_t *d;

		while (nc < o->len + n)
			nc *= 2;
		d = realloc(o->data, nc);
		if (!d)
			return -ENOMEM;
		o->data = d;
		*cap = nc;
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
	return 0;
}

static int handle_evidence_msg(struct dump_ctx *c, struct nlmsghdr *h)
{
	struct nlattr *tb[DEVICE_EVIDENCE_A_MAX + 1];
	int a_type, a_val, r;

	r = genlmsg_parse(h, 0, tb, DEVICE_EVIDENCE_A_MAX, NULL);
	if (r < 0)
		return -EBADMSG;
	a_type = c->devev ? DEVICE_EVIDENCE_A_TYPE : PCI_TSM_A_EVIDENCE_TYPE;
	a_val = c->devev ? DEVICE_EVIDENCE_A_VAL : PCI_TSM_A_EVIDENCE_VAL;
	if (tb[a_type]) {
		uint32_t t;

		if (nla_len(tb[a_type]) != 4)
			return -EBADMSG;
		t = nla_get_u32(tb[a_type]);
		r = finish_object(c);
		if (r)
			return r;
		/* ascending order, each type once */
		if (t >= PCI_TSM_EVIDENCE_TYPE_NR || (int)t <= c->cur)
			return -EBADMSG;
		c->cur = t;
		c->cap = 0;
		c->ev->obj[t].present = true;
		if (c->devev) {
			uint32_t gen;

			if (!tb[DEVICE_EVIDENCE_A_LENGTH] || !tb[DEVICE_EVIDENCE_A_GENERATION] ||
			    nla_len(tb[DEVICE_EVIDENCE_A_LENGTH]) != 4 ||
			    nla_len(tb[DEVICE_EVIDENCE_A_GENERATION]) != 4)
				return -EBADMSG;
			c->want = nla_get_u32(tb[DEVICE_EVIDENCE_A_LENGTH]);
			if (c->want > PCI_TSM_EVIDENCE_MAX_SIZE)
				return -EFBIG;
			gen = nla_get_u32(tb[DEVICE_EVIDENCE_A_GENERATION]);
			if (c->ev->has_generation && gen != c->ev->generation)
				return -EAGAIN;	/* objects from two generations */
			c->ev->generation = gen;
			c->ev->has_generation = true;
			c->ev->obj[t].generation = gen;
		}
	} else if (c->cur < 0) {
		return -EBADMSG;		/* VAL before any TYPE */
	}
	if (tb[a_val]) {
		struct tsm_object *o = &c->ev->obj[c->cur];
		size_t n = nla_len(tb[a_val]);

		if (c->devev && n > c->want - o->len)
			return -EBADMSG;	/* more than LENGTH announced */
		r = append_val(o, &c->cap, nla_data(tb[a_val]), n);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Feeds one datagram of a dump into |c|. Returns 1 when the exchange ended
 * (*err: 0 or -errno), 0 when more is to come. After the first bad message
 * the rest are drained until DONE and the error is kept.
 */
static int process_datagram(struct tsm_nl *nl, struct dump_ctx *c, uint32_t seq, void *buf,
			    size_t n, int *err)
{
	struct nlmsghdr *h;
	int len = n;

	for (h = buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
		int e = 0;

		if (h->nlmsg_seq != seq)
			continue;	/* a stale answer to an aborted request */
		if (handle_control(nl, h, &e)) {
			if (!*err)
				*err = e ? e : finish_object(c);
			return 1;
		}
		if (*err)
			continue;	/* drain until DONE */
		*err = handle_evidence_msg(c, h);
		if (*err)
			log_debug("netlink: bad evidence message: %s", strerror(-*err));
	}
	return 0;
}

static int send_msg(struct tsm_nl *nl, struct nl_msg *msg, uint32_t *seq)
{
	int r = nl_send_auto(nl->sk, msg);

	if (r < 0)
		return -EIO;
	*seq = nlmsg_hdr(msg)->nlmsg_seq;
	return 0;
}

static int read_once(struct tsm_nl *nl, const char *bdf, uint32_t mask,
		     const uint8_t *nonce, struct tsm_nl_evidence *ev)
{
	struct dump_ctx c = { .ev = ev, .devev = nl->devev > 0, .cur = -1 };
	int64_t deadline = nl->timeout_ms ? now_ms() + nl->timeout_ms : 0;
	struct nl_msg *msg;
	uint32_t seq;
	int r, err = 0;

	memset(ev, 0, sizeof(*ev));
	ev->device_evidence = c.devev;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	if (c.devev) {
		if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->devev, 0, NLM_F_DUMP,
				 DEVICE_EVIDENCE_CMD_READ, DEVICE_EVIDENCE_FAMILY_VERSION) ||
		    nla_put_string(msg, DEVICE_EVIDENCE_A_SUBSYS, DEVICE_EVIDENCE_SUBSYS_PCI) ||
		    nla_put_string(msg, DEVICE_EVIDENCE_A_DEV_NAME, bdf) ||
		    nla_put_u32(msg, DEVICE_EVIDENCE_A_TYPE_MASK, mask) ||
		    (nonce && nla_put(msg, DEVICE_EVIDENCE_A_NONCE, PCI_TSM_NONCE_SIZE, nonce)))
			r = -EMSGSIZE;
		else
			r = 0;
	} else {
		if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->pcitsm, 0, NLM_F_DUMP,
				 PCI_TSM_CMD_EVIDENCE_READ, PCI_TSM_FAMILY_VERSION) ||
		    nla_put_string(msg, PCI_TSM_A_EVIDENCE_DEV_NAME, bdf) ||
		    nla_put_u32(msg, PCI_TSM_A_EVIDENCE_TYPE_MASK, mask))
			r = -EMSGSIZE;
		else
			r = 0;
	}
	if (!r)
		r = send_msg(nl, msg, &seq);
	nlmsg_free(msg);
	if (r)
		return r;

	for (;;) {
		ssize_t n = recv_one(nl, deadline);

		if (n < 0)
			return n;
		r = process_datagram(nl, &c, seq, nl->buf, n, &err);
		if (r)
			return err;
	}
}

int tsm_nl_parse_dump(bool device_evidence, const void *buf, size_t len,
		      struct tsm_nl_evidence *ev)
{
	struct dump_ctx c = { .ev = ev, .devev = device_evidence, .cur = -1 };
	struct tsm_nl nl = { .devev = -1, .pcitsm = -1, .cancel_fd = -1 };
	uint8_t *copy;
	int err = 0, r;

	memset(ev, 0, sizeof(*ev));
	ev->device_evidence = device_evidence;
	if (len > INT32_MAX)
		return -EINVAL;
	copy = malloc(len ? len : 1);	/* aligned, writable copy */
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	r = process_datagram(&nl, &c, 0, copy, len, &err);
	free(copy);
	if (!r)
		err = -EPIPE;	/* no DONE: the dump never finished */
	if (err)
		tsm_evidence_free(ev);
	return err;
}

int tsm_nl_read(struct tsm_nl *nl, const char *bdf, uint32_t mask, const uint8_t *nonce,
		unsigned int retries, struct tsm_nl_evidence *ev)
{
	unsigned int i;
	int r;

	nl->errmsg[0] = '\0';
	if (nl->devev <= 0 && nl->pcitsm <= 0)
		return -EPROTONOSUPPORT;
	if (nonce && nl->devev <= 0)
		return -EOPNOTSUPP;
	for (i = 0;; i++) {
		r = read_once(nl, bdf, mask, nonce, ev);
		if (!r) {
			ev->nonce_used = nonce != NULL;
			return 0;
		}
		tsm_evidence_free(ev);
		if (r != -EAGAIN || i >= retries)
			return r;
		log_debug("netlink: %s: evidence changed during the read, retrying", bdf);
	}
}

int tsm_nl_validate(struct tsm_nl *nl, const char *bdf, uint32_t generation)
{
	int64_t deadline = nl->timeout_ms ? now_ms() + nl->timeout_ms : 0;
	struct nl_msg *msg;
	uint32_t seq;
	int r, err = 0;

	nl->errmsg[0] = '\0';
	if (nl->devev <= 0)
		return -EOPNOTSUPP;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->devev, 0, NLM_F_ACK,
			 DEVICE_EVIDENCE_CMD_VALIDATE, DEVICE_EVIDENCE_FAMILY_VERSION) ||
	    nla_put_string(msg, DEVICE_EVIDENCE_A_SUBSYS, DEVICE_EVIDENCE_SUBSYS_PCI) ||
	    nla_put_string(msg, DEVICE_EVIDENCE_A_DEV_NAME, bdf) ||
	    nla_put_u32(msg, DEVICE_EVIDENCE_A_GENERATION, generation))
		r = -EMSGSIZE;
	else
		r = send_msg(nl, msg, &seq);
	nlmsg_free(msg);
	if (r)
		return r;
	for (;;) {
		ssize_t n = recv_one(nl, deadline);
		struct nlmsghdr *h;
		int len;

		if (n < 0)
			return n;
		len = n;
		for (h = (struct nlmsghdr *)nl->buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len))
			if (h->nlmsg_seq == seq && handle_control(nl, h, &err))
				return err;
	}
}
