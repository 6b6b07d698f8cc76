// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptsm-hammer: the workers of tests/vm/tests/evidence-lock-hammer.sh as
 * threads of one process, so that a round costs the kernel's work and not
 * a fork+exec of ptsm-nl, od and sed (every exec is expensive under TCG).
 *
 *   ptsm-hammer ROUNDS TSM OUTDIR ACC SIB SIBVF NONCE_A NONCE_B
 *
 * Three threads run ROUNDS rounds each on the PCI devices named ACC, SIB
 * and SIBVF (TSM is the name written to lock and unlock):
 *   accept   ACC: lock, read evidence_generation G, VALIDATE G, accept,
 *            unlock; G goes to OUTDIR/accepted when VALIDATE and accept
 *            both succeeded
 *   refresh  ACC: a device-evidence READ of the measurements with NONCE_A
 *            (which needs ACC locked to the TSM)
 * The accept and refresh threads start each round together; the refresh
 * waits a delay that sweeps round by round from none to half the length of
 * the accept thread's last lock-to-unlock window, so that refreshes land
 * before the lock, between it and VALIDATE, between VALIDATE and accept,
 * and after it (a thread without the pacing would miss the window almost
 * always: its refreshes would just fail with ENXIO).
 *   sibling  SIB: lock, reads of SIB's lock and accept and of SIBVF's lock
 *            and mmio_reporting_offset, every 4th round a READ of SIB with
 *            NONCE_B, unlock; then lock and unlock of SIBVF
 * SIB "-" leaves the sibling thread out (SIBVF and NONCE_B are then not
 * used). Each READ leaves one word in OUTDIR/r.a (refresh) or OUTDIR/r.b
 * (sibling): OK (measurements signed over the nonce sent), FOREIGN (over
 * another nonce), PROTOCOL (a framing violation) or the errno name of a
 * failed READ. OUTDIR/acc.errors gets "ROUND lock|unlock ERRNO" for each
 * lock or unlock of the accept thread that failed; other write and read
 * errors of sysfs files are expected (evidence-lock-hammer removes SIBVF
 * and reloads the TSM meanwhile) and ignored.
 * Exit status 0 when all rounds ran, 101 on a local failure, 2 on usage.
 */
#define main ptsm_nl_main
#include "ptsm-nl.c"
#undef main

#include <pthread.h>

#define MEAS_TYPE	9	/* "measurements" */
#define NONCE_OFF	4	/* SPDM MEASUREMENTS: nonce after the header */
#define NONCE_LEN	32

struct hammer {
	unsigned long rounds;
	const char *tsm;
	const char *acc, *sib, *sibvf;
	uint8_t nonce_a[NONCE_LEN], nonce_b[NONCE_LEN];
	/* accept thread: generations validated and accepted */
	uint32_t *accepted;
	unsigned long n_accepted;
	/* its failed locks and unlocks */
	char (*acc_err)[48];
	unsigned long n_acc_err;
	/* results of READs, one word each */
	char (*res_a)[16], (*res_b)[16];
	unsigned long n_res_a, n_res_b;
	/* the accept and refresh threads meet here at each round's start */
	pthread_barrier_t round;
	/* length of the accept thread's last lock window, ns */
	_Atomic long window_ns;
};

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* a netlink socket of one thread, the device-evidence family resolved */
struct nl_conn {
	struct nl_sock *sk;
	int family;
};

static int conn_open(struct nl_conn *c)
{
	int rc;

	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -1;
	rc = genl_connect(c->sk);
	if (rc < 0)
		goto fail;
	c->family = genl_ctrl_resolve(c->sk, DEVICE_EVIDENCE_FAMILY_NAME);
	if (c->family < 0)
		goto fail;
	return 0;
fail:
	nl_socket_free(c->sk);
	c->sk = NULL;
	return -1;
}

