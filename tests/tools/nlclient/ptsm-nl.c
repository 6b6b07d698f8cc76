// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptsm-nl: test client for the "pci-tsm" and "device-evidence" generic
 * netlink families (docs/ABI.md 3.1, 3.2).
 *
 *   ptsm-nl read [options] DEV       dump, reassemble and check evidence
 *   ptsm-nl validate [options] DEV GEN
 *
 * It checks the framing strictly (types ascending and requested, every
 * requested type present, VAL after TYPE, one generation per dump, LENGTH
 * met exactly, no stray attributes) and reports kernel errors as
 * "ptsm-nl: ERRNO: extack message", exiting with the errno value (when it
 * is below 126 and not one of the two codes below). Framing violations
 * exit with 100 ("PROTOCOL"), local failures 101, usage errors 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <openssl/evp.h>

#include <linux/device_evidence.h>
#include <linux/pci_tsm_evidence.h>
#include <linux/pci_tsm_netlink.h>

#define EXIT_USAGE	2
#define EXIT_PROTOCOL	100
#define EXIT_LOCAL	101

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

static const char *const type_names[PCI_TSM_EVIDENCE_TYPE_NR] = {
	"cert0", "cert1", "cert2", "cert3", "cert4", "cert5", "cert6",
	"cert7", "vca", "measurements", "report",
};

/* Attribute ids of the family in use. */
struct fam {
	const char *name;
	int cmd_read;
	int a_type, a_mask, a_flags, a_dev, a_nonce, a_val;
	int a_subsys, a_gen, a_len;	/* 0 when the family lacks them */
	int maxattr;
};

static const struct fam fam_pci_tsm = {
	.name = PCI_TSM_FAMILY_NAME,
	.cmd_read = PCI_TSM_CMD_EVIDENCE_READ,
	.a_type = PCI_TSM_A_EVIDENCE_TYPE,
	.a_mask = PCI_TSM_A_EVIDENCE_TYPE_MASK,
	.a_flags = PCI_TSM_A_EVIDENCE_FLAGS,
	.a_dev = PCI_TSM_A_EVIDENCE_DEV_NAME,
	.a_nonce = PCI_TSM_A_EVIDENCE_NONCE,
	.a_val = PCI_TSM_A_EVIDENCE_VAL,
	.maxattr = PCI_TSM_A_EVIDENCE_MAX,
};

static const struct fam fam_devev = {
	.name = DEVICE_EVIDENCE_FAMILY_NAME,
	.cmd_read = DEVICE_EVIDENCE_CMD_READ,
	.a_type = DEVICE_EVIDENCE_A_TYPE,
	.a_mask = DEVICE_EVIDENCE_A_TYPE_MASK,
	.a_flags = DEVICE_EVIDENCE_A_FLAGS,
	.a_dev = DEVICE_EVIDENCE_A_DEV_NAME,
	.a_nonce = DEVICE_EVIDENCE_A_NONCE,
	.a_val = DEVICE_EVIDENCE_A_VAL,
	.a_subsys = DEVICE_EVIDENCE_A_SUBSYS,
	.a_gen = DEVICE_EVIDENCE_A_GENERATION,
	.a_len = DEVICE_EVIDENCE_A_LENGTH,
	.maxattr = DEVICE_EVIDENCE_A_MAX,
};

struct opts {
	const struct fam *fam;
	uint32_t mask;
	bool no_mask;
	uint32_t flags;
	bool have_flags;
	bool no_dev;
	const char *subsys;
	bool no_subsys;
	uint8_t nonce[PCI_TSM_NONCE_MAX + 1];
	int nonce_len;			/* -1: none */
	long rcvbuf;			/* 0: libnl defaults */
	const char *out_dir;
	bool drop_cap;
	bool drop_sys_admin;
	bool quiet;
	double pause_secs;
	const char *pause_marker;
	const char *resume_file;
};

struct object {
	bool seen;
	uint8_t *data;
	size_t len, cap;
	long expect;			/* LENGTH, -1 if not sent */
};

