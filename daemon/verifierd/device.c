// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-device pipeline, on the loop thread.
 *
 * Guest role (a devsec TSM is registered and the device has tsm/lock):
 *   add/coldplug -> [bound to a real driver: kept] -> lock -> evidence
 *   (generation > 0) -> job: read with nonce, verify, policy, VALIDATE ->
 *   accept -> drivers_probe; deny -> unlock, stay held and unbound.
 * Host role (a link TSM and tsm/connect on PF0): connect -> job -> keep
 *   the connection, or disconnect on deny.
 * Recovery (pci_tsm's PCI_TSM_EVENT uevents, device_recovery): left-run
 *   -> held; reaccepted -> the published evidence must match the record
 *   of what was accepted, else revoke; needs-decision -> the guest
 *   pipeline again, then recovery_judge() against that record (same
 *   evidence, an SVN update a rule allows, never a downgrade).
 *
 * Every run carries the device's sequence number. Removal, a new add at
 * the same address, a timeout, an administrator's decision or a reload
 * bumps or drops it, so a late job result never applies to a device it
 * was not computed for. The accept itself re-checks the generation in
 * sysfs, and the kernel refuses it (ESTALE) when the evidence changed
 * after VALIDATE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "manager.h"

static uint64_t now_realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct vd_device *device_find(struct manager *m, const char *bdf)
{
	struct vd_device *d;

	for (d = m->devices; d; d = d->next)
		if (!strcmp(d->bdf, bdf))
			return d;
	return NULL;
}

static struct vd_device *device_new(struct manager *m, const char *bdf)
{
	struct vd_device *d = calloc(1, sizeof(*d)), **pp;

	if (!d)
		return NULL;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->mgr = m;
	d->rule = d->check = d->reason = "";
	/* keep the list sorted by name: `tsmctl list` reads it in order */
	for (pp = &m->devices; *pp && strcmp((*pp)->bdf, bdf) < 0; pp = &(*pp)->next)
		;
	d->next = *pp;
	*pp = d;
	return d;
}

/* Stops whatever the device is doing; its late results are ignored. */
static void device_abort(struct vd_device *d)
{
	if (d->job) {
		job_cancel(d->job);
		job_unref(d->job);
		d->job = NULL;
	}
	d->timer = evsrc_free(d->timer);
	d->retry = evsrc_free(d->retry);
	d->retry_start = evsrc_free(d->retry_start);
	d->retries = 0;
	d->seq = 0;
}

static void device_destroy(struct manager *m, struct vd_device *d)
{
	struct vd_device **pp;

	for (pp = &m->devices; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	device_abort(d);
	vd_summary_clear(d);
	vd_evrec_drop(d);
	free(d->words);
	free(d->bundle);
	free(d->hist);
	free(d);
}

/* What the decision in the making answers, for its history entry. */
static void device_event(struct vd_device *d, const char *ev)
{
	snprintf(d->event, sizeof(d->event), "%s", ev);
}

void devices_free(struct manager *m)
{
	while (m->devices)
		device_destroy(m, m->devices);
}

/*
 * The state machine decides; what follows from a decision (the journal
 * record, the control socket's watchers and waiters, state.json) is the
 * business of the listeners manager.c registered.
 */
int devices_listen(struct manager *m, vd_listener_fn fn)
{
	if (m->nlisteners >= VD_MAX_LISTENERS)
		return -ENOSPC;
	m->listeners[m->nlisteners++] = fn;
	return 0;
}

void devices_announce(struct manager *m, const struct vd_device *d, enum vd_event ev)
{
	unsigned int i;

	for (i = 0; i < m->nlisteners; i++)
		m->listeners[i](m, d, ev);
}

static void history_add(struct vd_device *d)
{
	struct vd_hist h = {
		.usec = d->decided_usec, .generation = d->generation, .decision = d->decision,
	};

	snprintf(h.event, sizeof(h.event), "%s", d->event[0] ? d->event : "decision");
	snprintf(h.cause, sizeof(h.cause), "%s", d->recovery);
	snprintf(h.reason, sizeof(h.reason), "%.*s", (int)sizeof(h.reason) - 1, d->reason);
	device_history_add(d, &h);
}

static void set_decision(struct manager *m, struct vd_device *d, enum vd_decision dec,
			 const char *rule, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void set_decision(struct manager *m, struct vd_device *d, enum vd_decision dec,
			 const char *rule, const char *check, const char *fmt, ...)
{
	va_list ap;

	char reason[TSM_REASON_MAX];

	d->decision = dec;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (vd_device_set_words(d, rule, check, reason) < 0)
		log_error("%s: out of memory recording the reason of a decision: %s", d->bdf,
			  reason);
	d->state = sysfs_dev_state(d->bdf);
	d->decided_usec = now_realtime_usec();
	snprintf(d->policy_digest, sizeof(d->policy_digest), "%s",
		 m->policy ? m->policy->digest : "");
	if (dec != VD_PENDING) {
		d->timer = evsrc_free(d->timer);
		d->retry = evsrc_free(d->retry);
		d->retries = 0;
		if (strcmp(d->check, "timeout"))
			d->timeouts = 0;
		history_add(d);
	}
	devices_announce(m, d, VD_EVENT_DECISION);
}

static const char *errname(int r)
{
	switch (-r) {
	case EBUSY:
		return "EBUSY";
	case EINVAL:
		return "EINVAL";
	case ENXIO:
		return "ENXIO";
	case EPERM:
		return "EPERM";
	case ESTALE:
		return "ESTALE";
	case ENOENT:
		return "ENOENT";
	case ENODEV:
		return "ENODEV";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return strerror(-r);
	}
}

/* Leaves the device locked-out: unlock (guest) or disconnect (host). */
static void release_tdi(struct manager *m, struct vd_device *d)
{
	char cur[TSM_NAME_MAX];
	int r;

	if (d->host_role) {
		if (sysfs_dev_read(d->bdf, "tsm/connect", cur, sizeof(cur)) || !cur[0])
			return;
		r = sysfs_dev_write(d->bdf, "tsm/disconnect", cur);
	} else {
		if (sysfs_dev_read(d->bdf, "tsm/lock", cur, sizeof(cur)) || !cur[0])
			return;
		r = sysfs_dev_write(d->bdf, "tsm/unlock", cur);
	}
	(void)m;
	if (r < 0)
		log_warning("%s: %s failed: %s", d->bdf, d->host_role ? "disconnect" : "unlock",
			    errname(r));
}

static void deny(struct manager *m, struct vd_device *d, const char *rule, const char *check,
		 const char *reason)
{
	release_tdi(m, d);
	set_decision(m, d, VD_DENIED, rule, check, "%s", reason);
}

static void denyf(struct manager *m, struct vd_device *d, const char *rule, const char *check,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void denyf(struct manager *m, struct vd_device *d, const char *rule, const char *check,
		  const char *fmt, ...)
{
	char why[TSM_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	deny(m, d, rule, check, why);
}

/*
 * Takes an accepted device out of RUN: its driver is detached first (the
 * kernel refuses to unlock a device with a driver bound), then the TDI is
 * unlocked, so the device leaves TDISP RUN and loses its private DMA and
 * encrypted MMIO. The decision is a denial naming the rule that revoked.
 */
static void revoke_device(struct manager *m, struct vd_device *d, const char *rule, const char *check,
		   const char *reason)
{
	char drv[64] = "";
	int r;

	sysfs_dev_driver(d->bdf, drv, sizeof(drv));
	if (drv[0] && strcmp(drv, TSM_HOLD_DRIVER)) {
		r = sysfs_dev_write(d->bdf, "driver/unbind", d->bdf);
		if (r < 0)
			log_error("%s: cannot detach driver %s before revoking: %s", d->bdf, drv,
				  errname(r));
		else
			log_notice("%s: driver %s detached: the device is being revoked", d->bdf,
				   drv);
	}
	release_tdi(m, d);
	d->state = sysfs_dev_state(d->bdf);
	if (d->state == TSM_TDISP_RUN)
		log_error("%s: still in TDISP RUN after the revoke", d->bdf);
	set_decision(m, d, VD_DENIED, rule, check, "revoked: %s", reason);
}

/* A device that cannot be judged: denied, or revoked when it was accepted. */
static void refuse(struct manager *m, struct vd_device *d, const char *rule, const char *check,
		   const char *reason)
{
	if (d->decision == VD_ACCEPTED)
		revoke_device(m, d, rule, check, reason);
	else
		deny(m, d, rule, check, reason);
}

static int on_deadline(struct evsrc *s, uint64_t usec, void *data);

/* The device's run must end by |from| + timeout (CLOCK_MONOTONIC). */
static int arm_deadline_from(struct manager *m, struct vd_device *d, uint64_t from)
{
	int r;

	d->timer = evsrc_free(d->timer);
	d->started_usec = from;
	r = evloop_add_time(m->event, &d->timer,
			    from + (uint64_t)m->cfg.timeout_ms * 1000, 10000, on_deadline, d);
	if (r < 0)
		return log_error_errno(r, "%s: timer: %m", d->bdf);
	evsrc_set_description(d->timer, "device-deadline");
	return 0;
}

static int arm_deadline(struct manager *m, struct vd_device *d)
{
	uint64_t now;

	now = evloop_now();
	return arm_deadline_from(m, d, now);
}

/*
 * The TDISP report is judged against the device's BARs and MSI-X layout;
 * without them that check would be skipped. A layout that cannot be read
 * (typically: config space cut at 64 bytes because the daemon lacks
 * CAP_SYS_ADMIN) denies the device, and says why, instead of judging it
 * on a partial view. Returns false after denying.
 */
static bool read_layout(struct manager *m, struct vd_device *d, struct tsm_device_layout *l)
{
	char why[TSM_REASON_MAX];
	int r = sysfs_dev_layout(d->bdf, l);

	if (!r)
		return true;
	if (r == -EPERM)
		snprintf(why, sizeof(why),
			 "cannot read config space of %s past %d bytes (needs CAP_SYS_ADMIN)",
			 d->bdf, TSM_CONFIG_SHORT);
	else
		snprintf(why, sizeof(why), "cannot read the BARs or config space of %s: %s",
			 d->bdf, strerror(-r));
	log_error("%s", why);
	refuse(m, d, "", "device.config", why);
	return false;
}

static void submit_job_ex(struct manager *m, struct vd_device *d, enum vd_job_kind kind,
			  bool nonce_from_evidence)
{
	struct vd_job *job = job_new(kind);
	uint64_t now, left;

	if (!job) {
		refuse(m, d, "", "internal", "out of memory starting verification");
		return;
	}
	job->seq = d->seq;
	snprintf(job->bdf, sizeof(job->bdf), "%s", d->bdf);
	job->policy = vd_policy_ref(m->policy);
	job->cache = m->chain_cache;
	job->src = m->evsrc;
	job->nonce_from_evidence = nonce_from_evidence;
	job->id.vendor = d->vendor;
	job->id.device = d->device;
	job->id.class_code = d->class_code;
	job->id.pci_name = job->bdf;
	job->host_role = d->host_role;
	if (!d->host_role) {
		if (!read_layout(m, d, &job->layout)) {
			job_unref(job);
			return;
		}
		job->has_layout = true;
	}
	job->nonce_required = m->cfg.nonce_required;
	job->has_accepted_nonce = d->has_nonce;
	memcpy(job->accepted_nonce, d->nonce, sizeof(job->accepted_nonce));
	job->time_check = m->cfg.time_check;
	job->audit_mode = m->cfg.mode == TSM_MODE_AUDIT;
	job->want_bundle = m->cfg.export_dir[0] != '\0';
	snprintf(job->tsm_name, sizeof(job->tsm_name), "%s",
		 d->host_role ? m->link_tsm : m->devsec_tsm);
	job->tsm_mode = d->host_role ? "link" : "devsec";
	/* the job gets what is left of the device's budget */
	now = evloop_now();
	left = (uint64_t)m->cfg.timeout_ms * 1000;
	if (d->started_usec && now - d->started_usec < left)
		left -= now - d->started_usec;
	job->timeout_ms = left / 1000 ? left / 1000 : 1;
	/* one reference for the device, one for the queue/worker */
	atomic_fetch_add(&job->refs, 1);
	d->job = job;
	job_submit(m, job);
}

static void submit_job(struct manager *m, struct vd_device *d, enum vd_job_kind kind)
{
	submit_job_ex(m, d, kind, false);
}

static void maybe_start_job(struct manager *m, struct vd_device *d);

/*
 * Judges an accepted device's evidence again (reload, restart under
 * another policy): the published evidence, the one it was accepted with,
 * against the nonce of that run (worker.c); no refresh, no VALIDATE, no
 * accept. The device stays in RUN with its driver meanwhile and the
 * decision "accepted" until the verdict says otherwise.
 */
static void start_recheck_ex(struct manager *m, struct vd_device *d, bool nonce_from_evidence)
{
	device_abort(d);
	d->seq = ++m->next_seq;
	d->attempts = 0;
	arm_deadline(m, d);
	submit_job_ex(m, d, VD_JOB_RECHECK, nonce_from_evidence);
}

static void start_recheck(struct manager *m, struct vd_device *d)
{
	start_recheck_ex(m, d, false);
}

/*
 * pci_tsm re-accepted the device in the kernel after |d->recovery| with
 * the digests it recorded (docs/ABI.md 5.1): the daemon's own record of
 * what it accepted must agree, else the device is revoked.
 */
static void reaccept_done(struct manager *m, struct vd_device *d, const struct vd_verdict *v)
{
	char why[TSM_REASON_MAX - 64], cause[sizeof(d->recovery)];
	struct vd_evrec before;
	bool policy_ok = v->ok && v->target != TSM_TARGET_DENY;
	bool audit = v->ok && !policy_ok && m->cfg.mode == TSM_MODE_AUDIT;

	snprintf(cause, sizeof(cause), "%s", d->recovery);
	/* an administrator's accept is not the policy's to take back */
	if (!v->ok || !v->rec.valid || (!policy_ok && !audit && !d->admin)) {
		log_warning("%s: re-accepted by the kernel after %s, but the daemon does not accept it: revoking",
			    d->bdf, cause);
		revoke_device(m, d, v->rule, v->check[0] ? v->check : "recovery", v->reason);
		return;
	}
	if (vd_evrec_get(d, &before)) {
		if (vd_evrec_compare(&before, &v->rec, why, sizeof(why)) != VD_REC_SAME) {
			log_warning("%s: re-accepted by the kernel after %s, but not with the evidence the daemon accepted: %s",
				    d->bdf, cause, why);
			revoke_device(m, d, v->rule, "recovery.changed", why);
			return;
		}
	} else {
		/* nothing of its own to compare with (kept, or a lost record) */
		snprintf(why, sizeof(why), "%.400s", d->admin ? "accepted by the administrator" :
			 v->reason);
	}
	if (vd_evrec_keep(d, &v->rec) < 0)
		log_warning("%s: out of memory keeping the record of the accepted evidence", d->bdf);
	set_decision(m, d, VD_ACCEPTED, d->admin ? "admin" : v->rule, v->check,
		     "kernel re-accepted after %s: %s%s", cause,
		     audit && !d->admin ? "mode = audit, would have revoked: " : "", why);
	d->recovery[0] = '\0';
	if (d->state == TSM_TDISP_RUN && !sysfs_dev_driver_bound(d->bdf) &&
	    sysfs_probe_driver(d->bdf) < 0)
		log_warning("%s: driver probe failed", d->bdf);
}

static void recheck_done(struct manager *m, struct vd_device *d, const struct vd_job *job)
{
	const struct vd_verdict *v = job->v;

	if (job->nonce_from_evidence && d->recovery[0]) {
		reaccept_done(m, d, v);
		return;
	}
	if (v->ok && v->target != TSM_TARGET_DENY) {
		if (v->rec.valid && vd_evrec_keep(d, &v->rec) < 0)
			log_warning("%s: out of memory keeping the record of the accepted evidence",
				    d->bdf);
		d->recovery[0] = '\0';
		set_decision(m, d, VD_ACCEPTED, v->rule, v->check, "still accepted: %s%s",
			     v->target == TSM_TARGET_AUDIT ? "audit rule: " : "", v->reason);
		if (!d->host_role && d->state == TSM_TDISP_RUN && !sysfs_dev_driver_bound(d->bdf) &&
		    sysfs_probe_driver(d->bdf) < 0)
			log_warning("%s: driver probe failed", d->bdf);
		return;
	}
	if (v->ok && m->cfg.mode == TSM_MODE_AUDIT) {
		set_decision(m, d, VD_ACCEPTED, v->rule, v->check,
			     "mode = audit, would have revoked: %s", v->reason);
		return;
	}
	log_warning("%s: the policy in force no longer accepts this device (rule %s): revoking",
		    d->bdf, v->rule[0] ? v->rule : "none");
	revoke_device(m, d, v->rule, v->check, v->reason);
}

static int on_retry(struct evsrc *s, uint64_t usec, void *data)
{
	struct vd_device *d = data;

	(void)s;
	(void)usec;
	d->retry = evsrc_free(d->retry);
	maybe_start_job(d->mgr, d);
	return 0;
}

static void arm_retry(struct vd_device *d)
{
	struct manager *m = d->mgr;
	uint64_t now, delay;

	if (d->retry)
		return;
	delay = 100000ULL << (d->retries < 5 ? d->retries : 5);	/* 0.1 .. 3.2 s */
	d->retries++;
	now = evloop_now();
	if (evloop_add_time(m->event, &d->retry, now + delay, 10000,
			    on_retry, d) >= 0)
		evsrc_set_description(d->retry, "evidence-retry");
}

/* Evidence is there when the generation is non-zero; else wait for a uevent. */
static void maybe_start_job(struct manager *m, struct vd_device *d)
{
	uint32_t gen = 0;

	if (d->decision != VD_PENDING || d->job)
		return;
	if (!d->host_role && sysfs_dev_generation(d->bdf, &gen) == 0 && gen == 0) {
		/*
		 * A change uevent normally announces the evidence; a short
		 * backoff covers a TSM that publishes without one. The
		 * device's deadline bounds both.
		 */
		log_debug("%s: locked, waiting for evidence", d->bdf);
		arm_retry(d);
		return;
	}
	submit_job(m, d, VD_JOB_VERIFY);
}

/*
 * A decision restored from state.json (state_restore) stands as it was
 * made: same rule, reason, evidence digests and time. It already has its
 * journal record from before the restart, so it gets none now (ABI 7.3:
 * one record per decision), only a log line; watchers hear of nothing,
 * since nothing changed.
 */
static void keep_restored(struct manager *m, struct vd_device *d, enum vd_decision dec)
{
	d->decision = dec;
	d->state = sysfs_dev_state(d->bdf);
	if (!d->decided_usec)
		d->decided_usec = now_realtime_usec();
	devices_announce(m, d, VD_EVENT_RESTORED);
}

static void start_recheck(struct manager *m, struct vd_device *d);

/*
 * An accepted device in RUN across a daemon restart keeps its record when
 * the same policy accepted the same evidence (state_restore). Recorded as
 * accepted under another policy, or with evidence that moved on: judged
 * again under the policy in force, and revoked if that denies it.
 */
static bool restore_accepted(struct manager *m, struct vd_device *d)
{
	int r = state_restore(m, d, VD_ACCEPTED);

	if (r == -ESTALE) {
		log_info("%s: accepted before the restart, but not under this policy with this evidence; judging it again",
			 d->bdf);
		d->decision = VD_ACCEPTED;
		d->state = sysfs_dev_state(d->bdf);
		vd_device_set_words(d, d->rule, d->check,
				    "accepted before the restart; being judged again under the current policy");
		start_recheck(m, d);
		return true;
	}
	if (r <= 0)
		return false;
	log_info("%s: accepted before the restart, still in RUN with generation %u; decision kept",
		 d->bdf, d->generation);
	keep_restored(m, d, VD_ACCEPTED);
	return true;
}

/*
 * A device denied before a restart, still held and unlocked, keeps that
 * decision without being locked again (its evidence generation does not
 * move) as long as its identity and the policy digest are unchanged.
 * Reload, a policy change and `tsmctl accept` run it again. An
 * administrator's deny or revoke is kept whatever the policy, also for a
 * device left without any driver (a revoke detaches it).
 */
static bool restore_denied(struct manager *m, struct vd_device *d, bool held)
{
	if (state_restore(m, d, VD_DENIED) <= 0)
		return false;
	if (!held && !d->admin)
		return false;	/* not held: judged again */
	if (d->admin)
		log_info("%s: denied before the restart by the administrator; left unlocked",
			 d->bdf);
	else
		log_info("%s: denied before the restart under the same policy; left held and unlocked",
			 d->bdf);
	keep_restored(m, d, VD_DENIED);
	return true;
}

static void start_guest(struct manager *m, struct vd_device *d, bool coldplug)
{
	char drv[64] = "", cur[TSM_NAME_MAX] = "";
	enum tsm_tdisp st;
	int r;

	sysfs_dev_driver(d->bdf, drv, sizeof(drv));
	st = sysfs_dev_state(d->bdf);
	if (drv[0] && strcmp(drv, TSM_HOLD_DRIVER)) {
		if (st == TSM_TDISP_RUN && restore_accepted(m, d))
			return;
		if (coldplug && m->cfg.present == TSM_PRESENT_KEEP)
			set_decision(m, d, VD_KEPT, "", "present",
				     "bound to driver %s when the daemon started; left alone (present = keep)",
				     drv);
		else
			set_decision(m, d, VD_KEPT, "", "present",
				     "bound to driver %s; a device in use is never locked", drv);
		return;
	}
	if (st == TSM_TDISP_RUN) {
		if (restore_accepted(m, d)) {
			if (d->job)
				return;	/* the driver waits for the new judgement */
			if (sysfs_probe_driver(d->bdf) < 0)
				log_warning("%s: driver probe failed", d->bdf);
			return;
		}
		set_decision(m, d, VD_KEPT, "", "present",
			     "already accepted (TDISP RUN) when the daemon started; not re-verified");
		return;
	}
	if (st == TSM_TDISP_LOCKED) {
		sysfs_dev_read(d->bdf, "tsm/lock", cur, sizeof(cur));
		if (strcmp(cur, m->devsec_tsm)) {
			set_decision(m, d, VD_HELD, "", "lock",
				     "locked by %s, not by the devsec TSM %s", cur, m->devsec_tsm);
			return;
		}
		log_info("%s: locked but not accepted (interrupted verification?): verifying from scratch",
			 d->bdf);
	} else {
		struct tsm_device_layout l;

		if (coldplug && st == TSM_TDISP_UNLOCKED && (!drv[0] || !strcmp(drv, TSM_HOLD_DRIVER)) &&
		    restore_denied(m, d, drv[0] != '\0'))
			return;
		/* never lock what cannot be judged */
		if (!read_layout(m, d, &l))
			return;
		r = sysfs_dev_write(d->bdf, "tsm/lock", m->devsec_tsm);
		if (r < 0) {
			set_decision(m, d, VD_HELD, "", "lock", "lock with %s refused: %s",
				     m->devsec_tsm, errname(r));
			return;
		}
	}
	d->attempts = 0;
	arm_deadline(m, d);
	set_decision(m, d, VD_PENDING, "", "", "verifying evidence");
	maybe_start_job(m, d);
}

static void start_host(struct manager *m, struct vd_device *d, bool coldplug)
{
	char cur[TSM_NAME_MAX] = "";
	int r;

	if (sysfs_dev_driver_bound(d->bdf) && coldplug && m->cfg.present == TSM_PRESENT_KEEP) {
		set_decision(m, d, VD_KEPT, "", "present",
			     "bound to a driver when the daemon started; left alone (present = keep)");
		return;
	}
	sysfs_dev_read(d->bdf, "tsm/connect", cur, sizeof(cur));
	if (!cur[0]) {
		r = sysfs_dev_write(d->bdf, "tsm/connect", m->link_tsm);
		if (r < 0) {
			set_decision(m, d, VD_HELD, "", "connect", "connect with %s refused: %s",
				     m->link_tsm, errname(r));
			return;
		}
	}
	d->attempts = 0;
	arm_deadline(m, d);
	set_decision(m, d, VD_PENDING, "", "", "verifying evidence");
	maybe_start_job(m, d);
}

static void device_start(struct manager *m, struct vd_device *d, bool coldplug)
{
	d->seq = ++m->next_seq;
	d->host_role = false;
	if (sysfs_dev_has(d->bdf, "tsm/lock") && m->devsec_tsm[0]) {
		start_guest(m, d, coldplug);
	} else if (sysfs_dev_has(d->bdf, "tsm/connect") && m->link_tsm[0]) {
		d->host_role = true;
		start_host(m, d, coldplug);
	} else if (sysfs_dev_driver_bound(d->bdf)) {
		set_decision(m, d, VD_KEPT, "", "present", "bound to a driver; no TSM to judge it");
	} else {
		set_decision(m, d, VD_HELD, "", "tsm", "held: no devsec TSM registered yet");
	}
}

static bool tee_capable(const char *bdf)
{
	return sysfs_dev_has(bdf, "tsm/lock") || sysfs_dev_has(bdf, "tsm/connect");
}

#define WAIT_ATTACH "attach"

/*
 * The PCI "add" uevent of a hot-added device comes from device_add(),
 * before the PCI core has assigned its BARs and attached a driver. pci_tsm
 * has set its driver_override to the hold driver by then; the hold's
 * "bind" uevent says the device is complete, so start there.
 */
static bool attach_pending(const char *bdf)
{
	char drv[64] = "", ovr[64] = "";

	sysfs_dev_driver(bdf, drv, sizeof(drv));
	if (drv[0] || sysfs_dev_read(bdf, "driver_override", ovr, sizeof(ovr)) < 0)
		return false;
	return !strcmp(ovr, TSM_HOLD_DRIVER);
}

static int admin_accept(struct manager *m, struct vd_device *d, char *err, size_t errlen);

/*
 * An administrator's decision outlives the device's own announcements: an
 * "add" uevent for a device already tracked (re-sent, replayed, `udevadm
 * trigger`) and a rescan keep it, until the administrator changes it. A
 * deny is applied again (unlocked, should something have locked it); an
 * accept that lost RUN is taken again on the administrator's path.
 */
static void admin_decision_stands(struct manager *m, struct vd_device *d, const char *what)
{
	char err[TSM_REASON_MAX];

	if (d->decision == VD_PENDING || d->job)
		return;		/* the administrator's accept is under way */
	log_info("%s: %s: the administrator's decision (%s) stands", d->bdf, what,
		 vd_decision_name(d->decision));
	if (d->decision == VD_DENIED) {
		release_tdi(m, d);
	} else if (d->decision == VD_ACCEPTED && !d->host_role &&
		   sysfs_dev_state(d->bdf) != TSM_TDISP_RUN &&
		   admin_accept(m, d, err, sizeof(err)) < 0) {
		log_warning("%s", err);
	}
	d->state = sysfs_dev_state(d->bdf);
}

void device_added(struct manager *m, const char *bdf, bool coldplug)
{
	struct vd_device *d = device_find(m, bdf);

	if (!tee_capable(bdf)) {
		/* the tsm/ group went away with its TSM; an administrator's decision stays */
		if (d && !d->admin) {
			devices_announce(m, d, VD_EVENT_FORGOTTEN);
			device_destroy(m, d);
		}
		return;
	}
	if (d && d->admin) {
		admin_decision_stands(m, d, "add uevent");
		return;
	}
	if (d) {
		/* an add without the remove we should have seen: start over */
		if (d->decision == VD_ACCEPTED && d->accepted && !d->recovery[0])
			snprintf(d->recovery, sizeof(d->recovery), "lost uevents");
		device_abort(d);
		vd_summary_clear(d);
		d->admin = false;
	} else {
		d = device_new(m, bdf);
		if (!d) {
			log_error("%s: out of memory", bdf);
			return;
		}
	}
	if (sysfs_dev_ids(bdf, &d->vendor, &d->device, &d->class_code) < 0)
		log_warning("%s: cannot read vendor/device/class", bdf);
	if (coldplug && state_restore_history(m, d) == VD_ACCEPTED && !d->recovery[0] &&
	    d->accepted && sysfs_dev_state(bdf) != TSM_TDISP_RUN) {
		/* it left RUN while the daemon was not running: a recovery unseen */
		snprintf(d->recovery, sizeof(d->recovery), "restart");
	}
	device_event(d, coldplug ? "start" : "add");
	memset(d->has_sha, 0, sizeof(d->has_sha));
	free(d->bundle);
	d->bundle = NULL;
	d->generation = 0;
	if (!coldplug && attach_pending(bdf)) {
		/* bounded by the per-device timeout like any pending run */
		d->seq = ++m->next_seq;
		arm_deadline(m, d);
		set_decision(m, d, VD_PENDING, "", WAIT_ATTACH,
			     "waiting for the PCI core to finish adding the device");
		return;
	}
	device_start(m, d, coldplug);
}

void device_changed(struct manager *m, const char *bdf)
{
	struct vd_device *d = device_find(m, bdf);

	if (!d) {
		if (tee_capable(bdf))
			device_added(m, bdf, false);
		return;
	}
	d->state = sysfs_dev_state(bdf);
	if (d->admin)
		return;
	if (d->decision == VD_PENDING && !strcmp(d->check, WAIT_ATTACH)) {
		if (!attach_pending(bdf))
			device_start(m, d, false);
		return;
	}
	if (d->decision == VD_PENDING && !d->job)
		maybe_start_job(m, d);
}

void device_removed(struct manager *m, const char *bdf)
{
	struct vd_device *d = device_find(m, bdf);

	if (!d)
		return;
	if (d->decision == VD_PENDING) {
		device_abort(d);
		d->decision = VD_DENIED;
		vd_device_set_words(d, "", "removed", "device removed during verification");
		d->state = TSM_TDISP_NONE;
		d->decided_usec = now_realtime_usec();
		devices_announce(m, d, VD_EVENT_DECISION);
	} else {
		log_info("%s: removed", bdf);
	}
	devices_announce(m, d, VD_EVENT_FORGOTTEN);
	device_destroy(m, d);
}

static int on_timeout_retry(struct evsrc *s, uint64_t usec, void *data)
{
	struct vd_device *d = data;

	(void)s;
	(void)usec;
	d->retry_start = evsrc_free(d->retry_start);
	/* only the timeout's denial is retried; anything decided since stands */
	if (d->admin || d->decision != VD_DENIED || strcmp(d->check, "timeout"))
		return 0;
	log_info("%s: verifying again after a timeout (attempt %u)", d->bdf, d->timeouts + 1);
	device_event(d, "retry");
	device_start(d->mgr, d, false);
	return 0;
}

/*
 * A timeout denies (fail closed) and schedules a fresh run with an
 * exponential backoff: a responder that was slow once, or a burst of
 * siblings, does not leave the device out for good.
 */
static void schedule_timeout_retry(struct manager *m, struct vd_device *d)
{
	uint64_t now, delay;
	unsigned int shift = d->timeouts < 7 ? d->timeouts : 7;

	if (d->timeouts >= VD_TIMEOUT_RETRIES) {
		log_warning("%s: %u timeouts in a row; no more automatic retries (tsmctl reload retries)",
			    d->bdf, d->timeouts);
		return;
	}
	delay = (uint64_t)VD_TIMEOUT_BACKOFF_MS * 1000 << shift;
	if (delay > VD_TIMEOUT_BACKOFF_MAX_MS * 1000ULL)
		delay = VD_TIMEOUT_BACKOFF_MAX_MS * 1000ULL;
	d->timeouts++;
	d->retry_start = evsrc_free(d->retry_start);
	now = evloop_now();
	if (evloop_add_time(m->event, &d->retry_start, now + delay, 100000,
			    on_timeout_retry, d) >= 0) {
		evsrc_set_description(d->retry_start, "timeout-retry");
		log_info("%s: retrying in %llu ms", d->bdf, (unsigned long long)(delay / 1000));
	}
}

static int on_deadline(struct evsrc *s, uint64_t usec, void *data)
{
	struct vd_device *d = data;
	struct manager *m = d->mgr;
	char why[128];

	(void)s;
	(void)usec;
	if (d->decision != VD_PENDING && !d->job)
		return 0;
	/*
	 * Queued behind a sibling sharing its DSM (worker.c): the budget is
	 * for the device's own run, counted from when it left the queue.
	 */
	if (d->job && !d->job->dispatched) {
		log_debug("%s: queued behind a sibling, deadline extended", d->bdf);
		arm_deadline(m, d);
		return 0;
	}
	if (d->job && d->job->dispatched_usec > d->started_usec) {
		arm_deadline_from(m, d, d->job->dispatched_usec);
		return 0;
	}
	device_abort(d);
	d->seq = ++m->next_seq;
	snprintf(why, sizeof(why), "no decision within the per-device timeout of %u ms",
		 m->cfg.timeout_ms);
	if (d->decision == VD_ACCEPTED) {
		revoke_device(m, d, d->rule, "timeout", why);
		return 0;
	}
	deny(m, d, "", "timeout", why);
	schedule_timeout_retry(m, d);
	return 0;
}

static void accept_guest(struct manager *m, struct vd_device *d, const struct vd_verdict *v,
			 const char *note)
{
	uint32_t gen = 0;
	int r;

	/*
	 * Accept only the generation that was verified: without it, or when
	 * the current one cannot be read, there is nothing to bind the accept
	 * to (with require_validate=0 the kernel would not catch it either).
	 */
	if (!v->has_generation) {
		deny(m, d, v->rule, "evidence.generation",
		     "the evidence read carried no generation; nothing to bind an accept to");
		return;
	}
	r = sysfs_dev_generation(d->bdf, &gen);
	if (r < 0) {
		char why[TSM_REASON_MAX];

		snprintf(why, sizeof(why),
			 "cannot read the evidence generation to confirm the verified one (%u): %s",
			 v->generation, errname(r));
		deny(m, d, v->rule, "evidence.generation", why);
		return;
	}
	if (gen != v->generation)
		r = -ESTALE;
	else
		r = sysfs_dev_write(d->bdf, "tsm/accept", "1");
	if (r == -ESTALE) {
		if (++d->attempts < VD_MAX_ATTEMPTS) {
			log_info("%s: evidence changed after verification, verifying again", d->bdf);
			submit_job(m, d, VD_JOB_VERIFY);
			return;
		}
		deny(m, d, v->rule, "evidence.stale",
		     "the evidence kept changing between verification and accept");
		return;
	}
	if (r < 0) {
		char why[TSM_REASON_MAX];

		snprintf(why, sizeof(why), "accept refused by the kernel: %s%s", errname(r),
			 r == -EPERM ? " (generation not validated; require_validate=1)" :
			 r == -EOPNOTSUPP ? " (no ready tsm_shim; see the kernel log)" :
			 r == -EIO ? " (the device did not start or entered TDISP ERROR; see the kernel log)" :
			 "");
		deny(m, d, v->rule, "accept", why);
		return;
	}
	set_decision(m, d, VD_ACCEPTED, v->rule, v->check, "%s%s", note, v->reason);
	/* what a later recovery is compared with (recovery_judge) */
	if (v->rec.valid && vd_evrec_keep(d, &v->rec) < 0)
		log_warning("%s: out of memory keeping the record of the accepted evidence", d->bdf);
	d->recovery[0] = '\0';
	r = sysfs_probe_driver(d->bdf);
	if (r < 0)
		log_warning("%s: accepted, but the driver probe failed: %s", d->bdf, errname(r));
	d->state = sysfs_dev_state(d->bdf);
}

/*
 * After an exit from RUN that pci_tsm left to userspace (needs-decision):
 * the evidence the device presents now against the evidence last
 * accepted for it. The same evidence is accepted again; a higher SVN
 * (firmware update) only under a rule with measurement.svn-min (it says
 * which versions it accepts); a lower SVN never, whatever the rule or the
 * mode; anything else that changed is denied, naming what changed.
 * Returns false after denying, else true with the accept's reason in
 * |v->reason|.
 */
static bool recovery_judge(struct manager *m, struct vd_device *d, const struct vd_job *job,
			   struct vd_verdict *v)
{
	bool admin = job->kind == VD_JOB_ADMIN_ACCEPT;
	char why[300];
	struct vd_evrec before;
	enum vd_rec_cmp c;

	if (!v->rec.valid) {
		denyf(m, d, v->rule, "recovery.evidence",
		      "after %s: the evidence cannot be compared with what was accepted before",
		      d->recovery);
		return false;
	}
	vd_evrec_get(d, &before);
	c = vd_evrec_compare(&before, &v->rec, why, sizeof(why));
	if (c == VD_REC_SAME) {
		snprintf(v->reason, sizeof(v->reason), "revalidated after %s: same evidence%s",
			 d->recovery, admin ? " (accepted by the administrator)" : "");
		return true;
	}
	if (c == VD_REC_DOWNGRADE) {
		deny(m, d, v->rule, "recovery.downgrade", why);
		return false;
	}
	if (c == VD_REC_UPDATE && !admin && v->rule_svn_min) {
		snprintf(v->reason, sizeof(v->reason),
			 "firmware update after %s: %.300s (rule %.100s accepts it by measurement.svn-min)",
			 d->recovery, why, v->rule);
		return true;
	}
	if (admin) {
		/* the administrator accepted other evidence: the policy decides from now on */
		d->admin = false;
		denyf(m, d, "admin", "recovery.changed", "%s: not the evidence the administrator accepted",
		      why);
		return false;
	}
	if (m->cfg.mode == TSM_MODE_AUDIT) {
		snprintf(v->reason, sizeof(v->reason), "mode = audit, would have denied: %s", why);
		return true;
	}
	if (c == VD_REC_UPDATE)
		denyf(m, d, v->rule, "recovery.changed",
		      "%s: rule %s sets no measurement.svn-min, so it accepts no firmware update", why,
		      v->rule);
	else
		deny(m, d, v->rule, "recovery.changed", why);
	return false;
}

void device_job_done(struct manager *m, struct vd_job *job)
{
	struct vd_device *d = device_find(m, job->bdf);
	const struct vd_verdict *v = job->v;
	char note[TSM_REASON_MAX] = "";

	if (!d || d->job != job || d->seq != job->seq || atomic_load(&job->cancelled)) {
		log_debug("%s: dropping the result of an outdated job", job->bdf);
		return;
	}
	job_unref(d->job);
	d->job = NULL;
	if (!v) {
		/* no verdict could be allocated: the job never ran */
		refuse(m, d, "", "internal", "out of memory starting verification");
		return;
	}
	/* keep what was judged, for `tsmctl show` and the audit record */
	if (v->summary && vd_summary_set(d, v->summary, v->summary_shared) < 0)
		log_warning("%s: out of memory keeping the evidence summary", d->bdf);
	memcpy(d->has_sha, v->has_sha, sizeof(d->has_sha));
	memcpy(d->sha256, v->sha256, sizeof(d->sha256));
	/* the bundle goes with the digests: the evidence of the decision to come */
	free(d->bundle);
	d->bundle = job->v->bundle;
	job->v->bundle = NULL;
	if (v->has_generation)
		d->generation = v->generation;
	if (job->kind != VD_JOB_RECHECK || job->nonce_from_evidence) {
		d->has_nonce = v->nonce_used;
		memcpy(d->nonce, v->nonce, sizeof(d->nonce));
	}
	if (job->kind == VD_JOB_RECHECK) {
		recheck_done(m, d, job);
		return;
	}
	if (!v->ok) {
		deny(m, d, v->rule[0] ? v->rule : "", v->check, v->reason);
		if (!strcmp(v->check, "timeout"))
			schedule_timeout_retry(m, d);
		return;
	}
	if (v->stale) {
		if (++d->attempts < VD_MAX_ATTEMPTS) {
			submit_job(m, d, job->kind);
			return;
		}
		deny(m, d, v->rule, "evidence.stale", "the evidence kept changing during verification");
		return;
	}
	/* a downgrade is never accepted, not even in mode = audit */
	if (d->recovery[0] && d->accepted && !d->host_role && v->rec.valid) {
		char why[TSM_REASON_MAX];
		struct vd_evrec before;

		vd_evrec_get(d, &before);
		if (vd_evrec_compare(&before, &v->rec, why, sizeof(why)) == VD_REC_DOWNGRADE) {
			deny(m, d, v->rule, "recovery.downgrade", why);
			return;
		}
	}
	if (v->target == TSM_TARGET_DENY) {
		if (m->cfg.mode != TSM_MODE_AUDIT || job->kind == VD_JOB_ADMIN_ACCEPT) {
			deny(m, d, v->rule, v->check, v->reason);
			return;
		}
		snprintf(note, sizeof(note), "mode = audit, would have denied: ");
	} else if (v->target == TSM_TARGET_AUDIT) {
		snprintf(note, sizeof(note), "audit rule%s: ", v->check[0] ? " (would deny)" : "");
	}
	if (d->host_role) {
		set_decision(m, d, VD_ACCEPTED, v->rule, v->check, "%s%s", note, v->reason);
		return;
	}
	if (d->recovery[0] && d->accepted) {
		struct vd_verdict rv = *v;

		if (!recovery_judge(m, d, job, &rv))
			return;
		accept_guest(m, d, &rv, note);
		return;
	}
	accept_guest(m, d, v, note);
}

bool devices_refresh_tsm(struct manager *m)
{
	char devsec[TSM_NAME_MAX] = "", link[TSM_NAME_MAX] = "";
	bool changed;

	sysfs_find_tsm("devsec", devsec, sizeof(devsec));
	sysfs_find_tsm("link", link, sizeof(link));
	changed = strcmp(devsec, m->devsec_tsm) || strcmp(link, m->link_tsm);
	if (changed)
		log_info("TSMs: devsec %s, link %s", devsec[0] ? devsec : "(none)",
			 link[0] ? link : "(none)");
	snprintf(m->devsec_tsm, sizeof(m->devsec_tsm), "%s", devsec);
	snprintf(m->link_tsm, sizeof(m->link_tsm), "%s", link);
	return changed;
}

/*
 * Brings the table in line with sysfs when uevents cannot be trusted to
 * have said everything: a TSM came or went, or the uevent socket
 * overflowed (ENOBUFS) and events were lost.
 */
static int rescan_one(const char *bdf, void *data)
{
	struct manager *m = data;
	struct vd_device *d = device_find(m, bdf);

	if (!d) {
		if (tee_capable(bdf))
			device_added(m, bdf, false);
		return 0;
	}
	if (!tee_capable(bdf))
		return 0;
	if (d->admin) {
		admin_decision_stands(m, d, "rescan");
	} else if (d->decision == VD_HELD) {
		device_event(d, "rescan");
		device_start(m, d, false);
	} else if (d->decision == VD_PENDING && !strcmp(d->check, WAIT_ATTACH)) {
		if (!attach_pending(bdf))
			device_start(m, d, false);
	} else if (d->decision == VD_PENDING) {
		maybe_start_job(m, d);	/* a lost "change": the evidence may be there */
	} else if (d->decision == VD_ACCEPTED && !d->job && !d->host_role &&
		   sysfs_dev_state(bdf) != TSM_TDISP_RUN) {
		/* not the device that was accepted: removed and added again unseen */
		log_info("%s: accepted, but no longer in RUN: treated as a new device", bdf);
		device_added(m, bdf, false);
	}
	return 0;
}

void devices_rescan(struct manager *m)
{
	struct vd_device *d, *next;

	devices_refresh_tsm(m);
	/* devices that went away, or whose tsm/ group went away with the TSM */
	for (d = m->devices; d; d = next) {
		next = d->next;
		if (sysfs_dev_exists(d->bdf) && (tee_capable(d->bdf) || d->admin))
			continue;
		if (d->decision == VD_PENDING || !sysfs_dev_exists(d->bdf)) {
			device_removed(m, d->bdf);
		} else {
			devices_announce(m, d, VD_EVENT_FORGOTTEN);
			device_destroy(m, d);
		}
	}
	sysfs_for_each_pci_dev(rescan_one, m);
}

void devices_reevaluate(struct manager *m)
{
	struct vd_device *d;
	unsigned int kept = 0;

	for (d = m->devices; d; d = d->next) {
		if (d->admin)
			continue;	/* stands until the administrator changes it */
		device_event(d, "reload");
		if (d->decision == VD_KEPT && !d->host_role && !d->job &&
		    sysfs_dev_state(d->bdf) == TSM_TDISP_RUN) {
			/*
			 * Found in RUN at start and never judged: its published
			 * evidence (pci_tsm's nonce, no refresh) under the policy
			 * in force, revoked if that denies it.
			 */
			log_info("%s: kept in RUN; judging its evidence under the new policy", d->bdf);
			d->decision = VD_ACCEPTED;
			start_recheck_ex(m, d, true);
			continue;
		}
		if (d->decision == VD_KEPT) {
			/* judging it would lock or refresh a device in use (tsm-verifierd.8) */
			kept++;
			continue;
		}
		if (d->decision == VD_ACCEPTED) {
			/* the new policy must still accept it, or it is revoked */
			log_info("%s: accepted; judging its evidence under the new policy", d->bdf);
			start_recheck(m, d);
			continue;
		}
		if (d->decision != VD_PENDING && d->decision != VD_HELD &&
		    d->decision != VD_DENIED)
			continue;
		if (d->decision == VD_PENDING && !strcmp(d->check, WAIT_ATTACH))
			continue;	/* starts at its bind uevent */
		log_info("%s: re-evaluating under the new policy", d->bdf);
		device_abort(d);
		device_start(m, d, false);
	}
	if (kept)
		log_info("%u device(s) kept as found (bound to a driver, not in RUN) are left as they are",
			 kept);
}

bool devices_busy(struct manager *m)
{
	struct vd_device *d;

	for (d = m->devices; d; d = d->next)
		if (d->decision == VD_PENDING || d->job)
			return true;
	return false;
}

int device_admin_accept(struct manager *m, const char *bdf, char *err, size_t errlen)
{
	struct vd_device *d = device_find(m, bdf);

	if (!d) {
		snprintf(err, errlen, "%s: not a TEE device the daemon tracks", bdf);
		return -ENODEV;
	}
	if (d->decision == VD_ACCEPTED) {
		if (d->admin) {
			snprintf(err, errlen, "%s: already accepted", bdf);
			return -EALREADY;
		}
		/* from now on the administrator's decision, not the policy's */
		device_abort(d);
		d->seq = ++m->next_seq;
		d->admin = true;
		d->recovery[0] = '\0';
		device_event(d, "admin");
		set_decision(m, d, VD_ACCEPTED, "admin", "", "accepted by the administrator");
		return 0;
	}
	d->recovery[0] = '\0';	/* the administrator accepts what the device presents now */
	device_event(d, "admin");
	return admin_accept(m, d, err, errlen);
}

static int admin_accept(struct manager *m, struct vd_device *d, char *err, size_t errlen)
{
	const char *bdf = d->bdf;
	int r;

	if (sysfs_dev_driver_bound(bdf)) {
		snprintf(err, errlen, "%s: bound to a driver; cannot be locked", bdf);
		return -EBUSY;
	}
	device_abort(d);
	d->seq = ++m->next_seq;
	d->attempts = 0;
	d->admin = true;
	if (d->host_role) {
		char cur[TSM_NAME_MAX] = "";

		sysfs_dev_read(bdf, "tsm/connect", cur, sizeof(cur));
		if (!cur[0] && (r = sysfs_dev_write(bdf, "tsm/connect", m->link_tsm)) < 0) {
			snprintf(err, errlen, "%s: connect refused: %s", bdf, errname(r));
			return r;
		}
		set_decision(m, d, VD_ACCEPTED, "admin", "", "accepted by the administrator");
		return 0;
	}
	if (!m->devsec_tsm[0]) {
		snprintf(err, errlen, "no devsec TSM registered");
		return -ENXIO;
	}
	if (sysfs_dev_state(bdf) == TSM_TDISP_UNLOCKED) {
		r = sysfs_dev_write(bdf, "tsm/lock", m->devsec_tsm);
		if (r < 0) {
			snprintf(err, errlen, "%s: lock refused: %s", bdf, errname(r));
			return r;
		}
	}
	arm_deadline(m, d);
	set_decision(m, d, VD_PENDING, "admin", "", "administrator accept in progress");
	submit_job(m, d, VD_JOB_ADMIN_ACCEPT);
	return 0;
}

int device_admin_deny(struct manager *m, const char *bdf, char *err, size_t errlen)
{
	struct vd_device *d = device_find(m, bdf);

	if (!d) {
		snprintf(err, errlen, "%s: not a TEE device the daemon tracks", bdf);
		return -ENODEV;
	}
	if (sysfs_dev_driver_bound(bdf)) {
		char drv[64] = "";

		sysfs_dev_driver(bdf, drv, sizeof(drv));
		snprintf(err, errlen, "%s: bound to driver %s; unbind it first", bdf, drv);
		return -EBUSY;
	}
	device_abort(d);
	d->seq = ++m->next_seq;
	d->admin = true;
	device_event(d, "admin");
	deny(m, d, "admin", "admin", "denied by the administrator");
	return 0;
}

int device_admin_revoke(struct manager *m, const char *bdf, char *err, size_t errlen)
{
	struct vd_device *d = device_find(m, bdf);

	if (!d) {
		snprintf(err, errlen, "%s: not a TEE device the daemon tracks", bdf);
		return -ENODEV;
	}
	if (d->decision != VD_ACCEPTED && d->decision != VD_KEPT &&
	    sysfs_dev_state(bdf) != TSM_TDISP_RUN) {
		snprintf(err, errlen, "%s: not accepted (%s); nothing to revoke", bdf,
			 vd_decision_name(d->decision));
		return -EALREADY;
	}
	device_abort(d);
	d->seq = ++m->next_seq;
	d->admin = true;
	device_event(d, "admin");
	revoke_device(m, d, "admin", "admin", "revoked by the administrator");
	if (sysfs_dev_state(bdf) == TSM_TDISP_RUN) {
		snprintf(err, errlen, "%s: still in TDISP RUN: the driver could not be detached or the unlock was refused (see the daemon's log)",
			 bdf);
		return -EBUSY;
	}
	return 0;
}

/*
 * pci_tsm's recovery uevents (docs/ABI.md 5.1). left-run: the device is
 * out of RUN, its driver gone; held until pci_tsm says how it came back.
 * reaccepted: pci_tsm accepted it again in the kernel on the digests it
 * recorded; the daemon checks the published evidence against its own
 * record (reaccept_done). needs-decision: verified again with a fresh
 * nonce as a new device, then compared with what was accepted before
 * (recovery_judge). An administrator's deny stands over all of them.
 */
void device_recovery(struct manager *m, const char *bdf, const struct vd_recovery *ev)
{
	struct vd_device *d = device_find(m, bdf);
	char err[TSM_REASON_MAX];

	if (!d) {
		if (tee_capable(bdf))
			device_added(m, bdf, false);
		return;
	}
	log_info("%s: %s (cause %s%s%s)", bdf, ev->event, ev->cause[0] ? ev->cause : "unknown",
		 ev->why[0] ? ", " : "", ev->why);
	d->last_recovery = *ev;
	devices_announce(m, d, VD_EVENT_RECOVERY);
	d->state = sysfs_dev_state(bdf);
	if (ev->has_generation)
		d->generation = ev->generation;
	device_event(d, ev->event);
	if (d->admin && d->decision == VD_DENIED) {
		if (d->state == TSM_TDISP_RUN) {
			revoke_device(m, d, "admin", "admin", "denied by the administrator");
			return;
		}
		if (!strcmp(ev->event, "needs-decision")) {
			device_abort(d);
			d->seq = ++m->next_seq;
			deny(m, d, "admin", "admin", "denied by the administrator; the deny stands");
		}
		return;
	}
	if (!strcmp(ev->cause, "remove"))
		return;		/* the remove uevent follows */
	if (!strcmp(ev->event, "left-run")) {
		device_abort(d);
		d->seq = ++m->next_seq;
		snprintf(d->recovery, sizeof(d->recovery), "%s", ev->cause[0] ? ev->cause : "unknown");
		set_decision(m, d, VD_HELD, d->rule, "recovery", "left RUN: %s", d->recovery);
		return;
	}
	if (!strcmp(ev->event, "reaccepted")) {
		if (d->state != TSM_TDISP_RUN)
			return;		/* gone again: its next event says why */
		snprintf(d->recovery, sizeof(d->recovery), "%s", ev->cause[0] ? ev->cause : "unknown");
		/* in RUN meanwhile: a timeout or a failure revokes (recheck_done) */
		d->decision = VD_ACCEPTED;
		start_recheck_ex(m, d, true);
		return;
	}
	if (strcmp(ev->event, "needs-decision"))
		return;
	if (ev->cause[0] || !d->recovery[0])
		snprintf(d->recovery, sizeof(d->recovery), "%s", ev->cause[0] ? ev->cause : "unknown");
	device_abort(d);
	/*
	 * As a new device: from UNLOCKED. pci_tsm leaves the function in
	 * TDISP ERROR (never), LOCKED with evidence of its own
	 * (evidence-changed) or unlocked; neither ERROR nor the kernel's
	 * evidence is a start for the daemon's own run.
	 */
	if (!d->host_role && d->state != TSM_TDISP_UNLOCKED && d->state != TSM_TDISP_NONE)
		release_tdi(m, d);
	if (d->admin && d->accepted) {
		/* accepted by the administrator: the same evidence is, nothing else */
		if (admin_accept(m, d, err, sizeof(err)) < 0) {
			d->admin = false;
			denyf(m, d, "admin", "recovery", "after %s: %s", d->recovery, err);
		}
		return;
	}
	d->admin = false;
	device_start(m, d, false);
}
