// SPDX-License-Identifier: GPL-2.0-only
/*
 * export-dir (tsm-verifierd.conf): every decision written as files a
 * fleet's file shipper collects (docs/fleet.md):
 *   STAMP-BDF-gGEN.ear.json     the decision as an EAT Attestation Result
 *   STAMP-BDF-gGEN.bundle.json  the evidence it was made on, when the
 *                               daemon holds it (a judged device)
 *   STAMP-BDF-gGEN.ear.jwt      the EAR signed with export-key (ES256)
 * STAMP is the decision's time, UTC, "20261206T205603.123456Z", so that
 * names sort by time; it is unique per daemon run (bumped by a
 * microsecond where two decisions share one).
 *
 * The loop builds the texts (the evidence bundle is built on the worker
 * that read the evidence, worker.c) and queues them; a thread of its own
 * writes them, each through a hidden temporary file renamed into place,
 * the EAR last, then removes the oldest decisions beyond export-keep.
 * Nothing here waits for the disk on the loop, and nothing here changes a
 * decision: a full queue or a failed write is logged and counted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bundle.h"
#include "ear.h"
#include "log.h"
#include "manager.h"

#define EXPORT_QUEUE_MAX	256
#define EXPORT_STAMP_LEN	23	/* "20261206T205603.123456Z" */
#define EXPORT_JOIN_SECONDS	10

static const char *const suffixes[] = { ".bundle.json", ".ear.jwt", ".ear.json" };

struct export_item {
	struct export_item *next;
	char *dir;
	unsigned int keep;
	EVP_PKEY *key;		/* a reference, or NULL */
	char stem[64 + TSM_BDF_MAX];
	char *bundle;		/* file text, or NULL */
	char *ear;		/* file text (pretty JSON, newline) */
	char *payload;		/* the EAR as signed (plain JSON), when |key| */
};

struct vd_exporter {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* an item queued, or stop */
	pthread_cond_t done;	/* the thread finished */
	struct export_item *head, *tail;
	unsigned int queued;
	bool stop, finished;
	uint64_t last_usec;	/* loop only: the newest stamp given */
	atomic_ulong written;	/* decisions exported */
	atomic_ulong failed;	/* decisions not exported */
};

static void item_free(struct export_item *it)
{
	if (!it)
		return;
	free(it->dir);
	EVP_PKEY_free(it->key);
	free(it->bundle);
	free(it->ear);
	free(it->payload);
	free(it);
}

static void count_failure(struct vd_exporter *x, const char *stem, const char *what)
{
	unsigned long n = atomic_fetch_add(&x->failed, 1) + 1;

	log_warning("export of decision %s failed: %s (%lu export failure%s since start; the decision stands)",
		    stem, what, n, n == 1 ? "" : "s");
}