struct dump {
	const struct opts *o;
	struct object obj[PCI_TSM_EVIDENCE_TYPE_NR];
	int cur;			/* type being assembled, -1 before any */
	long generation;		/* -1: not sent */
	unsigned long messages, chunks, max_chunk;
	int err;			/* kernel errno (positive), 0 */
	char errmsg[512];
	char proto[256];		/* framing violation, "" if none */
	bool done;
};

static void proto_err(struct dump *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void proto_err(struct dump *d, const char *fmt, ...)
{
	va_list ap;

	if (d->proto[0])
		return;
	va_start(ap, fmt);
	vsnprintf(d->proto, sizeof(d->proto), fmt, ap);
	va_end(ap);
}

static const char *errno_name(int e)
{
	static char buf[16];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case EAGAIN: return "EAGAIN";
	case EMSGSIZE: return "EMSGSIZE";
	case EPROTO: return "EPROTO";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOBUFS: return "ENOBUFS";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ESTALE: return "ESTALE";
	case EBADMSG: return "EBADMSG";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	default:
		snprintf(buf, sizeof(buf), "E#%d", e);
		return buf;
	}
}

/*
 * Collect the extended ack TLVs that follow @off bytes of @nlh's payload
 * into a readable text.
 */
static void parse_extack(const struct nlmsghdr *nlh, size_t off, char *out,
			 size_t outlen)
{
	const uint8_t *p = (const uint8_t *)NLMSG_DATA(nlh);
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	size_t used = 0;

	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > plen)
		return;
	p += off;
	plen -= off;
	while (plen >= sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t alen = a->nla_len, step;
		const uint8_t *v = p + NLA_HDRLEN;
		size_t vlen;
		uint32_t u = 0;

		if (alen < NLA_HDRLEN || alen > plen)
			break;
		vlen = alen - NLA_HDRLEN;
		if (vlen >= 4)
			memcpy(&u, v, 4);
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			used += snprintf(out + used, outlen - used, "%s%.*s",
					 used ? "; " : "", (int)strnlen((const char *)v, vlen),
					 (const char *)v);
			break;
		case NLMSGERR_ATTR_OFFS:
			used += snprintf(out + used, outlen - used,
					 "%s(bad attribute at offset %u)",
					 used ? " " : "", u);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			used += snprintf(out + used, outlen - used,
					 "%s(missing attribute type %u)",
					 used ? " " : "", u);
			break;
		default:
			break;
		}
		if (used >= outlen)
			used = outlen - 1;
		step = NLA_ALIGN(alen);
		if (step > plen)
			break;
		p += step;
		plen -= step;
	}
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const uint8_t *)e - NLMSG_HDRLEN);
	struct dump *d = arg;
	size_t off;

	(void)nla;
	d->err = -e->error;
	d->done = true;
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		off = sizeof(*e);
	else
		off = sizeof(e->error) + e->msg.nlmsg_len;
	parse_extack(nlh, off, d->errmsg, sizeof(d->errmsg));
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct dump *d = arg;
	int err = 0;

	d->done = true;
	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	if (err < 0) {
		d->err = -err;
		parse_extack(nlh, sizeof(int), d->errmsg, sizeof(d->errmsg));
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;

	(void)msg;
	d->done = true;
	return NL_STOP;
}

