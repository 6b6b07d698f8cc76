// SPDX-License-Identifier: GPL-2.0-only
/*
 * Jobs: the slow part of a device's pipeline (netlink read with a fresh
 * nonce, which may wait for the device; parsing; verification; policy;
 * VALIDATE) runs on its own thread so that one slow or hostile device
 * never stalls the loop or the other devices. A finished job is posted
 * back to the loop as a pointer written to a pipe; the loop decides
 * whether the result still applies (device.c: same device, same add
 * sequence, not cancelled). Jobs never touch sysfs state: the loop alone
 * locks, accepts and unlocks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/random.h>

#include <json-c/json.h>

#include "evbundle.h"
#include "evsummary.h"
#include "log.h"
#include "manager.h"

struct vd_job *job_new(enum vd_job_kind kind)
{
	struct vd_job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->kind = kind;
	atomic_init(&job->refs, 1);
	atomic_init(&job->cancelled, false);
	job->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (job->cancel_fd < 0) {
		free(job);
		return NULL;
	}
	return job;
}

void job_unref(struct vd_job *job)
{
	if (!job || atomic_fetch_sub(&job->refs, 1) != 1)
		return;
	vd_policy_unref(job->policy);
	close(job->cancel_fd);
	if (job->v) {
		free(job->v->summary);
		free(job->v->summary_shared);
		free(job->v->bundle);
		free(job->v);
	}
	free(job);
}

bool job_verdict(struct vd_job *job)
{
	if (!job->v)
		job->v = calloc(1, sizeof(*job->v));
	return job->v != NULL;
}

void job_cancel(struct vd_job *job)
{
	uint64_t one = 1;

	if (!job || atomic_exchange(&job->cancelled, true))
		return;
	if (write(job->cancel_fd, &one, sizeof(one)) < 0)
		log_debug("cancel %s: %m", job->bdf);
}

static void verdict_fail(struct vd_verdict *v, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void verdict_fail(struct vd_verdict *v, const char *check, const char *fmt, ...)
{
	va_list ap;

	v->ok = false;
	v->target = TSM_TARGET_DENY;
	snprintf(v->check, sizeof(v->check), "%s", check);
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

static const char *read_error(int r)
{
	switch (-r) {
	case ENXIO:
		return "the device has no evidence (no TSM context)";
	case ENODEV:
		return "no such device";
	case ETIMEDOUT:
		return "timed out waiting for the evidence";
	case EOPNOTSUPP:
		return "the TSM cannot refresh signed evidence with a nonce";
	case EPROTO:
		return "the TSM reported a protocol error";
	case EFBIG:
		return "evidence object larger than the 16 MiB limit";
	case EAGAIN:
		return "the evidence kept changing during the read";
	case EBADMSG:
		return "malformed or truncated evidence dump (objects out of order, or not the announced length)";
	default:
		return strerror(-r);
	}
}

/* Reads the evidence; fills |v| on failure and returns false. */
static bool read_evidence(struct vd_job *job, struct tsm_nl *nl, struct tsm_nl_evidence *raw,
			  uint8_t nonce[PCI_TSM_NONCE_SIZE])
{
	struct vd_verdict *v = job->v;
	bool use_nonce = true;
	int r;

	if (job->src) {
		if (getrandom(nonce, PCI_TSM_NONCE_SIZE, 0) != PCI_TSM_NONCE_SIZE) {
			verdict_fail(v, "evidence.nonce", "getrandom failed: %s", strerror(errno));
			return false;
		}
		r = job->src->read(job->src->ctx, job->bdf, nonce, raw);
		if (r < 0) {
			verdict_fail(v, r == -ETIMEDOUT ? "timeout" : "evidence.read",
				     "reading evidence failed: %s", read_error(r));
			return false;
		}
		return true;
	}
	if (!tsm_nl_has_device_evidence(nl) && !tsm_nl_has_pci_tsm(nl)) {
		verdict_fail(v, "evidence.netlink",
			     "no evidence netlink family (is pci_tsm loaded?)");
		return false;
	}
	if (!tsm_nl_has_device_evidence(nl)) {
		log_warning("%s: device-evidence family absent, reading over pci-tsm without a nonce",
			    job->bdf);
		if (job->nonce_required) {
			verdict_fail(v, "evidence.nonce",
				     "nonce = required, but only the pci-tsm family is available and it cannot take a nonce");
			return false;
		}
		use_nonce = false;
	}
	if (use_nonce && getrandom(nonce, PCI_TSM_NONCE_SIZE, 0) != PCI_TSM_NONCE_SIZE) {
		verdict_fail(v, "evidence.nonce", "getrandom failed: %s", strerror(errno));
		return false;
	}
	r = tsm_nl_read(nl, job->bdf, PCI_TSM_EVIDENCE_TYPE_MASK_ALL, use_nonce ? nonce : NULL,
			VD_NL_RETRIES, raw);
	if (r == -EOPNOTSUPP && use_nonce && !job->nonce_required) {
		log_warning("%s: the TSM cannot refresh evidence with a nonce; nonce = optional, reading the published evidence",
			    job->bdf);
		r = tsm_nl_read(nl, job->bdf, PCI_TSM_EVIDENCE_TYPE_MASK_ALL, NULL,
				VD_NL_RETRIES, raw);
	}
	if (r == -ECANCELED) {
		verdict_fail(v, "cancelled", "cancelled");
		return false;
	}
	if (r < 0) {
		const char *km = tsm_nl_errmsg(nl);

		/* a read that timed out is a timeout like the device's deadline: retried */
		verdict_fail(v, r == -EOPNOTSUPP ? "evidence.nonce" :
				r == -ETIMEDOUT ? "timeout" : "evidence.read",
			     "reading evidence failed: %s%s%s%s", read_error(r),
			     km[0] ? " (kernel: " : "", km, km[0] ? ")" : "");
		return false;
	}
	return true;
}

