// SPDX-License-Identifier: GPL-2.0-only
/*
 * devsec-responder: userspace SPDM responder for the devsec sample TSMs.
 *
 * Attaches to /dev/devsec-responder-tsmN (include/uapi/linux/devsec_responder.h),
 * reads one request per read(), and answers each with a MEASUREMENTS object
 * signed over the requested nonce with the simulated device's leaf key.
 * See tests/tools/README.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "responder_core.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: devsec-responder [--dev|--device PATH | --tsm N | --fd N]\n"
		"                        (--fixture DIR | --key PEM --vca FILE [--values FILE])\n"
		"                        [--measurement IDX=HEX|IDX=@TEXT]... [--svn N] [--slot N]\n"
		"                        [--sign-wrong-nonce] [--echo-wrong-nonce] [--wrong-id]\n"
		"                        [--garbage] [--refuse[=ERRNO]] [--delay-ms N]\n"
		"                        [--count N] [--ready-file PATH] [-v]\n");
}

static int parse_ul(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || end == s || *end || *s == '-' || *v > max ? -1 : 0;
}

static void sleep_ms(unsigned long ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The only /dev/devsec-responder-tsm* node, or NULL. */
static char *find_dev(void)
{
	glob_t g;
	char *p = NULL;

	if (glob("/dev/devsec-responder-tsm*", 0, NULL, &g))
		return NULL;
	if (g.gl_pathc == 1)
		p = strdup(g.gl_pathv[0]);
	else
		fprintf(stderr, "devsec-responder: %zu responder devices, use --dev\n",
			g.gl_pathc);
	globfree(&g);
	return p;
}