static void pause_here(const struct opts *o)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	double waited = 0;
	int fd;

	if (o->pause_marker) {
		fd = open(o->pause_marker, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
	while (waited < o->pause_secs) {
		if (o->resume_file && !access(o->resume_file, F_OK))
			return;
		nanosleep(&ts, NULL);
		waited += 0.02;
	}
}

static int obj_append(struct object *ob, const void *p, size_t n)
{
	if (ob->len + n > ob->cap) {
		size_t cap = ob->cap ? ob->cap : 4096;
		uint8_t *nd;

		while (cap < ob->len + n)
			cap *= 2;
		nd = realloc(ob->data, cap);
		if (!nd)
			return -1;
		ob->data = nd;
		ob->cap = cap;
	}
	if (n)
		memcpy(ob->data + ob->len, p, n);
	ob->len += n;
	return 0;
}

/* Close the object being assembled: LENGTH must be met exactly. */
static void obj_close(struct dump *d)
{
	struct object *ob;

	if (d->cur < 0)
		return;
	ob = &d->obj[d->cur];
	if (ob->expect >= 0 && (size_t)ob->expect != ob->len)
		proto_err(d, "%s: got %zu bytes, LENGTH said %ld",
			  type_names[d->cur], ob->len, ob->expect);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	const struct fam *f = d->o->fam;
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[64] = { NULL };
	struct nlattr *a;
	int rem, type;

	d->messages++;
	if (d->messages == 1 && d->o->pause_secs > 0)
		pause_here(d->o);

	/* strict walk: every byte of the payload must be well-formed attrs */
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		type = nla_type(a);
		if (type <= 0 || type > f->maxattr || tb[type]) {
			proto_err(d, "message %lu: unexpected attribute %d",
				  d->messages, type);
			return NL_SKIP;
		}
		tb[type] = a;
	}
	if (rem)
		proto_err(d, "message %lu: %d trailing bytes", d->messages, rem);
	if (!tb[f->a_val]) {
		proto_err(d, "message %lu: no VAL", d->messages);
		return NL_SKIP;
	}

	if (tb[f->a_type]) {
		uint32_t t = nla_get_u32(tb[f->a_type]);
		struct object *ob;

		obj_close(d);
		if (t >= PCI_TSM_EVIDENCE_TYPE_NR || !(d->o->mask & (1U << t)) ||
		    (int)t <= d->cur) {
			proto_err(d, "message %lu: type %u out of order or not requested",
				  d->messages, t);
			return NL_SKIP;
		}
		d->cur = (int)t;
		ob = &d->obj[t];
		ob->seen = true;
		ob->expect = -1;
		if (f->a_len) {
			if (!tb[f->a_len] || !tb[f->a_gen]) {
				proto_err(d, "%s: first message lacks LENGTH or GENERATION",
					  type_names[t]);
				return NL_SKIP;
			}
			ob->expect = nla_get_u32(tb[f->a_len]);
			if (d->generation >= 0 &&
			    d->generation != (long)nla_get_u32(tb[f->a_gen]))
				proto_err(d, "%s: generation changed within a dump",
					  type_names[t]);
			d->generation = nla_get_u32(tb[f->a_gen]);
		}
	} else if (d->cur < 0) {
		proto_err(d, "message %lu: VAL before any TYPE", d->messages);
		return NL_SKIP;
	} else if (f->a_len && (tb[f->a_len] || tb[f->a_gen])) {
		proto_err(d, "message %lu: LENGTH/GENERATION outside a first message",
			  d->messages);
	}

	d->chunks++;
	if ((unsigned long)nla_len(tb[f->a_val]) > d->max_chunk)
		d->max_chunk = nla_len(tb[f->a_val]);
	if (obj_append(&d->obj[d->cur], nla_data(tb[f->a_val]),
		       nla_len(tb[f->a_val]))) {
		proto_err(d, "out of memory");
		return NL_STOP;
	}
	return NL_OK;
}

/* Drop capability @bit from every set of this process */
static int drop_cap(unsigned int bit)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct c[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, c))
		return -1;
	c[bit / 32].effective &= ~(1U << (bit % 32));
	c[bit / 32].permitted &= ~(1U << (bit % 32));
	c[bit / 32].inheritable &= ~(1U << (bit % 32));
	return (int)syscall(SYS_capset, &h, c);
}

static struct nl_sock *open_sock(const struct opts *o, int *family)
{
	struct nl_sock *sk;
	int one = 1, rc;