static void hash_objects(const struct tsm_nl_evidence *raw, struct vd_verdict *v)
{
	unsigned int t;

	for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
		if (!raw->obj[t].present)
			continue;
		v->has_sha[t] = !tsm_digest(TSM_HASH_SHA256, raw->obj[t].data, raw->obj[t].len,
					    v->sha256[t]);
	}
}

static bool rule_has_svn_min(const struct tsm_policy *pol, const char *name)
{
	size_t i;

	for (i = 0; name && pol && i < pol->nrules; i++)
		if (!strcmp(pol->rules[i].name, name))
			return pol->rules[i].has_svn_min;
	return false;
}

/*
 * The record of what an administrator accepts (no policy, so no job_judge).
 * Not inlined: its 1.5 KiB of locals would sit in run_job's frame, under
 * every job_judge, and make every worker stack deeper.
 */
static __attribute__((noinline)) void record_only(const struct tsm_nl_evidence *raw, struct vd_evrec *rec)
{
	struct tsm_parse_opts po = {
		.has_generation = raw->has_generation,
		.generation = raw->generation,
		.report_generation = raw->obj[PCI_TSM_EVIDENCE_TYPE_REPORT].generation,
	};
	struct tsm_evidence ev;
	struct tsm_parsed parsed;
	struct tsm_error err;

	memset(rec, 0, sizeof(*rec));
	tsm_error_clear(&err);
	evidence_view(raw, &ev);
	if (tsm_evidence_parse_ex(&ev, &po, &parsed, &err))
		return;
	vd_evrec_build(rec, &ev, &parsed);
	tsm_parsed_free(&parsed);
}

/* GET_MEASUREMENTS request: version, code, param1, param2, nonce[32] */
static bool request_nonce(const struct tsm_nl_evidence *raw, uint8_t nonce[PCI_TSM_NONCE_SIZE])
{
	const struct tsm_object *o = &raw->obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS];

	if (!o->present || o->len < 4 + PCI_TSM_NONCE_SIZE || !(o->data[2] & 1))
		return false;
	memcpy(nonce, o->data + 4, PCI_TSM_NONCE_SIZE);
	return true;
}