static void conn_close(struct nl_conn *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

/*
 * One request on @c; 0 or a positive errno of the kernel, -1 for a local
 * failure. A socket whose exchange failed may hold stale replies: it is
 * replaced before the next request.
 */
static int conn_request(struct nl_conn *c, struct nl_msg *msg, struct dump *d)
{
	int rc;

	if (!c->sk && conn_open(c))
		return -1;
	rc = exchange(c->sk, msg, d);
	if (rc < 0) {
		conn_close(c);
		return -1;
	}
	return d->err;
}

static int sysfs_put(const char *dev, const char *attr, const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/tsm/%s", dev, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

/* read @dev's tsm/@attr into @buf (NUL-terminated); -1 when it failed */
static int sysfs_get(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/tsm/%s", dev, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* VALIDATE @gen of @dev: 0 when the kernel acknowledged it */
static int nl_validate(struct nl_conn *c, const char *dev, uint32_t gen)
{
	static const struct opts o = { .fam = &fam_devev, .nonce_len = -1 };
	struct dump d = { .o = &o, .cur = -1, .generation = -1 };
	struct nl_msg *msg;
	int rc = -1;

	if (!c->sk && conn_open(c))
		return -1;
	msg = nlmsg_alloc();
	if (!msg)
		return -1;
	if (genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, NLM_F_ACK,
			DEVICE_EVIDENCE_CMD_VALIDATE, 1) &&
	    !nla_put_string(msg, DEVICE_EVIDENCE_A_SUBSYS, DEVICE_EVIDENCE_SUBSYS_PCI) &&
	    !nla_put_string(msg, DEVICE_EVIDENCE_A_DEV_NAME, dev) &&
	    !nla_put_u32(msg, DEVICE_EVIDENCE_A_GENERATION, gen))
		rc = conn_request(c, msg, &d);
	nlmsg_free(msg);
	return rc;
}

/* READ of @dev's measurements with @nonce; its outcome as a word in @res */
static void nl_refresh(struct nl_conn *c, const char *dev, const uint8_t *nonce,
		       char res[16])
{
	struct opts o = {
		.fam = &fam_devev, .mask = 1U << MEAS_TYPE, .quiet = true,
		.nonce_len = NONCE_LEN,
	};
	struct dump *d = calloc(1, sizeof(*d));
	struct object *ob;
	struct nl_msg *msg = NULL;
	unsigned int t;
	int rc = -1;

	snprintf(res, 16, "LOCAL");
	if (!d || (!c->sk && conn_open(c)))
		goto out;
	memcpy(o.nonce, nonce, NONCE_LEN);
	d->o = &o;
	d->cur = -1;
	d->generation = -1;
	msg = nlmsg_alloc();
	if (!msg ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, NLM_F_DUMP,
			 DEVICE_EVIDENCE_CMD_READ, 1) ||
	    nla_put_u32(msg, DEVICE_EVIDENCE_A_TYPE_MASK, o.mask) ||
	    nla_put_string(msg, DEVICE_EVIDENCE_A_DEV_NAME, dev) ||
	    nla_put_string(msg, DEVICE_EVIDENCE_A_SUBSYS, DEVICE_EVIDENCE_SUBSYS_PCI) ||
	    nla_put(msg, DEVICE_EVIDENCE_A_NONCE, NONCE_LEN, nonce))
		goto out;
	rc = conn_request(c, msg, d);
	if (rc < 0)
		goto out;
	if (rc > 0) {
		snprintf(res, 16, "%s", errno_name(rc));
		goto out;
	}
	obj_close(d);
	ob = &d->obj[MEAS_TYPE];
	if (d->proto[0] || !ob->seen)
		snprintf(res, 16, "PROTOCOL");
	else if (ob->len >= NONCE_OFF + NONCE_LEN &&
		 !memcmp(ob->data + NONCE_OFF, nonce, NONCE_LEN))
		snprintf(res, 16, "OK");
	else
		snprintf(res, 16, "FOREIGN");
out:
	if (d)
		for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++)
			free(d->obj[t].data);
	free(d);
	nlmsg_free(msg);
}

static void *w_accept(void *arg)
{
	struct hammer *h = arg;
	struct nl_conn c = { 0 };
	char buf[32];
	unsigned long i;
	uint32_t g;
	long t0;
	int err;

	for (i = 0; i < h->rounds; i++) {
		pthread_barrier_wait(&h->round);
		t0 = now_ns();
		err = sysfs_put(h->acc, "lock", h->tsm);
		if (err)
			snprintf(h->acc_err[h->n_acc_err++], 48, "%lu lock %s", i,
				 errno_name(err));
		if (!sysfs_get(h->acc, "evidence_generation", buf, sizeof(buf)) &&
		    !parse_u32(strtok(buf, "\n"), 10, &g) &&
		    !nl_validate(&c, h->acc, g) && !sysfs_put(h->acc, "accept", "1\n"))
			h->accepted[h->n_accepted++] = g;
		err = sysfs_put(h->acc, "unlock", h->tsm);
		if (err)
			snprintf(h->acc_err[h->n_acc_err++], 48, "%lu unlock %s", i,
				 errno_name(err));
		h->window_ns = now_ns() - t0;
	}
	conn_close(&c);
	return NULL;
}

static void *w_refresh(void *arg)
{
	struct hammer *h = arg;
	struct nl_conn c = { 0 };
	struct timespec delay = { 0 };
	unsigned long i;

	for (i = 0; i < h->rounds; i++) {
		pthread_barrier_wait(&h->round);
		/* 0, 1/32, ... 15/32 of the window, in a scrambled order */
		delay.tv_nsec = h->window_ns / 32 * (long)(i * 7 % 16);
		if (delay.tv_nsec > 999999999L)
			delay.tv_nsec = 999999999L;
		nanosleep(&delay, NULL);
		nl_refresh(&c, h->acc, h->nonce_a, h->res_a[h->n_res_a++]);
	}
	conn_close(&c);
	return NULL;
}