	if ((o->drop_cap && drop_cap(CAP_NET_ADMIN)) ||
	    (o->drop_sys_admin && drop_cap(CAP_SYS_ADMIN))) {
		fprintf(stderr, "ptsm-nl: capset: %s\n", strerror(errno));
		return NULL;
	}
	sk = nl_socket_alloc();
	if (!sk)
		return NULL;
	rc = genl_connect(sk);
	if (rc < 0) {
		fprintf(stderr, "ptsm-nl: connect: %s\n", nl_geterror(rc));
		goto fail;
	}
	if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)))
		fprintf(stderr, "ptsm-nl: warning: no extended acks: %s\n",
			strerror(errno));
	if (o->rcvbuf > 0) {
		nl_socket_set_buffer_size(sk, (int)o->rcvbuf, 0);
		nl_socket_set_msg_buf_size(sk, (size_t)o->rcvbuf);
		nl_socket_disable_msg_peek(sk);
	}
	*family = genl_ctrl_resolve(sk, o->fam->name);
	if (*family < 0) {
		fprintf(stderr, "ptsm-nl: ENOENT: family %s not found: %s\n",
			o->fam->name, nl_geterror(*family));
		goto fail;
	}
	return sk;
fail:
	nl_socket_free(sk);
	return NULL;
}

static int report_kernel_error(const struct dump *d)
{
	fprintf(stderr, "ptsm-nl: %s: %s\n", errno_name(d->err),
		d->errmsg[0] ? d->errmsg : "(no message)");
	if (d->err <= 0 || d->err > 125 || d->err == EXIT_PROTOCOL ||
	    d->err == EXIT_LOCAL)
		return EXIT_LOCAL;
	return d->err;
}

/* Send @msg and process replies until DONE, an error or an ack. */
static int exchange(struct nl_sock *sk, struct nl_msg *msg, struct dump *d)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, d);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, d);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, d);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, d);

	rc = nl_send_auto(sk, msg);
	while (rc >= 0 && !d->done)
		rc = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	return d->done ? 0 : rc;
}

static int write_file(const char *dir, const char *name, const void *p,
		      size_t n)
{
	char path[PATH_MAX];
	FILE *fp;
	size_t w = 0;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	fp = fopen(path, "wb");
	if (!fp)
		return -1;
	if (n)
		w = fwrite(p, 1, n, fp);
	if (fclose(fp) || w != n)
		return -1;
	return 0;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	EVP_Digest(n ? p : "", n, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen && i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	out[64] = '\0';
}

static int summarize(struct dump *d)
{
	unsigned int t, count = 0;
	char hex[65];

	for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
		struct object *ob = &d->obj[t];

		if (!(d->o->mask & (1U << t)))
			continue;
		if (!ob->seen) {
			proto_err(d, "requested type %s missing from the dump",
				  type_names[t]);
			continue;
		}
		count++;
		if (d->o->out_dir &&
		    write_file(d->o->out_dir, type_names[t], ob->data, ob->len)) {
			fprintf(stderr, "ptsm-nl: write %s/%s.bin: %s\n",
				d->o->out_dir, type_names[t], strerror(errno));
			return EXIT_LOCAL;
		}
		if (d->o->quiet)
			continue;
		sha256_hex(ob->data, ob->len, hex);
		if (d->generation >= 0)
			printf("type=%s length=%zu generation=%ld sha256=%s\n",
			       type_names[t], ob->len, d->generation, hex);
		else
			printf("type=%s length=%zu generation=- sha256=%s\n",
			       type_names[t], ob->len, hex);
	}
	if (d->proto[0]) {
		fprintf(stderr, "ptsm-nl: PROTOCOL: %s\n", d->proto);
		return EXIT_PROTOCOL;
	}
	if (!d->o->quiet)
		printf("objects=%u messages=%lu max_chunk=%lu\n", count,
		       d->messages, d->max_chunk);
	return 0;
}

