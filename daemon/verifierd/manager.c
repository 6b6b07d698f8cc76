// SPDX-License-Identifier: GPL-2.0-only
/*
 * The manager: builds everything in order (config, policy, jobs, udev,
 * control socket), runs sd-event, reloads on SIGHUP, and tears down in
 * reverse. Devices stay as they are on exit: held stays held.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "manager.h"

const char *vd_decision_name(enum vd_decision d)
{
	switch (d) {
	case VD_PENDING:
		return "pending";
	case VD_HELD:
		return "held";
	case VD_ACCEPTED:
		return "accepted";
	case VD_DENIED:
		return "denied";
	case VD_KEPT:
		return "kept";
	default:
		return "none";
	}
}

struct vd_policy *vd_policy_ref(struct vd_policy *p)
{
	if (p)
		atomic_fetch_add(&p->refs, 1);
	return p;
}

void vd_policy_unref(struct vd_policy *p)
{
	if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
		tsm_policy_free(p->pol);
		free(p);
	}
}

static void digest_file(EVP_MD_CTX *ctx, const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	EVP_DigestUpdate(ctx, path, strlen(path) + 1);
	if (!f) {
		EVP_DigestUpdate(ctx, "-", 1);
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	EVP_DigestUpdate(ctx, ferror(f) ? "!" : "+", 1);
	fclose(f);
}

static int no_dots(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static void digest_dir(EVP_MD_CTX *ctx, const char *dir)
{
	struct dirent **names;
	char path[TSM_PATH_MAX + 256];
	struct stat st;
	int i, n = scandir(dir, &names, no_dots, alphasort);

	EVP_DigestUpdate(ctx, dir, strlen(dir) + 1);
	if (n < 0) {
		EVP_DigestUpdate(ctx, "-", 1);
		return;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) <
		    (int)sizeof(path) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			digest_file(ctx, path);
		free(names[i]);
	}
	free(names);
}

/*
 * What the decisions depend on: the config file, every file in the policy
 * and trust directories (names and contents). A restart keeps earlier
 * denials only while this is unchanged.
 */
static void policy_digest(const char *config, const struct tsm_config *cfg, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	out[0] = '\0';
	if (!ctx)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		digest_file(ctx, config);
		digest_dir(ctx, cfg->policy_dir);
		digest_dir(ctx, cfg->trust_dir);
		if (EVP_DigestFinal_ex(ctx, md, &len) != 1)
			len = 0;
	}
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int load_config(const struct vd_options *opts, struct tsm_config *cfg,
		       struct vd_policy **policy, char *err, size_t errlen)
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
	policy_digest(path, cfg, p->digest);
	*policy = p;
	return 0;
}

int manager_reload(struct manager *m, char *err, size_t errlen)
{
	struct tsm_config cfg;
	struct vd_policy *p = NULL;
	int r;

	sd_notify(0, "RELOADING=1");
	r = load_config(&m->opts, &cfg, &p, err, errlen);
	if (r < 0) {
		log_error("reload failed, keeping the old configuration and policy: %s", err);
		sd_notify(0, "READY=1\nSTATUS=Reload failed; running with the previous policy");
		return r;
	}
	m->cfg = cfg;
	vd_policy_unref(m->policy);
	m->policy = p;
	log_info("reloaded configuration and policy (%zu rules)", p->pol->nrules);
	devices_reevaluate(m);
	/* what the reload decided is on disk before `tsmctl reload` returns */
	state_flush(m);
	sd_notify(0, "READY=1\nSTATUS=Running");
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *data)
{
	struct manager *m = data;
	char err[TSM_REASON_MAX];

	(void)s;
	(void)si;
	manager_reload(m, err, sizeof(err));
	return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *data)
{
	struct manager *m = data;

	(void)s;
	log_info("received %s, stopping; held devices stay held", strsignal(si->ssi_signo));
	sd_notify(0, "STOPPING=1");
	m->quitting = true;
	return sd_event_exit(m->event, 0);
}

void manager_check_once(struct manager *m)
{
	if (m->opts.once && !m->quitting && !devices_busy(m)) {
		log_debug("--once: every device decided");
		m->quitting = true;
		sd_event_exit(m->event, 0);
	}
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

	r = load_config(opts, &m->cfg, &m->policy, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
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

	r = sd_event_default(&m->event);
	if (r < 0) {
		log_error_errno(r, "sd_event_default: %m");
		goto fail;
	}
	sd_event_set_watchdog(m->event, true);
	r = sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m);
	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m);
	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
	if (r < 0) {
		log_error_errno(r, "signal sources: %m");
		goto fail;
	}
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
	sd_notify(0, "READY=1\nSTATUS=Running");
	manager_check_once(m);
	if (!m->quitting) {
		r = sd_event_loop(m->event);
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
	devices_free(m);
	vd_policy_unref(m->policy);
	sd_event_unref(m->event);
	pthread_cond_destroy(&m->idle);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
