// SPDX-License-Identifier: GPL-2.0-only
/*
 * The manager: builds everything in order (config, policy, jobs, udev,
 * control socket), runs the event loop (evloop.c), reloads on SIGHUP, and tears down in
 * reverse. Devices stay as they are on exit: held stays held.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "ear.h"
#include "log.h"
#include "manager.h"
#include "policy_digest.h"

/*
 * export-key, when set: a key that cannot sign refuses the configuration
 * (start or reload) rather than leave the fleet with unsigned results.
 */
static int load_export_key(const struct tsm_config *cfg, EVP_PKEY **key, char *err, size_t errlen)
{
	struct tsm_error e;
	int r;

	*key = NULL;
	if (!cfg->export_key[0])
		return 0;
	tsm_error_clear(&e);
	r = tsm_ear_load_key(cfg->export_key, key, &e);
	if (r < 0)
		snprintf(err, errlen, "export-key: %s", e.reason);
	return r;
}

static void export_dir_note(const struct tsm_config *cfg, const EVP_PKEY *key)
{
	if (!cfg->export_dir[0])
		return;
	log_info("exporting every decision to %s (%s, newest %u kept)", cfg->export_dir,
		 key ? "EAR signed with export-key" : "EAR unsigned", cfg->export_keep);
	if (access(cfg->export_dir, W_OK) < 0 && errno != ENOENT)
		log_warning("export-dir %s: %m: exports will fail (a unit with ProtectSystem=strict needs ReadWritePaths=)",
			    cfg->export_dir);
}

static int load_config(const struct vd_options *opts, struct tsm_config *cfg,
		       struct vd_policy **policy, EVP_PKEY **key, char *err, size_t errlen)
{
	const char *path = opts->config_path ? opts->config_path : TSM_CONFIG_PATH;
	struct tsm_error e;
	struct vd_policy *p;
	int r;

	tsm_error_clear(&e);
	/* Only the default file may be missing: an explicit --config must exist. */
	r = tsm_config_load(path, !opts->config_path, cfg, &e);
	if (r < 0) {
		snprintf(err, errlen, "%s", e.reason);
		return r;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	atomic_init(&p->refs, 1);
	r = tsm_policy_load_dir(cfg->policy_dir, cfg->trust_dir, &p->pol, &e);
	if (r < 0) {
		free(p);
		snprintf(err, errlen, "%s", e.reason);
		return r;
	}
	r = vd_policy_digest(cfg, p->pol, p->digest);
	if (r < 0) {
		tsm_policy_free(p->pol);
		free(p);
		snprintf(err, errlen, "cannot compute the policy digest: %s", strerror(-r));
		return r;
	}
	r = load_export_key(cfg, key, err, errlen);
	if (r < 0) {
		tsm_policy_free(p->pol);
		free(p);
		return r;
	}
	*policy = p;
	return 0;
}

int manager_reload(struct manager *m, char *err, size_t errlen)
{
	struct tsm_config cfg;
	struct vd_policy *p = NULL;
	EVP_PKEY *key = NULL;
	int r;

	vd_notify("RELOADING=1");
	r = load_config(&m->opts, &cfg, &p, &key, err, errlen);
	if (r < 0) {
		log_error("reload failed, keeping the old configuration and policy: %s", err);
		vd_notify("READY=1\nSTATUS=Reload failed; running with the previous policy");
		return r;
	}
	m->cfg = cfg;
	vd_policy_unref(m->policy);
	m->policy = p;
	/* queued exports hold their own reference to the old key */
	EVP_PKEY_free(m->export_key);
	m->export_key = key;
	export_dir_note(&m->cfg, key);
	/* anchors or CRLs may have changed: validate every chain afresh */
	tsm_verify_cache_clear(m->chain_cache);
	log_info("reloaded configuration and policy (%zu rules)", p->pol->nrules);
	devices_reevaluate(m);
	/* what the reload decided is on disk before `tsmctl reload` returns */
	state_flush(m);
	vd_notify("READY=1\nSTATUS=Running");
	return 0;
}

static int on_sighup(struct evsrc *s, const struct signalfd_siginfo *si, void *data)
{
	struct manager *m = data;
	char err[TSM_REASON_MAX];

	(void)s;
	(void)si;
	manager_reload(m, err, sizeof(err));
	return 0;
}

static int on_sigterm(struct evsrc *s, const struct signalfd_siginfo *si, void *data)
{
	struct manager *m = data;

	(void)s;
	log_info("received %s, stopping; held devices stay held", strsignal(si->ssi_signo));
	vd_notify("STOPPING=1");
	m->quitting = true;
	return evloop_exit(m->event, 0);
}

void manager_check_once(struct manager *m)
{
	if (m->opts.once && !m->quitting && !devices_busy(m)) {
		log_debug("--once: every device decided");
		m->quitting = true;
		evloop_exit(m->event, 0);
	}
}

/* listener: --once ends when nothing is left to decide */
static void once_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev)
{
	(void)d;
	if (ev != VD_EVENT_RESTORED)
		manager_check_once(m);
}