static int cmd_read(const struct opts *o, const char *dev)
{
	struct dump *d = calloc(1, sizeof(*d));
	struct nl_sock *sk;
	struct nl_msg *msg = NULL;
	int family, rc = EXIT_LOCAL;
	unsigned int t;

	if (!d)
		return EXIT_LOCAL;
	d->o = o;
	d->cur = -1;
	d->generation = -1;
	sk = open_sock(o, &family);
	if (!sk)
		goto out;
	msg = nlmsg_alloc();
	if (!msg ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP,
			 (uint8_t)o->fam->cmd_read, 1))
		goto out;
	if ((!o->no_mask && nla_put_u32(msg, o->fam->a_mask, o->mask)) ||
	    (o->have_flags && nla_put_u32(msg, o->fam->a_flags, o->flags)) ||
	    (!o->no_dev && nla_put_string(msg, o->fam->a_dev, dev)) ||
	    (o->fam->a_subsys && !o->no_subsys &&
	     nla_put_string(msg, o->fam->a_subsys, o->subsys)) ||
	    (o->nonce_len >= 0 &&
	     nla_put(msg, o->fam->a_nonce, o->nonce_len, o->nonce)))
		goto out;

	rc = exchange(sk, msg, d);
	if (rc < 0) {
		fprintf(stderr, "ptsm-nl: receive: %s\n", nl_geterror(rc));
		rc = EXIT_LOCAL;
		goto out;
	}
	if (d->err) {
		/* an object cut short by the error is expected, not reported */
		if (d->proto[0])
			fprintf(stderr, "ptsm-nl: PROTOCOL: %s\n", d->proto);
		rc = report_kernel_error(d);
		goto out;
	}
	obj_close(d);
	rc = summarize(d);
out:
	for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++)
		free(d->obj[t].data);
	free(d);
	nlmsg_free(msg);
	if (sk)
		nl_socket_free(sk);
	return rc;
}

static int cmd_validate(const struct opts *o, const char *dev, uint32_t gen)
{
	struct dump d = { .o = o, .cur = -1, .generation = -1 };
	struct nl_sock *sk;
	struct nl_msg *msg = NULL;
	int family, rc = EXIT_LOCAL;

	sk = open_sock(o, &family);
	if (!sk)
		return EXIT_LOCAL;
	msg = nlmsg_alloc();
	if (!msg ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK,
			 DEVICE_EVIDENCE_CMD_VALIDATE, 1))
		goto out;
	if ((!o->no_subsys &&
	     nla_put_string(msg, DEVICE_EVIDENCE_A_SUBSYS, o->subsys)) ||
	    (!o->no_dev && nla_put_string(msg, DEVICE_EVIDENCE_A_DEV_NAME, dev)) ||
	    nla_put_u32(msg, DEVICE_EVIDENCE_A_GENERATION, gen))
		goto out;
	rc = exchange(sk, msg, &d);
	if (rc < 0) {
		fprintf(stderr, "ptsm-nl: receive: %s\n", nl_geterror(rc));
		rc = EXIT_LOCAL;
	} else if (d.err) {
		rc = report_kernel_error(&d);
	} else {
		if (!o->quiet)
			printf("validated %s generation %u\n", dev, gen);
		rc = 0;
	}
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return rc;
}

static int parse_hex_bytes(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static int parse_u32(const char *s, int base, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || !*s || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: ptsm-nl read [--family pci-tsm|device-evidence] [--mask HEX]\n"
		"                    [--digest] [--flags HEX] [--nonce HEX] [--rcvbuf BYTES]\n"
		"                    [--out DIR] [--subsys NAME] [--no-mask] [--no-dev]\n"
		"                    [--no-subsys] [--drop-cap] [--drop-sys-admin] [--quiet]\n"
		"                    [--pause SECS [--pause-marker FILE] [--resume FILE]] DEV\n"
		"       ptsm-nl validate [--subsys NAME] [--no-subsys] [--drop-cap]\n"
		"                        [--drop-sys-admin] DEV GEN\n"
		"--drop-cap drops CAP_NET_ADMIN, --drop-sys-admin CAP_SYS_ADMIN before connecting.\n"
		"Prints one line per object: type, length, generation, sha256.\n"
		"Kernel errors: \"ptsm-nl: ERRNO: message\" on stderr, exit status = errno.\n"
		"Framing violations exit %d, local failures %d, usage errors %d.\n",
		EXIT_PROTOCOL, EXIT_LOCAL, EXIT_USAGE);
}

enum {
	OPT_FAMILY = 256, OPT_MASK, OPT_DIGEST, OPT_FLAGS, OPT_NONCE,
	OPT_RCVBUF, OPT_OUT, OPT_SUBSYS, OPT_NO_MASK, OPT_NO_DEV,
	OPT_NO_SUBSYS, OPT_DROP_CAP, OPT_DROP_SYS_ADMIN, OPT_QUIET, OPT_PAUSE, OPT_PAUSE_MARKER,
	OPT_RESUME, OPT_HELP,
};