static void *w_sibling(void *arg)
{
	static const char *const reads[][2] = {
		{ NULL, "lock" }, { "vf", "lock" }, { NULL, "accept" },
		{ "vf", "mmio_reporting_offset" },
	};
	struct hammer *h = arg;
	struct nl_conn c = { 0 };
	char buf[256];
	unsigned long i;
	size_t r;

	for (i = 0; i < h->rounds; i++) {
		sysfs_put(h->sib, "lock", h->tsm);
		for (r = 0; r < sizeof(reads) / sizeof(reads[0]); r++)
			sysfs_get(reads[r][0] ? h->sibvf : h->sib, reads[r][1],
				  buf, sizeof(buf));
		if (i % 4 == 0)
			nl_refresh(&c, h->sib, h->nonce_b, h->res_b[h->n_res_b++]);
		sysfs_put(h->sib, "unlock", h->tsm);
		sysfs_put(h->sibvf, "lock", h->tsm);
		sysfs_put(h->sibvf, "unlock", h->tsm);
	}
	conn_close(&c);
	return NULL;
}

static int write_lines(const char *dir, const char *name, const char *lines,
		       size_t width, unsigned long n)
{
	char path[PATH_MAX];
	unsigned long i;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	if (!fp)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(fp, "%s\n", lines + i * width);
	return fclose(fp);
}

static int write_accepted(const char *dir, const struct hammer *h)
{
	char path[PATH_MAX];
	unsigned long i;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/accepted", dir);
	fp = fopen(path, "w");
	if (!fp)
		return -1;
	for (i = 0; i < h->n_accepted; i++)
		fprintf(fp, "%u\n", h->accepted[i]);
	return fclose(fp);
}

int main(int argc, char **argv)
{
	struct hammer h = { 0 };
	void *(*const fn[])(void *) = { w_accept, w_refresh, w_sibling };
	pthread_t th[3];
	char tsm[64];
	uint32_t rounds;
	int i, nthreads, started = 0, rc = 0;

	if (argc != 9 || parse_u32(argv[1], 10, &rounds) || !rounds ||
	    parse_hex_bytes(argv[7], h.nonce_a, NONCE_LEN) != NONCE_LEN ||
	    parse_hex_bytes(argv[8], h.nonce_b, NONCE_LEN) != NONCE_LEN) {
		fprintf(stderr, "usage: ptsm-hammer ROUNDS TSM OUTDIR ACC SIB SIBVF NONCE_A NONCE_B\n"
			"       (NONCE_x: 64 hex digits)\n");
		return EXIT_USAGE;
	}
	snprintf(tsm, sizeof(tsm), "%s\n", argv[2]);
	h.rounds = rounds;
	h.tsm = tsm;
	h.acc = argv[4];
	h.sib = argv[5];
	h.sibvf = argv[6];
	h.accepted = calloc(rounds, sizeof(*h.accepted));
	h.res_a = calloc(rounds, sizeof(*h.res_a));
	h.res_b = calloc(rounds / 4 + 1, sizeof(*h.res_b));
	h.acc_err = calloc(2 * (size_t)rounds, sizeof(*h.acc_err));
	if (!h.accepted || !h.res_a || !h.res_b || !h.acc_err) {
		rc = EXIT_LOCAL;
		goto out;
	}
	errno = pthread_barrier_init(&h.round, NULL, 2);
	if (errno) {
		perror("ptsm-hammer: pthread_barrier_init");
		rc = EXIT_LOCAL;
		goto out;
	}
	nthreads = strcmp(h.sib, "-") ? 3 : 2;
	for (i = 0; i < nthreads; i++) {
		errno = pthread_create(&th[i], NULL, fn[i], &h);
		if (errno) {
			perror("ptsm-hammer: pthread_create");
			rc = EXIT_LOCAL;
			break;
		}
		started++;
	}
	if (started < nthreads) {
		/* whoever waits at the barrier would wait for ever */
		fprintf(stderr, "ptsm-hammer: only %d threads\n", started);
		return EXIT_LOCAL;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&h.round);
	if (!rc && (write_accepted(argv[3], &h) ||
		    write_lines(argv[3], "r.a", *h.res_a, sizeof(*h.res_a), h.n_res_a) ||
		    write_lines(argv[3], "r.b", *h.res_b, sizeof(*h.res_b), h.n_res_b) ||
		    write_lines(argv[3], "acc.errors", *h.acc_err, sizeof(*h.acc_err),
				h.n_acc_err))) {
		perror("ptsm-hammer: write results");
		rc = EXIT_LOCAL;
	}
out:
	free(h.accepted);
	free(h.res_a);
	free(h.res_b);
	free(h.acc_err);
	return rc;
}