static int write_all_once(int fd, const struct buf *b)
{
	ssize_t n;

	do {
		n = write(fd, b->p, b->len);
	} while (n < 0 && errno == EINTR && !stop);
	if (n < 0)
		return -1;
	if ((size_t)n != b->len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

enum {
	OPT_DEV = 256, OPT_TSM, OPT_FD, OPT_FIXTURE, OPT_KEY, OPT_VCA, OPT_VALUES,
	OPT_MEAS, OPT_SVN, OPT_SLOT, OPT_SIGN_WRONG, OPT_ECHO_WRONG, OPT_WRONG_ID,
	OPT_GARBAGE, OPT_REFUSE, OPT_DELAY, OPT_COUNT, OPT_READY,
};

static const struct option opts[] = {
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "device", required_argument, NULL, OPT_DEV },
	{ "tsm", required_argument, NULL, OPT_TSM },
	{ "fd", required_argument, NULL, OPT_FD },
	{ "fixture", required_argument, NULL, OPT_FIXTURE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "vca", required_argument, NULL, OPT_VCA },
	{ "values", required_argument, NULL, OPT_VALUES },
	{ "measurement", required_argument, NULL, OPT_MEAS },
	{ "svn", required_argument, NULL, OPT_SVN },
	{ "slot", required_argument, NULL, OPT_SLOT },
	{ "sign-wrong-nonce", no_argument, NULL, OPT_SIGN_WRONG },
	{ "echo-wrong-nonce", no_argument, NULL, OPT_ECHO_WRONG },
	{ "wrong-id", no_argument, NULL, OPT_WRONG_ID },
	{ "garbage", no_argument, NULL, OPT_GARBAGE },
	{ "refuse", optional_argument, NULL, OPT_REFUSE },
	{ "delay-ms", required_argument, NULL, OPT_DELAY },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct cfg {
	char *dev;
	long fd;
	const char *fixture, *key, *vca, *values, *ready;
	const char *meas[SPDM_MEAS_MAX];
	size_t nmeas;
	bool have_svn;
	unsigned long svn, delay_ms, count;
	bool verbose;
};

static int parse(int argc, char **argv, struct cfg *c, struct responder *r)
{
	unsigned long v;
	char tmp[64];
	int o;

	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case OPT_DEV:
			free(c->dev);
			c->dev = strdup(optarg);
			break;
		case OPT_TSM:
			if (parse_ul(optarg, 9999, &v))
				return -1;
			snprintf(tmp, sizeof(tmp), "/dev/devsec-responder-tsm%lu", v);
			free(c->dev);
			c->dev = strdup(tmp);
			break;
		case OPT_FD:
			if (parse_ul(optarg, 65535, &v))
				return -1;
			c->fd = (long)v;
			break;
		case OPT_FIXTURE: c->fixture = optarg; break;
		case OPT_KEY: c->key = optarg; break;
		case OPT_VCA: c->vca = optarg; break;
		case OPT_VALUES: c->values = optarg; break;
		case OPT_MEAS:
			if (c->nmeas == SPDM_MEAS_MAX)
				return -1;
			c->meas[c->nmeas++] = optarg;
			break;
		case OPT_SVN:
			if (parse_ul(optarg, ~0UL, &c->svn))
				return -1;
			c->have_svn = true;
			break;
		case OPT_SLOT:
			if (parse_ul(optarg, 7, &v))
				return -1;
			r->slot = (uint8_t)v;
			break;
		case OPT_SIGN_WRONG: r->sign_wrong_nonce = true; break;
		case OPT_ECHO_WRONG: r->echo_wrong_nonce = true; break;
		case OPT_WRONG_ID: r->wrong_id = true; break;
		case OPT_GARBAGE: r->garbage = true; break;
		case OPT_REFUSE:
			r->refuse = EPERM;
			if (optarg) {
				if (parse_ul(optarg, 4095, &v) || !v)
					return -1;
				r->refuse = (int)v;
			}
			break;
		case OPT_DELAY:
			if (parse_ul(optarg, 3600000, &c->delay_ms))
				return -1;
			break;
		case OPT_COUNT:
			if (parse_ul(optarg, ~0UL, &c->count))
				return -1;
			break;
		case OPT_READY: c->ready = optarg; break;
		case 'v': c->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int serve(int fd, const struct cfg *c, const struct responder *r)
{
	unsigned long answered = 0;

	while (!stop && (!c->count || answered < c->count)) {
		struct devsec_responder_req req;
		struct buf out = { 0 };
		ssize_t n = read(fd, &req, sizeof(req));

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			fprintf(stderr, "devsec-responder: end of requests\n");
			return 0;
		}
		if (n < 0) {
			perror("devsec-responder: read");
			return 1;
		}
		if ((size_t)n != sizeof(req)) {
			fprintf(stderr, "devsec-responder: short request (%zd bytes)\n", n);
			continue;
		}
		if (c->verbose) {
			char hex[2 * DEVSEC_RESPONDER_NONCE_SIZE + 1];

			hex_encode(req.nonce, sizeof(req.nonce), hex);
			fprintf(stderr, "devsec-responder: request %u for %.*s nonce %s\n",
				req.id, (int)sizeof(req.dev_name), req.dev_name, hex);
		}
		if (c->delay_ms)
			sleep_ms(c->delay_ms);
		if (stop)
			break;
		if (responder_answer(r, &req, &out)) {
			fprintf(stderr, "devsec-responder: cannot build the answer\n");
			buf_free(&out);
			return 1;
		}
		if (write_all_once(fd, &out))
			fprintf(stderr, "devsec-responder: write answer %u: %s\n",
				req.id, strerror(errno));
		else if (c->verbose)
			fprintf(stderr, "devsec-responder: answered %u (%zu bytes)\n",
				req.id, out.len);
		buf_free(&out);
		answered++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cfg c = { .fd = -1 };
	struct responder r = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	char msg[512];
	int fd, rc = 1;

	if (parse(argc, argv, &c, &r)) {
		usage(stderr);
		free(c.dev);
		return 2;
	}
	if (responder_load(&r, c.fixture, c.key, c.vca, c.values, msg, sizeof(msg))) {
		fprintf(stderr, "devsec-responder: %s\n", msg);
		goto out;
	}
	for (size_t i = 0; i < c.nmeas; i++)
		if (spdm_meas_parse_arg(r.alg, c.meas[i], &r.set, msg, sizeof(msg))) {
			fprintf(stderr, "devsec-responder: %s\n", msg);
			goto out;
		}
	if (c.have_svn)
		spdm_meas_set_svn(&r.set, c.svn);

	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: read() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (c.fd >= 0) {
		fd = (int)c.fd;
	} else {
		if (!c.dev)
			c.dev = find_dev();
		if (!c.dev) {
			fprintf(stderr, "devsec-responder: no responder device, use --dev\n");
			goto out;
		}
		fd = open(c.dev, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "devsec-responder: %s: %s\n", c.dev, strerror(errno));
			goto out;
		}
	}
	if (c.verbose)
		fprintf(stderr, "devsec-responder: serving %s with %s\n",
			c.dev ? c.dev : "fd", r.alg->name);
	if (c.ready && file_write(c.ready, "ready\n", 6))
		fprintf(stderr, "devsec-responder: %s: %s\n", c.ready, strerror(errno));
	rc = serve(fd, &c, &r);
	close(fd);
out:
	responder_free(&r);
	free(c.dev);
	return rc;
}
