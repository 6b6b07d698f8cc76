// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decision state: in memory in the device table, and persisted to
 * STATE_DIR/state.json (written to a temporary file, fsync'd, renamed,
 * and the directory fsync'd so that the rename survives a power loss).
 * The file serves two readers: `tsmctl list/show` when the daemon is not
 * running (they mark the output as possibly stale), and the daemon itself
 * after a restart (read once, before coldplug), which keeps a recorded
 * "accepted" only for a device still in RUN with the same evidence
 * generation, and a recorded "denied" only for a device still held with
 * the same identity, judged under the same configuration, policy and
 * trust anchors (policy digest). Everything else is re-derived from sysfs.
 * It is never used to accept anything: RUN is the kernel's.
 * It also carries what outlives a decision: each device's history, the
 * record of the evidence last accepted and a recovery being decided
 * (state_restore_history, for a device of the same identity), so that a
 * restart neither forgets a downgrade nor the history `tsmctl show` prints.
 *
 * Writes are batched. The file holds every device, so writing it on every
 * decision made a fan-out of n devices cost O(n^2) (2n rewrites of n
 * records). A decision marks the state dirty and arms one timer: the file
 * is written VD_STATE_DELAY_MIN_MS after the first unsaved change (longer
 * when a write itself is slow, so that writing stays a small share of the
 * loop's time), and at once on shutdown (SIGTERM, SIGINT, --once) and
 * after a reload.
 *
 * Crash consistency (the daemon killed between two writes): the journal
 * record of every decision is written when it is made, before a driver is
 * probed, so the audit trail is complete. state.json may lack the last
 * decisions, which the restarted daemon then re-derives fail-closed:
 *  - a lost "accepted": the device is in RUN (the kernel's state), so it
 *    is recorded as "kept", never locked or unbound; nothing is granted;
 *  - a lost policy "denied": the device is unlocked and held, so it is
 *    judged again under the same policy and denied again;
 *  - a stale record never grants either: "accepted" needs RUN with the
 *    recorded generation, "denied" only keeps a device out.
 * The one decision sysfs cannot re-derive is an administrator's: a lost
 * `tsmctl deny` would be judged by the policy, which may accept. So
 * decisions of a device with the admin flag are written through
 * (state_flush before the control socket answers).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "evsummary.h"
#include "log.h"
#include "manager.h"

static int state_path(const struct manager *m, char *buf, size_t len, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s%s", m->cfg.state_dir, VD_STATE_FILE, suffix);

	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

static uint64_t now_mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return log_warning_errno(errno, "state dir %s: %m", dir);
	if (fsync(fd) < 0)
		r = log_warning_errno(errno, "fsync %s: %m", dir);
	close(fd);
	return r;
}

/*
 * Writes every device to state.json now: temporary file, fsync, rename,
 * fsync of the directory.
 */
static int state_write(struct manager *m)
{
	char path[TSM_PATH_MAX + 32], tmp[TSM_PATH_MAX + 32];
	struct vd_device *d;
	FILE *f;
	int fd, r = 0;

	if (state_path(m, path, sizeof(path), "") || state_path(m, tmp, sizeof(tmp), ".tmp"))
		return -ENAMETOOLONG;
	if (mkdir(m->cfg.state_dir, 0700) < 0 && errno != EEXIST)
		return log_warning_errno(errno, "state dir %s: %m", m->cfg.state_dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_warning_errno(errno, "%s: %m", tmp);
	f = fdopen(fd, "w");
	if (!f) {
		r = log_warning_errno(errno, "%s: %m", tmp);
		close(fd);
		unlink(tmp);
		return r;
	}
	/*
	 * One device at a time: the JSON tree of every device with its
	 * evidence summary at once was most of the daemon's peak memory
	 * with a few hundred devices.
	 */
	fprintf(f, "{\n  \"version\": 1,\n  \"pid\": %d,\n  \"devices\": [", (int)getpid());
	for (d = m->devices; d; d = d->next) {
		struct json_object *o = device_to_json(d, true);

		fprintf(f, "%s\n%s", d == m->devices ? "" : ",",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
	}
	fprintf(f, "\n  ]\n}\n");
	errno = 0;
	if (fflush(f) != 0 || ferror(f) || fsync(fd) < 0)
		r = log_warning_errno(errno ? errno : EIO, "%s: %m", tmp);
	if (fclose(f) != 0 && !r)
		r = log_warning_errno(errno ? errno : EIO, "%s: %m", tmp);
	if (!r && rename(tmp, path) < 0)
		r = log_warning_errno(errno, "rename %s: %m", path);
	/* the rename itself is durable only once the directory is synced */
	if (!r)
		r = sync_dir(m->cfg.state_dir);
	if (r)
		unlink(tmp);
	else
		m->state_writes++;
	return r;
}

static int on_state_timer(struct evsrc *s, uint64_t usec, void *data)
{
	struct manager *m = data;

	(void)s;
	(void)usec;
	state_flush(m);
	return 0;
}

int state_flush(struct manager *m)
{
	uint64_t t0;
	int r;

	m->state_timer = evsrc_free(m->state_timer);
	if (!m->state_dirty)
		return 0;
	t0 = now_mono_usec();
	r = state_write(m);
	m->state_cost_usec = now_mono_usec() - t0;
	/*
	 * A failed write (logged by state_write) stays dirty: the next change's
	 * timer, a reload or the shutdown flush tries again.
	 */
	m->state_dirty = r < 0;
	return r;
}

void state_changed(struct manager *m)
{
	uint64_t now, delay;

	m->state_dirty = true;
	if (m->state_timer)
		return;		/* a write is due already: bounded latency */
	delay = 20 * m->state_cost_usec;	/* writing: at most ~5 % of the time */
	if (delay < VD_STATE_DELAY_MIN_MS * 1000ULL)
		delay = VD_STATE_DELAY_MIN_MS * 1000ULL;
	if (delay > VD_STATE_DELAY_MAX_MS * 1000ULL)
		delay = VD_STATE_DELAY_MAX_MS * 1000ULL;
	now = evloop_now();
	if (!m->event || m->quitting ||
	    evloop_add_time(m->event, &m->state_timer, now + delay,
			    10000, on_state_timer, m) < 0) {
		state_flush(m);		/* no loop to wait for: write through */
		return;
	}
	evsrc_set_description(m->state_timer, "state-save");
}

void state_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev)
{
	/* an administrator's decision is written through (see above) */
	if (ev == VD_EVENT_DECISION && d->admin) {
		m->state_dirty = true;
		state_flush(m);
		return;
	}
	state_changed(m);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

void state_snapshot_load(struct manager *m)
{
	char path[TSM_PATH_MAX + 32];
	struct json_object *arr;

	state_snapshot_drop(m);
	if (state_path(m, path, sizeof(path), ""))
		return;
	m->saved = json_object_from_file(path);
	if (m->saved && (!json_object_object_get_ex(m->saved, "devices", &arr) ||
			 !json_object_is_type(arr, json_type_array))) {
		log_warning("%s: no device array; ignored", path);
		state_snapshot_drop(m);
	}
}

void state_snapshot_drop(struct manager *m)
{
	if (m->saved)
		json_object_put(m->saved);
	m->saved = NULL;
}

static struct json_object *saved_device(struct manager *m, const char *bdf)
{
	struct json_object *arr;
	size_t i;

	if (!m->saved || !json_object_object_get_ex(m->saved, "devices", &arr))
		return NULL;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (json_object_is_type(o, json_type_object) && !strcmp(jstr(o, "device"), bdf))
			return o;
	}
	return NULL;
}

/*
 * Denials that say more about the machine at the time than about the
 * device: a restart (e.g. after fixing the unit) tries those again.
 */
static bool transient_check(const char *check)
{
	static const char *const list[] = { "device.config", "timeout", "internal", "removed" };
	size_t i;

	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (!strcmp(check, list[i]))
			return true;
	return false;
}

static bool same_identity(struct json_object *o, const struct vd_device *d)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%04x", d->vendor);
	if (strcmp(jstr(o, "vendor"), buf))
		return false;
	snprintf(buf, sizeof(buf), "0x%04x", d->device);
	if (strcmp(jstr(o, "device_id"), buf))
		return false;
	snprintf(buf, sizeof(buf), "0x%06x", d->class_code);
	return !strcmp(jstr(o, "class"), buf);
}

static void restore_evidence(struct json_object *o, struct vd_device *d)
{
	struct json_object *sha, *ev;
	unsigned int t;

	memset(d->has_sha, 0, sizeof(d->has_sha));
	if (json_object_object_get_ex(o, "evidence_sha256", &sha) &&
	    json_object_is_type(sha, json_type_object)) {
		for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
			const char *hex = jstr(sha, tsm_evidence_type_name(t));
			unsigned int i, b;

			if (strlen(hex) != 64)
				continue;
			for (i = 0; i < 32 && sscanf(hex + 2 * i, "%2x", &b) == 1; i++)
				d->sha256[t][i] = b;
			d->has_sha[t] = i == 32;
		}
	}
	d->has_nonce = false;
	if (strlen(jstr(o, "nonce")) == 2 * sizeof(d->nonce)) {
		const char *hex = jstr(o, "nonce");
		unsigned int i, b;

		for (i = 0; i < sizeof(d->nonce) && sscanf(hex + 2 * i, "%2x", &b) == 1; i++)
			d->nonce[i] = b;
		d->has_nonce = i == sizeof(d->nonce);
	}
	vd_summary_clear(d);
	if (json_object_object_get_ex(o, "evidence", &ev) &&
	    json_object_is_type(ev, json_type_object)) {
		struct json_object *own, *shared;

		evsummary_split(ev, &own, &shared);
		if (own && vd_summary_set(d, json_object_to_json_string_ext(own, JSON_C_TO_STRING_PLAIN),
					  shared ? json_object_to_json_string_ext(shared,
						JSON_C_TO_STRING_PLAIN) : NULL) < 0)
			log_warning("%s: out of memory restoring the evidence summary", d->bdf);
		json_object_put(own);
		json_object_put(shared);
	}
}

static bool has_evidence_digest(struct json_object *o)
{
	struct json_object *sha;

	return json_object_object_get_ex(o, "evidence_sha256", &sha) &&
	       json_object_is_type(sha, json_type_object) && json_object_object_length(sha) > 0;
}

int state_restore(struct manager *m, struct vd_device *d, enum vd_decision want)
{
	struct json_object *o = saved_device(m, d->bdf), *v;
	uint32_t cur = 0;
	bool admin = false, stale = false;

	if (!o || strcmp(jstr(o, "decision"), vd_decision_name(want)))
		return 0;
	if (json_object_object_get_ex(o, "admin", &v))
		admin = json_object_get_boolean(v);
	if (want == VD_ACCEPTED) {
		if (sysfs_dev_generation(d->bdf, &cur) < 0)
			return 0;
		/*
		 * The policy's acceptance holds for the evidence it judged under
		 * that policy: same generation, digests on record, same policy
		 * digest. An administrator's holds while the device is in RUN.
		 */
		if (!admin && (!json_object_object_get_ex(o, "generation", &v) ||
			       json_object_get_int64(v) != cur || !has_evidence_digest(o) ||
			       !m->policy || strcmp(jstr(o, "policy_digest"), m->policy->digest)))
			stale = true;	/* restored only to be judged again */
	} else if (want == VD_DENIED) {
		if (!same_identity(o, d) || transient_check(jstr(o, "check")))
			return 0;
		/* an administrator's deny holds whatever the policy says */
		if (!admin && (!m->policy || strcmp(jstr(o, "policy_digest"), m->policy->digest)))
			return 0;
		if (json_object_object_get_ex(o, "generation", &v) &&
		    json_object_get_int64(v) >= 0 && json_object_get_int64(v) <= UINT32_MAX)
			cur = json_object_get_int64(v);
	} else {
		return 0;
	}
	/* the decision as it was made: nothing about it changes on a restart */
	restore_evidence(o, d);
	d->generation = cur;
	d->admin = admin;
	d->decided_usec = 0;
	if (json_object_object_get_ex(o, "decided_usec", &v) && json_object_get_int64(v) > 0)
		d->decided_usec = json_object_get_int64(v);
	if (vd_device_set_words(d, jstr(o, "rule"), jstr(o, "check"), jstr(o, "reason")) < 0)
		log_warning("%s: out of memory restoring the reason of its decision", d->bdf);
	snprintf(d->policy_digest, sizeof(d->policy_digest), "%s", jstr(o, "policy_digest"));
	return stale ? -ESTALE : 1;
}

static bool unhex32(const char *hex, uint8_t out[32])
{
	return strlen(hex) == 64 && tsm_unhex(hex, out, 32) == 32;
}

static enum vd_decision decision_of(const char *name)
{
	enum vd_decision d;

	for (d = VD_PENDING; d <= VD_KEPT; d++)
		if (!strcmp(name, vd_decision_name(d)))
			return d;
	return VD_NONE;
}

static void restore_evrec(struct json_object *o, struct vd_evrec *r)
{
	struct json_object *v, *meas;

	memset(r, 0, sizeof(*r));
	if (!unhex32(jstr(o, "chain_sha256"), r->chain))
		return;
	r->has_chain = true;
	if (json_object_object_get_ex(o, "svn", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= 0) {
		r->has_svn = true;
		r->svn = json_object_get_int64(v);
	}
	if (json_object_object_get_ex(o, "measurements_sha256", &meas) &&
	    json_object_is_type(meas, json_type_object)) {
		json_object_object_foreach(meas, key, val) {
			char *end;
			unsigned long idx = strtoul(key, &end, 10);

			if (*end || idx < 1 || idx > 254 || r->nmeas >= VD_REC_MEAS_MAX ||
			    !json_object_is_type(val, json_type_string) ||
			    !unhex32(json_object_get_string(val), r->meas[r->nmeas]))
				return;		/* not valid */
			r->meas_index[r->nmeas++] = idx;
		}
	}
	if (json_object_object_get_ex(o, "measurements_rest_sha256", &v)) {
		if (!unhex32(jstr(o, "measurements_rest_sha256"), r->meas_rest))
			return;
		r->meas_more = true;
	}
	r->valid = true;
}

enum vd_decision state_restore_history(struct manager *m, struct vd_device *d)
{
	struct json_object *o = saved_device(m, d->bdf), *v, *hist;
	size_t i;

	if (!o || !same_identity(o, d))
		return VD_NONE;
	if (json_object_object_get_ex(o, "accepted_evidence", &v) &&
	    json_object_is_type(v, json_type_object)) {
		struct vd_evrec rec;

		restore_evrec(v, &rec);
		if (vd_evrec_keep(d, &rec) < 0)
			log_warning("%s: out of memory restoring the record of its accepted evidence",
				    d->bdf);
	}
	snprintf(d->recovery, sizeof(d->recovery), "%s", jstr(o, "recovery"));
	if (json_object_object_get_ex(o, "history", &hist) &&
	    json_object_is_type(hist, json_type_array)) {
		size_t n = json_object_array_length(hist);

		/* the newest VD_HISTORY_MAX, should the file hold more */
		for (i = n > VD_HISTORY_MAX ? n - VD_HISTORY_MAX : 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(hist, i);
			struct vd_hist h = { 0 };

			if (!json_object_is_type(e, json_type_object))
				continue;
			if (json_object_object_get_ex(e, "time_usec", &v))
				h.usec = json_object_get_int64(v);
			if (json_object_object_get_ex(e, "generation", &v) &&
			    json_object_get_int64(v) >= 0 && json_object_get_int64(v) <= UINT32_MAX)
				h.generation = json_object_get_int64(v);
			h.decision = decision_of(jstr(e, "decision"));
			snprintf(h.event, sizeof(h.event), "%s", jstr(e, "event"));
			snprintf(h.cause, sizeof(h.cause), "%s", jstr(e, "cause"));
			snprintf(h.reason, sizeof(h.reason), "%s", jstr(e, "reason"));
			device_history_add(d, &h);
		}
	}
	return decision_of(jstr(o, "decision"));
}