static const struct option long_opts[] = {
	{ "family", required_argument, NULL, OPT_FAMILY },
	{ "mask", required_argument, NULL, OPT_MASK },
	{ "digest", no_argument, NULL, OPT_DIGEST },
	{ "flags", required_argument, NULL, OPT_FLAGS },
	{ "nonce", required_argument, NULL, OPT_NONCE },
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "subsys", required_argument, NULL, OPT_SUBSYS },
	{ "no-mask", no_argument, NULL, OPT_NO_MASK },
	{ "no-dev", no_argument, NULL, OPT_NO_DEV },
	{ "no-subsys", no_argument, NULL, OPT_NO_SUBSYS },
	{ "drop-cap", no_argument, NULL, OPT_DROP_CAP },
	{ "drop-sys-admin", no_argument, NULL, OPT_DROP_SYS_ADMIN },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "pause", required_argument, NULL, OPT_PAUSE },
	{ "pause-marker", required_argument, NULL, OPT_PAUSE_MARKER },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_FAMILY:
			if (!strcmp(optarg, "pci-tsm"))
				o->fam = &fam_pci_tsm;
			else if (!strcmp(optarg, "device-evidence"))
				o->fam = &fam_devev;
			else
				return -1;
			break;
		case OPT_MASK:
			if (parse_u32(optarg, 16, &o->mask))
				return -1;
			break;
		case OPT_DIGEST:
			o->flags |= PCI_TSM_EVIDENCE_FLAG_DIGEST;
			o->have_flags = true;
			break;
		case OPT_FLAGS:
			if (parse_u32(optarg, 16, &o->flags))
				return -1;
			o->have_flags = true;
			break;
		case OPT_NONCE:
			o->nonce_len = parse_hex_bytes(optarg, o->nonce,
						       sizeof(o->nonce));
			if (o->nonce_len < 0)
				return -1;
			break;
		case OPT_RCVBUF:
			o->rcvbuf = strtol(optarg, &end, 0);
			if (*end || o->rcvbuf <= 0 || o->rcvbuf > (64L << 20))
				return -1;
			break;
		case OPT_OUT:
			o->out_dir = optarg;
			break;
		case OPT_SUBSYS:
			o->subsys = optarg;
			break;
		case OPT_NO_MASK:
			o->no_mask = true;
			break;
		case OPT_NO_DEV:
			o->no_dev = true;
			break;
		case OPT_NO_SUBSYS:
			o->no_subsys = true;
			break;
		case OPT_DROP_CAP:
			o->drop_cap = true;
			break;
		case OPT_DROP_SYS_ADMIN:
			o->drop_sys_admin = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_PAUSE:
			o->pause_secs = strtod(optarg, &end);
			if (*end || o->pause_secs < 0 || o->pause_secs > 600)
				return -1;
			break;
		case OPT_PAUSE_MARKER:
			o->pause_marker = optarg;
			break;
		case OPT_RESUME:
			o->resume_file = optarg;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.fam = &fam_pci_tsm,
		.mask = PCI_TSM_EVIDENCE_TYPE_MASK_ALL,
		.subsys = DEVICE_EVIDENCE_SUBSYS_PCI,
		.nonce_len = -1,
	};
	const char *verb;
	uint32_t gen;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	verb = argv[1];
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help")) {
		usage(stdout);
		return 0;
	}
	argv++;
	argc--;
	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(verb, "read") && optind == argc - 1)
		return cmd_read(&o, argv[optind]);
	if (!strcmp(verb, "validate") && optind == argc - 2) {
		if (parse_u32(argv[optind + 1], 0, &gen)) {
			usage(stderr);
			return EXIT_USAGE;
		}
		o.fam = &fam_devev;
		return cmd_validate(&o, argv[optind], gen);
	}
	usage(stderr);
	return EXIT_USAGE;
}