void job_judge(struct vd_job *job, const struct tsm_nl_evidence *raw, const uint8_t *nonce)
{
	struct vd_verdict *v;
	struct tsm_evidence ev;
	/*
	 * On the heap, not the worker's stack: 2.2 KiB less depth under the
	 * OpenSSL calls below, a page less of every worker stack.
	 */
	struct judge_scratch {
		struct tsm_parsed parsed;
		struct tsm_decision dec;
		struct tsm_error err;
	} *w = calloc(1, sizeof(*w));
	struct tsm_eval_opts opts = {
		.nonce = raw->nonce_used ? nonce : NULL,
		.nonce_len = raw->nonce_used ? PCI_TSM_NONCE_SIZE : 0,
		.nonce_required = job->nonce_required,
		.verify = { .check_time = job->time_check },
		.layout = job->has_layout ? &job->layout : NULL,
		.cache = job->cache,
	};
	/*
	 * The chain is looked up by the digest of its bytes before it is
	 * parsed; the report is used only when it belongs to the generation
	 * of the signed evidence it is judged with.
	 */
	struct tsm_parse_opts po = {
		.cache = job->cache,
		.has_generation = raw->has_generation,
		.generation = raw->generation,
		.report_generation = raw->obj[PCI_TSM_EVIDENCE_TYPE_REPORT].generation,
	};
	struct json_object *sum;
	bool parsed_ok;

	if (!job_verdict(job)) {
		free(w);
		return;
	}
	v = job->v;
	if (!w) {
		verdict_fail(v, "internal", "out of memory judging the evidence");
		return;
	}
	tsm_error_clear(&w->err);
	evidence_view(raw, &ev);
	parsed_ok = tsm_evidence_parse_ex(&ev, &po, &w->parsed, &w->err) == 0;
	sum = evsummary_build(raw, parsed_ok ? &w->parsed : NULL, parsed_ok ? NULL : w->err.reason);
	if (sum) {
		struct json_object *own, *shared;

		/* what this function's siblings share is kept once (record.c) */
		evsummary_split(sum, &own, &shared);
		if (own)
			v->summary = strdup(json_object_to_json_string_ext(own,
								JSON_C_TO_STRING_PLAIN));
		if (shared)
			v->summary_shared = strdup(json_object_to_json_string_ext(shared,
								JSON_C_TO_STRING_PLAIN));
		json_object_put(own);
		json_object_put(shared);
		json_object_put(sum);
	}
	tsm_policy_evaluate(job->policy->pol, &job->id, parsed_ok ? &w->parsed : NULL, &opts, &w->dec);
	if (parsed_ok)
		vd_evrec_build(&v->rec, &ev, &w->parsed);
	v->rule_svn_min = rule_has_svn_min(job->policy->pol, w->dec.matched ? w->dec.rule : NULL);
	v->ok = true;
	v->target = w->dec.target;
	snprintf(v->rule, sizeof(v->rule), "%s", w->dec.rule[0] ? w->dec.rule : "default");
	snprintf(v->check, sizeof(v->check), "%s", w->dec.check);
	snprintf(v->reason, sizeof(v->reason), "%s", w->dec.reason);
	if (!parsed_ok && w->dec.target != TSM_TARGET_ACCEPT) {
		/* the parse failure is the real reason, whatever rule matched */
		snprintf(v->check, sizeof(v->check), "%s", w->err.check[0] ? w->err.check : "evidence.parse");
		snprintf(v->reason, sizeof(v->reason), "malformed evidence: %.480s", w->err.reason);
	}
	if (parsed_ok)
		tsm_parsed_free(&w->parsed);
	free(w);
}

/* export-dir: the bundle file of what was read, here where the bytes are */
static char *build_bundle(const struct vd_job *job, const struct tsm_nl_evidence *raw)
{
	struct evbundle_ids ids = {
		.bdf = job->bdf, .vendor = job->id.vendor, .device = job->id.device,
		.class_code = job->id.class_code,
		.tsm_name = job->tsm_name[0] ? job->tsm_name : NULL, .tsm_mode = job->tsm_mode,
	};
	struct json_object *b = evbundle_build(&ids, raw, NULL, 0);
	char *text = b ? evbundle_text(b) : NULL;

	json_object_put(b);
	if (!text)
		log_warning("%s: out of memory building the evidence bundle for export-dir", job->bdf);
	return text;
}