static void on_job_done(struct manager *m, struct vd_job *job)
{
	device_job_done(m, job);
	manager_check_once(m);
}

/*
 * The flow, wired in one place: udev.c and control.c feed the device state
 * machine (device.c); worker.c hands finished jobs back through
 * m->job_done; device.c announces its decisions to these listeners, in
 * this order: the journal record first (the audit trail is complete before
 * anyone acts on a decision), then state.json, then the control socket,
 * then export-dir (queued for its thread), then --once.
 */
static int wire(struct manager *m)
{
	static const vd_listener_fn listeners[] = {
		audit_on_event, state_on_event, control_on_event, export_on_event,
		once_on_event,
	};
	size_t i;
	int r;

	m->job_done = on_job_done;
	m->reload = manager_reload;
	for (i = 0; i < sizeof(listeners) / sizeof(listeners[0]); i++) {
		r = devices_listen(m, listeners[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int manager_new(struct manager **ret, const struct vd_options *opts)
{
	struct manager *m = calloc(1, sizeof(*m));
	char err[TSM_REASON_MAX];
	sigset_t ss;
	int r;

	if (!m)
		return log_error_errno(ENOMEM, "out of memory");
	m->opts = *opts;
	m->listen_fd = -1;
	m->result_pipe[0] = m->result_pipe[1] = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->idle, NULL);
	sysfs_init(NULL);
	r = wire(m);
	if (r < 0) {
		log_error_errno(r, "listeners: %m");
		goto fail;
	}

	r = load_config(opts, &m->cfg, &m->policy, &m->export_key, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		goto fail;
	}
	export_dir_note(&m->cfg, m->export_key);
	m->chain_cache = tsm_verify_cache_new(VD_CHAIN_CACHE_ENTRIES, VD_CHAIN_CACHE_TTL_S);
	if (!m->chain_cache) {
		r = log_error_errno(ENOMEM, "chain cache: out of memory");
		goto fail;
	}
	log_info("policy: %zu rules, default %s; mode %s, nonce %s, timeout %u ms",
		 m->policy->pol->nrules, tsm_target_name(m->policy->pol->default_target),
		 m->cfg.mode == TSM_MODE_AUDIT ? "audit" : "enforce",
		 m->cfg.nonce_required ? "required" : "optional", m->cfg.timeout_ms);

	/* ORDER: block the signals before any worker thread inherits the mask. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = evloop_new(&m->event);
	if (r < 0) {
		log_error_errno(r, "event loop: %m");
		goto fail;
	}
	evloop_set_watchdog(m->event);
	r = evloop_add_signal(m->event, NULL, SIGTERM, on_sigterm, m);
	if (r >= 0)
		r = evloop_add_signal(m->event, NULL, SIGINT, on_sigterm, m);
	if (r >= 0)
		r = evloop_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
	if (r < 0) {
		log_error_errno(r, "signal sources: %m");
		goto fail;
	}
	/* ORDER: signals blocked, so that its thread inherits the mask */
	r = exporter_setup(m);
	if (r < 0)
		goto fail;
	r = jobs_setup(m);
	if (r < 0)
		goto fail;
	r = udev_setup(m);
	if (r < 0)
		goto fail;
	if (!opts->once) {
		r = control_setup(m);
		if (r < 0)
			goto fail;
	}
	*ret = m;
	return 0;
fail:
	manager_free(m);
	return r < 0 ? r : -EINVAL;
}

int manager_run(struct manager *m)
{
	int r;

	/* the previous run's decisions, for the devices present now */
	state_snapshot_load(m);
	r = udev_coldplug(m);
	state_snapshot_drop(m);
	if (r < 0)
		return r;
	vd_notify("READY=1\nSTATUS=Running");
	manager_check_once(m);
	if (!m->quitting) {
		r = evloop_run(m->event);
		if (r < 0)
			log_error_errno(r, "event loop: %m");
	}
	/* SIGTERM, SIGINT, --once: the decisions not written yet */
	state_flush(m);
	log_debug("state.json written %lu times", m->state_writes);
	return r < 0 ? r : 0;
}

void manager_free(struct manager *m)
{
	if (!m)
		return;
	m->quitting = true;
	control_teardown(m);
	udev_teardown(m);
	jobs_shutdown(m);
	state_flush(m);		/* on every exit path; no-op when nothing changed */
	/* what is queued for export-dir is written before we go */
	exporter_teardown(m);
	devices_free(m);
	vd_policy_unref(m->policy);
	EVP_PKEY_free(m->export_key);
	/* ORDER: after jobs_shutdown(), no job holds it any more */
	tsm_verify_cache_free(m->chain_cache);
	evloop_free(m->event);
	pthread_cond_destroy(&m->idle);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