/* DIR/.NAME.tmp, written, synced and renamed to DIR/NAME. 0 or -errno. */
static int write_file(const char *dir, const char *name, const char *text)
{
	char path[TSM_PATH_MAX], tmp[TSM_PATH_MAX];
	size_t len = strlen(text), off = 0;
	int fd, r = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		off += n;
	}
	/* readable by a collector that is not root (the unit's umask is 0077) */
	if (!r && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/* "20261206T205603.123456Z-" + 2 chars at least */
static bool is_stamp(const char *s)
{
	static const char pat[] = "ddddddddTdddddd.ddddddZ-";
	size_t i;

	for (i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return false;
	}
	return true;
}

/* The stem of one of our files (|name| without its suffix), else 0. */
static size_t our_stem(const char *name)
{
	size_t n = strlen(name), i, k;

	if (n <= EXPORT_STAMP_LEN + 1 || !is_stamp(name))
		return 0;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		k = strlen(suffixes[i]);
		if (n > k && !strcmp(name + n - k, suffixes[i]))
			return n - k;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Keeps the newest |keep| decisions (by stem: the names sort by time) and
 * removes our temporary files a crash left; nothing else in |dir| is
 * touched.
 */
static void prune(const char *dir, unsigned int keep)
{
	char **stems = NULL, path[TSM_PATH_MAX];
	size_t n = 0, cap = 0, i, k, uniq = 0;
	struct dirent *e;
	DIR *dh = opendir(dir);

	if (!dh) {
		log_warning("export-dir %s: cannot list it to keep %u decisions: %m", dir, keep);
		return;
	}
	while ((e = readdir(dh))) {
		size_t len;
		char *s;

		if (e->d_name[0] == '.') {
			len = strlen(e->d_name);
			if (len > 5 && !strcmp(e->d_name + len - 4, ".tmp") && is_stamp(e->d_name + 1) &&
			    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
				unlink(path);
			continue;
		}
		len = our_stem(e->d_name);
		if (!len)
			continue;
		if (n == cap) {
			char **p = realloc(stems, (cap ? cap * 2 : 64) * sizeof(*stems));

			if (!p)
				break;
			stems = p;
			cap = cap ? cap * 2 : 64;
		}
		s = strndup(e->d_name, len);
		if (!s)
			break;
		stems[n++] = s;
	}
	closedir(dh);
	if (n)
		qsort(stems, n, sizeof(*stems), cmp_str);
	/* distinct stems, in place */
	for (i = 0; i < n; i++) {
		if (uniq && !strcmp(stems[uniq - 1], stems[i])) {
			free(stems[i]);
			continue;
		}
		stems[uniq++] = stems[i];
	}
	for (i = 0; uniq > keep && i < uniq - keep; i++) {
		for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
			if (snprintf(path, sizeof(path), "%s/%s%s", dir, stems[i], suffixes[k]) <
			    (int)sizeof(path) && unlink(path) < 0 && errno != ENOENT)
				log_warning("export-dir: cannot remove %s: %m", path);
		}
	}
	for (i = 0; i < uniq; i++)
		free(stems[i]);
	free(stems);
}

/* Writes one decision's files; false (and logged, counted) when it could not. */
static bool export_one(struct vd_exporter *x, struct export_item *it)
{
	char name[sizeof(it->stem) + 16], why[TSM_REASON_MAX + 64];
	bool wrote[3] = { false };
	char *jws = NULL;
	size_t k;
	int r = 0;

	/* the directory itself, when it is not there (one level, not a tree) */
	if (mkdir(it->dir, 0755) < 0 && errno != EEXIST) {
		snprintf(why, sizeof(why), "%s: %s", it->dir, strerror(errno));
		count_failure(x, it->stem, why);
		return false;
	}
	if (it->key) {
		struct tsm_error err;

		tsm_error_clear(&err);
		if (tsm_ear_sign(it->payload, it->key, &jws, &err) < 0) {
			snprintf(why, sizeof(why), "signing: %s", err.reason);
			count_failure(x, it->stem, why);
			return false;
		}
	}
	/* ORDER: the EAR last; a collector that sees it finds the others there */
	for (k = 0; k < 3 && !r; k++) {
		const char *text = k == 0 ? it->bundle : k == 1 ? jws : it->ear;
		char *line = NULL;

		if (!text)
			continue;
		if (k == 1) {
			if (asprintf(&line, "%s\n", text) < 0) {
				r = -ENOMEM;
				break;
			}
			text = line;
		}
		snprintf(name, sizeof(name), "%s%s", it->stem, suffixes[k]);
		r = write_file(it->dir, name, text);
		free(line);
		if (!r)
			wrote[k] = true;
	}
	free(jws);
	if (r) {
		/* no half decision: what was written of this one goes again */
		for (k = 0; k < 3; k++) {
			char path[TSM_PATH_MAX];

			if (wrote[k] && snprintf(path, sizeof(path), "%s/%s%s", it->dir, it->stem,
						 suffixes[k]) < (int)sizeof(path))
				unlink(path);
		}
		snprintf(why, sizeof(why), "%s/%s: %s", it->dir, name, strerror(-r));
		count_failure(x, it->stem, why);
		return false;
	}
	atomic_fetch_add(&x->written, 1);
	log_debug("exported decision %s to %s", it->stem, it->dir);
	prune(it->dir, it->keep);
	return true;
}

static void *export_main(void *p)
{
	struct vd_exporter *x = p;
	struct export_item *it;

	pthread_mutex_lock(&x->lock);
	for (;;) {
		while (!x->head && !x->stop)
			pthread_cond_wait(&x->cond, &x->lock);
		it = x->head;
		if (!it)
			break;	/* stopped, and everything queued is written */
		x->head = it->next;
		if (!x->head)
			x->tail = NULL;
		x->queued--;
		pthread_mutex_unlock(&x->lock);
		export_one(x, it);
		item_free(it);
		pthread_mutex_lock(&x->lock);
	}
	x->finished = true;
	pthread_cond_broadcast(&x->done);
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

int exporter_setup(struct manager *m)
{
	struct vd_exporter *x = calloc(1, sizeof(*x));
	pthread_attr_t attr;
	sigset_t all, old;
	int r;

	if (!x)
		return log_error_errno(ENOMEM, "export: out of memory");
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->cond, NULL);
	pthread_cond_init(&x->done, NULL);
	atomic_init(&x->written, 0);
	atomic_init(&x->failed, 0);
	/* the loop takes the signals (signalfd): none for this thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VD_THREAD_STACK);
	r = -pthread_create(&x->thread, &attr, export_main, x);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		pthread_cond_destroy(&x->done);
		pthread_cond_destroy(&x->cond);
		pthread_mutex_destroy(&x->lock);
		free(x);
		return log_error_errno(r, "export: cannot start its thread: %m");
	}
	x->started = true;
	m->exporter = x;
	return 0;
}

void exporter_teardown(struct manager *m)
{
	struct vd_exporter *x = m->exporter;
	struct timespec ts;
	bool finished;

	if (!x)
		return;
	m->exporter = NULL;
	pthread_mutex_lock(&x->lock);
	x->stop = true;
	pthread_cond_broadcast(&x->cond);
	/* what is queued is written first; a disk that hangs does not hang the stop */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += EXPORT_JOIN_SECONDS;
	while (!x->finished)
		if (pthread_cond_timedwait(&x->done, &x->lock, &ts) == ETIMEDOUT)
			break;
	finished = x->finished;
	pthread_mutex_unlock(&x->lock);
	if (!finished) {
		/* the thread still owns |x|: leave both to the process's exit */
		log_warning("export: %u decision(s) still being written at exit", x->queued + 1);
		return;
	}
	pthread_join(x->thread, NULL);
	if (atomic_load(&x->written) || atomic_load(&x->failed))
		log_info("export: %lu decision(s) exported, %lu failed",
			 atomic_load(&x->written), atomic_load(&x->failed));
	pthread_cond_destroy(&x->done);
	pthread_cond_destroy(&x->cond);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

unsigned long exporter_failures(const struct manager *m)
{
	return m->exporter ? atomic_load(&m->exporter->failed) : 0;
}

unsigned long exporter_written(const struct manager *m)
{
	return m->exporter ? atomic_load(&m->exporter->written) : 0;
}

/* STAMP-BDF-gGEN, the stamp strictly after the previous one */
static void make_stem(struct vd_exporter *x, const struct vd_device *d, char *stem, size_t len)
{
	uint64_t usec = d->decided_usec;
	struct tm tm;
	time_t secs;
	char date[32];

	if (!usec) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		usec = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	if (usec <= x->last_usec)
		usec = x->last_usec + 1;
	x->last_usec = usec;
	secs = (time_t)(usec / 1000000);
	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%S", &tm);
	snprintf(stem, len, "%s.%06uZ-%s-g%u", date, (unsigned int)(usec % 1000000), d->bdf,
		 d->generation);
}

static char *sha256_text(const char *text)
{
	uint8_t md[32];
	char hex[65];

	if (tsm_digest(TSM_HASH_SHA256, text, strlen(text), md))
		return NULL;
	return strdup(tsm_hex(md, sizeof(md), hex, sizeof(hex)));
}

/* The EAR of |d|'s decision: claims-set, or NULL. */
static struct json_object *decision_ear(struct manager *m, const struct vd_device *d,
					const char *bundle_sha)
{
	struct tsm_ear_decision dec = {
		.decision = vd_decision_name(d->decision), .rule = d->rule, .check = d->check,
		.reason = d->reason, .policy_digest = d->policy_digest, .admin = d->admin,
		.decided_usec = d->decided_usec, .has_generation = d->generation != 0,
		.generation = d->generation,
	};
	struct tsm_ear_input in = {
		.submod = d->bdf, .build = "tsm-verifierd " TSM_VERSION, .decision = &dec,
		.bundle_sha256 = bundle_sha,
		.iat = (int64_t)(d->decided_usec ? d->decided_usec / 1000000 : (uint64_t)time(NULL)),
	};
	struct json_object *sha = json_object_new_object(), *ear;
	unsigned int t;

	if (!sha)
		return NULL;
	for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
		char hex[65];

		if (d->has_sha[t] && tsm_json_add(sha, tsm_evidence_type_name(t),
				json_object_new_string(tsm_hex(d->sha256[t], 32, hex, sizeof(hex))))) {
			json_object_put(sha);
			return NULL;
		}
	}
	in.evidence_sha256 = sha;
	/* what the deciding rule verified, in the policy it was decided under */
	if (m->policy && !strcmp(m->policy->digest, d->policy_digest))
		tsm_ear_rule_requirements(m->policy->pol, &dec);
	ear = tsm_ear_claims(&in);
	json_object_put(sha);
	return ear;
}

static char *json_text(struct json_object *o, int flags, bool newline)
{
	const char *s = json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *t = NULL;

	if (s && asprintf(&t, "%s%s", s, newline ? "\n" : "") < 0)
		t = NULL;
	return t;
}

void exporter_queue(struct manager *m, const struct vd_device *d)
{
	struct vd_exporter *x = m->exporter;
	struct export_item *it;
	struct json_object *ear = NULL;
	char *bundle_sha = NULL;
	bool full;

	if (!x || !m->cfg.export_dir[0])
		return;
	it = calloc(1, sizeof(*it));
	if (!it) {
		count_failure(x, d->bdf, "out of memory");
		return;
	}
	make_stem(x, d, it->stem, sizeof(it->stem));
	it->dir = strdup(m->cfg.export_dir);
	it->keep = m->cfg.export_keep;
	if (d->bundle) {
		it->bundle = strdup(d->bundle);
		bundle_sha = it->bundle ? sha256_text(it->bundle) : NULL;
	}
	ear = decision_ear(m, d, bundle_sha);
	if (ear) {
		it->ear = json_text(ear, JSON_C_TO_STRING_PRETTY, true);
		if (m->export_key) {
			it->payload = json_text(ear, JSON_C_TO_STRING_PLAIN, false);
			if (EVP_PKEY_up_ref(m->export_key))
				it->key = m->export_key;
		}
	}
	json_object_put(ear);
	free(bundle_sha);
	if (!it->dir || !it->ear || (d->bundle && !it->bundle) ||
	    (m->export_key && (!it->payload || !it->key))) {
		count_failure(x, it->stem, "out of memory building the files");
		item_free(it);
		return;
	}
	pthread_mutex_lock(&x->lock);
	full = x->queued >= EXPORT_QUEUE_MAX;
	if (!full) {
		if (x->tail)
			x->tail->next = it;
		else
			x->head = it;
		x->tail = it;
		x->queued++;
		pthread_cond_signal(&x->cond);
	}
	pthread_mutex_unlock(&x->lock);
	if (full) {
		count_failure(x, it->stem, "the export queue is full (the directory is too slow)");
		item_free(it);
	}
}

/* listener: every decision, administrators' included; not a restored one */
void export_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev)
{
	if (ev == VD_EVENT_DECISION && d->decision != VD_PENDING)
		exporter_queue(m, d);
}