static void run_job(struct vd_job *job)
{
	struct vd_verdict *v = job->v;
	uint8_t nonce[PCI_TSM_NONCE_SIZE];
	struct tsm_nl_evidence raw;
	struct tsm_nl *nl;
	int r;

	memset(&raw, 0, sizeof(raw));
	nl = NULL;
	r = job->src ? 0 : tsm_nl_open(&nl, job->timeout_ms, job->cancel_fd);
	if (r < 0) {
		verdict_fail(v, "evidence.netlink", "cannot open a generic netlink socket: %s",
			     strerror(-r));
		return;
	}
	if (job->kind == VD_JOB_RECHECK) {
		/*
		 * An accepted device is judged again on the evidence it was
		 * accepted with: the published objects, no refresh (the
		 * generation stays, the device is not asked for anything). They
		 * answer the nonce of the accepting run, which the check expects.
		 */
		r = job->src ? job->src->read(job->src->ctx, job->bdf, NULL, &raw) :
			tsm_nl_read(nl, job->bdf, PCI_TSM_EVIDENCE_TYPE_MASK_ALL, NULL,
				    VD_NL_RETRIES, &raw);
		if (r < 0) {
			verdict_fail(v, r == -ECANCELED ? "cancelled" : "evidence.read",
				     "reading the published evidence failed: %s", read_error(r));
			goto out;
		}
		if (job->nonce_from_evidence) {
			/*
			 * Evidence pci_tsm accepted itself answers a nonce of the
			 * kernel's (get_random_bytes, docs/ABI.md 5.1): the one its
			 * request carries. Its freshness is the kernel's word.
			 */
			raw.nonce_used = request_nonce(&raw, nonce);
		} else {
			raw.nonce_used = job->has_accepted_nonce;
			memcpy(nonce, job->accepted_nonce, sizeof(nonce));
		}
	} else if (!read_evidence(job, nl, &raw, nonce)) {
		goto out;
	}
	v->generation = raw.generation;
	v->has_generation = raw.has_generation;
	v->device_evidence = raw.device_evidence;
	v->nonce_used = raw.nonce_used;
	if (raw.nonce_used)
		memcpy(v->nonce, nonce, sizeof(v->nonce));
	hash_objects(&raw, v);
	if (job->want_bundle)
		v->bundle = build_bundle(job, &raw);

	if (job->kind == VD_JOB_ADMIN_ACCEPT) {
		v->ok = true;
		v->target = TSM_TARGET_ACCEPT;
		snprintf(v->rule, sizeof(v->rule), "admin");
		snprintf(v->reason, sizeof(v->reason), "accepted by the administrator");
		record_only(&raw, &v->rec);
	} else {
		job_judge(job, &raw, nonce);
	}
	if (atomic_load(&job->cancelled))
		goto out;
	/*
	 * Guest role: bind an accepting verdict to exactly this generation. In
	 * mode = audit a deny is accepted too, so it is validated as well. A
	 * recheck of a device in RUN accepts nothing: no VALIDATE.
	 */
	if ((v->target != TSM_TARGET_DENY || (job->audit_mode && v->ok)) &&
	    raw.device_evidence && !job->host_role && job->kind != VD_JOB_RECHECK) {
		r = job->src ? job->src->validate(job->src->ctx, job->bdf, raw.generation) :
			tsm_nl_validate(nl, job->bdf, raw.generation);
		if (r == -ESTALE) {
			v->stale = true;
		} else if (r < 0) {
			const char *km = nl ? tsm_nl_errmsg(nl) : "";

			verdict_fail(v, "evidence.validate", "VALIDATE of generation %u failed: %s%s%s%s",
				     raw.generation, strerror(-r), km[0] ? " (kernel: " : "", km,
				     km[0] ? ")" : "");
			v->ok = true;	/* judged: it is a deny, not a failure to judge */
		}
	}
out:
	tsm_evidence_free(&raw);
	tsm_nl_close(nl);
}

struct worker_arg {
	struct manager *m;
	struct vd_job *job;
};

static void *worker_main(void *p)
{
	struct worker_arg *a = p;
	struct manager *m = a->m;
	struct vd_job *job = a->job;
	ssize_t n;

	free(a);
	if (!atomic_load(&job->cancelled))
		run_job(job);
	/* hand the job (and our reference) back to the loop */
	do {
		n = write(m->result_pipe[1], &job, sizeof(job));
	} while (n < 0 && errno == EINTR);
	if (n != sizeof(job))
		job_unref(job);
	pthread_mutex_lock(&m->lock);
	m->live_threads--;
	pthread_cond_broadcast(&m->idle);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static int start_worker(struct manager *m, struct vd_job *job)
{
	struct worker_arg *a = malloc(sizeof(*a));
	pthread_attr_t attr;
	pthread_t t;
	int r;

	if (!a)
		return -ENOMEM;
	a->m = m;
	a->job = job;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, VD_THREAD_STACK);
	pthread_mutex_lock(&m->lock);
	m->live_threads++;
	pthread_mutex_unlock(&m->lock);
	r = -pthread_create(&t, &attr, worker_main, a);
	pthread_attr_destroy(&attr);
	if (r) {
		pthread_mutex_lock(&m->lock);
		m->live_threads--;
		pthread_mutex_unlock(&m->lock);
		free(a);
	}
	return r;
}

/*
 * Functions of one device share its DSM and its evidence: a nonce refresh
 * for one function publishes a new generation for its siblings, which
 * would make their VALIDATE or accept fail with ESTALE. Jobs for the same
 * bus (domain:bus) therefore run one at a time; different devices run in
 * parallel.
 */
/* "DDDD:BB" of a PCI name: its domain and bus */
static size_t bus_len(const char *bdf)
{
	const char *colon = strrchr(bdf, ':');

	return colon ? (size_t)(colon - bdf) : strlen(bdf);
}

static uint64_t now_mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool dsm_busy(struct manager *m, const struct vd_job *job)
{
	size_t n = bus_len(job->bdf);
	const struct vd_job *r;

	for (r = m->running_jobs; r; r = r->run_next)
		if (bus_len(r->bdf) == n && !strncmp(r->bdf, job->bdf, n))
			return true;
	return false;
}

static void run_list_del(struct manager *m, struct vd_job *job)
{
	struct vd_job **pp;

	for (pp = &m->running_jobs; *pp; pp = &(*pp)->run_next) {
		if (*pp == job) {
			*pp = job->run_next;
			job->run_next = NULL;
			return;
		}
	}
}

void jobs_dispatch(struct manager *m)
{
	struct vd_job **pp = &m->queue_head, *prev = NULL;

	while (m->running < VD_MAX_WORKERS && *pp && !m->quitting) {
		struct vd_job *job = *pp;
		int r;

		if (dsm_busy(m, job)) {
			prev = job;
			pp = &job->next;
			continue;
		}
		*pp = job->next;
		if (m->queue_tail == job)
			m->queue_tail = prev;
		job->next = NULL;
		r = job_verdict(job) ? start_worker(m, job) : -ENOMEM;
		if (r < 0) {
			log_error_errno(r, "%s: cannot start a worker: %m", job->bdf);
			if (job->v)
				verdict_fail(job->v, "internal", "cannot start a worker thread: %s",
					     strerror(-r));
			m->job_done(m, job);
			job_unref(job);
			continue;
		}
		job->dispatched = true;
		job->dispatched_usec = now_mono_usec();
		job->run_next = m->running_jobs;
		m->running_jobs = job;
		m->running++;
	}
}

/* Takes over the caller's reference. */
int job_submit(struct manager *m, struct vd_job *job)
{
	job->next = NULL;
	if (m->queue_tail)
		m->queue_tail->next = job;
	else
		m->queue_head = job;
	m->queue_tail = job;
	jobs_dispatch(m);
	return 0;
}

static int on_result(struct evsrc *s, int fd, uint32_t revents, void *data)
{
	struct manager *m = data;
	struct vd_job *job;
	ssize_t n;

	(void)s;
	(void)revents;
	while ((n = read(fd, &job, sizeof(job))) == sizeof(job)) {
		m->running--;
		run_list_del(m, job);
		m->job_done(m, job);
		job_unref(job);
	}
	jobs_dispatch(m);
	/*
	 * A burst is over (nothing running or queued): give the pages its
	 * evidence buffers and parsed chains left free back to the kernel,
	 * so that the idle daemon does not keep the burst's footprint.
	 */
	if (!m->running && !m->queue_head)
		malloc_trim(0);
	return 0;
}

int jobs_setup(struct manager *m)
{
	int r;

	if (pipe2(m->result_pipe, O_CLOEXEC) < 0)
		return log_error_errno(errno, "pipe: %m");
	/* the loop side never blocks; workers may block briefly */
	fcntl(m->result_pipe[0], F_SETFL, O_NONBLOCK);
	r = evloop_add_io(m->event, &m->result_src, m->result_pipe[0], EPOLLIN, on_result, m);
	if (r < 0)
		return log_error_errno(r, "job result source: %m");
	evsrc_set_description(m->result_src, "job-results");
	return 0;
}

void jobs_shutdown(struct manager *m)
{
	struct vd_device *d;
	struct timespec ts;
	struct vd_job *job;

	while ((job = m->queue_head)) {
		m->queue_head = job->next;
		job_unref(job);
	}
	m->queue_tail = NULL;
	m->running_jobs = NULL;
	for (d = m->devices; d; d = d->next)
		job_cancel(d->job);
	/* Cancelled jobs return within one poll; do not hang shutdown on a stuck one. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&m->lock);
	while (m->live_threads)
		if (pthread_cond_timedwait(&m->idle, &m->lock, &ts) == ETIMEDOUT)
			break;
	if (m->live_threads)
		log_warning("%u worker(s) still busy at exit", m->live_threads);
	pthread_mutex_unlock(&m->lock);
	if (m->result_pipe[0] >= 0) {
		fcntl(m->result_pipe[0], F_SETFL, O_NONBLOCK);
		while (read(m->result_pipe[0], &job, sizeof(job)) == sizeof(job))
			job_unref(job);
	}
	m->result_src = evsrc_free(m->result_src);
	if (!m->live_threads) {
		if (m->result_pipe[0] >= 0)
			close(m->result_pipe[0]);
		if (m->result_pipe[1] >= 0)
			close(m->result_pipe[1]);
		m->result_pipe[0] = m->result_pipe[1] = -1;
	}
}
