/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tsm-verifierd: the manager owns the event loop, the device table, the
 * loaded configuration and policy, the udev monitor, the control socket
 * and the worker jobs. Everything here runs on the loop thread except the
 * job bodies (worker.c), which only see their struct vd_job.
 */
#ifndef TSM_VD_MANAGER_H
#define TSM_VD_MANAGER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>

#include "evloop.h"
#include <libudev.h>

#include "tsm.h"
#include "genl.h"
#include "sysfs.h"

#define VD_SOCKET_PATH		"/run/tsm-verifierd/control.sock"
#define VD_STATE_FILE		"state.json"
#define VD_MAX_ATTEMPTS		3	/* pipeline restarts on ESTALE */
/*
 * Concurrent jobs; more wait in a queue (their deadline counts from when
 * they leave it, device.c). The functions behind one bus take turns
 * anyway (worker.c): this bounds how many devices are asked for evidence
 * at once. Each worker costs ~10 KiB of stack that glibc keeps cached
 * after the thread ends, and a job's evidence and parsed chain in the heap
 * at the peak: 32 cost 0.3 MiB more than 8 with 256 functions decided
 * (docs/performance.md, footprint, with the fan-out figures measured).
 */
#define VD_MAX_WORKERS		8
/*
 * Stack of the daemon's threads (workers, exporter). Not glibc's default of
 * RLIMIT_STACK (8 MiB): on kernels before 6.8, where MAP_STACK does not
 * exclude transparent huge pages, a thread's first stack touch could take
 * a 2 MiB huge page (6.1 with THP enabled: +2 MiB of RSS for the exporter);
 * a mapping smaller than 2 MiB cannot hold one.
 */
#define VD_THREAD_STACK		(512 * 1024)
#define VD_NL_RETRIES		4	/* dump retries on EAGAIN */
#define VD_STATE_DELAY_MIN_MS	1000	/* state.json: first unsaved change to write */
#define VD_STATE_DELAY_MAX_MS	10000
#define VD_TIMEOUT_RETRIES	8	/* fresh runs after a timeout, with backoff */
#define VD_TIMEOUT_BACKOFF_MS	2000	/* first retry; doubles each time */
#define VD_TIMEOUT_BACKOFF_MAX_MS 300000
#define VD_MAX_LISTENERS	8
/*
 * The chain cache: one entry per distinct chain and anchor set. Functions
 * behind one device (SR-IOV VFs) share a chain, so a few entries cover
 * hundreds of functions; the bound keeps a host of many vendors small.
 */
#define VD_CHAIN_CACHE_ENTRIES	32
#define VD_CHAIN_CACHE_TTL_S	3600

/*
 * A device's decision history (tsmctl show): the newest VD_HISTORY_MAX
 * decisions and recovery events, in state.json across restarts.
 */
#define VD_HISTORY_MAX		16
#define VD_HIST_REASON_MAX	200
/* measurement blocks compared one by one across a recovery; the rest as one digest */
#define VD_REC_MEAS_MAX		16

enum vd_decision {
	VD_NONE = 0,
	VD_PENDING,
	VD_HELD,
	VD_ACCEPTED,
	VD_DENIED,
	VD_KEPT,
};

const char *vd_decision_name(enum vd_decision d);

/* A loaded policy, shared by reference with the jobs judging against it. */
struct vd_policy {
	atomic_int refs;
	struct tsm_policy *pol;
	/* SHA-256 (hex) of the config file, policy-dir and trust-dir contents */
	char digest[65];
};

struct vd_policy *vd_policy_ref(struct vd_policy *p);
void vd_policy_unref(struct vd_policy *p);

enum vd_job_kind {
	VD_JOB_VERIFY,		/* read with a fresh nonce, verify, evaluate, VALIDATE */
	VD_JOB_ADMIN_ACCEPT,	/* read, VALIDATE; no policy */
	VD_JOB_RECHECK,		/* an accepted device: its published evidence, evaluate */
};

/*
 * What the daemon keeps of the evidence it accepted, to compare with what
 * a device presents after it left RUN (recovery): the certificate chain
 * judged, each measurement block but the SVN, and the SVN.
 */
struct vd_evrec {
	bool valid;
	bool has_chain;
	uint8_t chain[32];		/* SHA-256 of the certificate chain object */
	bool has_svn;
	uint64_t svn;
	uint8_t nmeas;			/* blocks in meas_index/meas */
	bool meas_more;			/* more blocks than VD_REC_MEAS_MAX: see meas_rest */
	uint8_t meas_index[VD_REC_MEAS_MAX];
	uint8_t meas[VD_REC_MEAS_MAX][32];	/* SHA-256 of type and value of each block */
	uint8_t meas_rest[32];		/* SHA-256 over the blocks past VD_REC_MEAS_MAX */
};

enum vd_rec_cmp {
	VD_REC_SAME,		/* same chain, measurements and SVN */
	VD_REC_UPDATE,		/* the SVN went up (and anything else may have changed) */
	VD_REC_CHANGED,		/* something changed, the SVN did not go up */
	VD_REC_DOWNGRADE,	/* the SVN went down, or is gone */
};

/* The record of evidence |ev| as parsed into |p| (history.c). */
void vd_evrec_build(struct vd_evrec *rec, const struct tsm_evidence *ev,
		    const struct tsm_parsed *p);
/*
 * A device's copy of the record it was accepted with, the size of the
 * blocks it has (not VD_REC_MEAS_MAX of them). keep replaces |d|'s with
 * |rec| (valid), or drops it (-ENOMEM: nothing to compare with, as for a
 * lost record); get unpacks it into |out| and returns false when |d| has none.
 */
struct vd_device;
int vd_evrec_keep(struct vd_device *d, const struct vd_evrec *rec);
bool vd_evrec_get(const struct vd_device *d, struct vd_evrec *out);
void vd_evrec_drop(struct vd_device *d);
/* Compares |now| with |before|; |why| says what differs ("measurement 2 changed"). */
enum vd_rec_cmp vd_evrec_compare(const struct vd_evrec *before, const struct vd_evrec *now,
				 char *why, size_t len);

struct vd_hist {
	uint64_t usec;			/* CLOCK_REALTIME */
	char event[24];			/* what led to it: add, reload, left-run, ... */
	char cause[16];			/* recovery: reset, aer, error, suspend, ... */
	uint32_t generation;
	enum vd_decision decision;
	char reason[VD_HIST_REASON_MAX];
};

/* A recovery uevent of pci_tsm (docs/ABI.md 5.1). */
struct vd_recovery {
	char event[24];			/* left-run, reaccepted, needs-decision */
	char cause[16];
	char why[24];
	uint32_t generation;
	bool has_generation;
};

/* What a job found: filled by the worker, read by the loop afterwards. */
struct vd_verdict {
	enum tsm_target target;
	bool ok;		/* evidence judged (else |reason| says why not) */
	bool stale;		/* VALIDATE said ESTALE: start over */
	char rule[128];
	char check[TSM_CHECK_MAX];
	char reason[TSM_REASON_MAX];
	uint32_t generation;
	bool has_generation;
	bool device_evidence;
	bool nonce_used;
	uint8_t nonce[PCI_TSM_NONCE_SIZE];	/* the one the evidence answers */
	bool has_sha[PCI_TSM_EVIDENCE_TYPE_NR];
	uint8_t sha256[PCI_TSM_EVIDENCE_TYPE_NR][32];
	char *summary;		/* evidence summary (JSON text) or NULL: this read's part */
	char *summary_shared;	/* its chain and measurements part (evsummary_split) */
	char *bundle;		/* evidence bundle file text (export-dir) or NULL */
	struct vd_evrec rec;	/* of the evidence read (valid when it parsed) */
	bool rule_svn_min;	/* the deciding rule sets measurement.svn-min */
};

/*
 * Where jobs read evidence and send VALIDATE: the kernel over generic
 * netlink when NULL (the manager's |evsrc|); the unit tests put their own
 * evidence here. Called on worker threads.
 */
struct vd_evidence_source {
	/* |nonce| NULL: the published evidence. 0 or -errno; |raw| owns malloc'd objects */
	int (*read)(void *ctx, const char *bdf, const uint8_t *nonce, struct tsm_nl_evidence *raw);
	int (*validate)(void *ctx, const char *bdf, uint32_t generation);
	void *ctx;
};

struct vd_job {
	atomic_int refs;	/* the loop and the worker */
	enum vd_job_kind kind;
	uint64_t seq;		/* the device's add sequence when started */
	char bdf[TSM_BDF_MAX];
	int cancel_fd;		/* eventfd: removal, timeout, shutdown */
	atomic_bool cancelled;
	bool dispatched;	/* on a worker thread, not queued (loop side) */
	uint64_t dispatched_usec;	/* CLOCK_MONOTONIC when it left the queue */
	/* inputs (owned by the job) */
	struct vd_policy *policy;
	struct tsm_verify_cache *cache;	/* the manager's; outlives every job */
	struct tsm_device_id id;
	struct tsm_device_layout layout;
	bool has_layout;
	bool host_role;		/* link TSM: no report, no VALIDATE */
	bool nonce_required;
	const struct vd_evidence_source *src;	/* NULL: netlink */
	/*
	 * VD_JOB_RECHECK of evidence pci_tsm accepted itself (reaccepted, or
	 * in RUN when found): judged with the nonce its request carries.
	 */
	bool nonce_from_evidence;
	/* VD_JOB_RECHECK: the nonce the accepted evidence was signed over */
	bool has_accepted_nonce;
	uint8_t accepted_nonce[PCI_TSM_NONCE_SIZE];
	bool time_check;
	bool audit_mode;
	unsigned int timeout_ms;
	/* export-dir: bundle what is read (v.bundle), naming this TSM */
	bool want_bundle;
	char tsm_name[TSM_NAME_MAX];
	const char *tsm_mode;
	/*
	 * output: allocated when the job runs (job_verdict), so that the
	 * jobs queued at coldplug, one per device, stay small
	 */
	struct vd_verdict *v;
	struct vd_job *next;	/* queue of jobs waiting for a worker slot */
	struct vd_job *run_next; /* jobs on a worker thread (loop side) */
};

/*
 * The part of evidence summaries that the functions of one device have in
 * common (certificate chain, hwid, measurement blocks: evsummary_split),
 * kept once by content and counted by the devices holding it (record.c).
 * 256 VFs of one device hold one copy, not 256.
 */
struct vd_shared_text {
	unsigned int refs;
	struct vd_shared_text *next;
	char text[];
};

struct vd_device {
	struct manager *mgr;
	char bdf[TSM_BDF_MAX];
	uint64_t seq;		/* bumped on add and on every pipeline start */
	uint16_t vendor, device;
	uint32_t class_code;
	bool host_role;		/* link TSM: connect/disconnect */
	enum vd_decision decision;
	enum tsm_tdisp state;
	/*
	 * The decision's rule, check id and reason: into |words|, one
	 * allocation of their length (vd_device_set_words), or "".
	 */
	const char *rule;
	const char *check;
	const char *reason;
	char *words;
	bool admin;		/* decided by an administrator: sticky over reload */
	uint32_t generation;
	bool has_nonce;		/* the evidence judged answers |nonce| */
	uint8_t nonce[PCI_TSM_NONCE_SIZE];
	bool has_sha[PCI_TSM_EVIDENCE_TYPE_NR];
	uint8_t sha256[PCI_TSM_EVIDENCE_TYPE_NR][32];
	/* last evidence summary (JSON text): the function's own part, and the shared one */
	char *summary;
	struct vd_shared_text *summary_shared;
	char *bundle;		/* its evidence bundle (export-dir only), or NULL */
	uint64_t decided_usec;	/* CLOCK_REALTIME of the decision */
	char policy_digest[65];	/* vd_policy.digest when decided */
	unsigned int attempts;
	struct vd_job *job;	/* in flight, or NULL */
	struct evsrc *timer;	/* deadline of the current pipeline run */
	struct evsrc *retry;	/* backoff while waiting for evidence */
	unsigned int retries;
	struct evsrc *retry_start;	/* a fresh run after a timeout */
	unsigned int timeouts;	/* timeouts in a row */
	uint64_t started_usec;	/* CLOCK_MONOTONIC start of the run */
	/*
	 * recovery (docs/ABI.md 5.1): the evidence last accepted for this
	 * device, or NULL (vd_evrec_keep/vd_evrec_get, history.c)
	 */
	struct vd_evrec_kept *accepted;
	char recovery[16];	/* cause of the exit from RUN being decided, or "" */
	char event[24];		/* what the decision in the making answers (history) */
	struct vd_recovery last_recovery;	/* the last recovery uevent (watchers) */
	struct vd_hist *hist;	/* ring of nhist (<= VD_HISTORY_MAX) entries */
	unsigned int nhist, hist_head;	/* hist_head: the oldest entry */
	struct vd_device *next;
};

struct vd_options {
	const char *config_path;
	const char *socket_path;
	bool foreground;
	bool debug;
	bool once;
};

struct vd_client;
struct vd_exporter;
struct manager;
struct evp_pkey_st;

/*
 * What the device state machine (device.c) announces. It decides; the
 * listeners manager.c registers act on it: the journal record (audit.c),
 * the control socket's watchers and waiters (control.c), state.json
 * (state.c), --once (manager.c).
 */
enum vd_event {
	VD_EVENT_DECISION,	/* a new decision, pending included */
	VD_EVENT_RESTORED,	/* a decision kept from state.json after a restart */
	VD_EVENT_FORGOTTEN,	/* the device leaves the table (freed after the call) */
	VD_EVENT_RECOVERY,	/* a recovery uevent (d->last_recovery), before its decision */
};

typedef void (*vd_listener_fn)(struct manager *m, const struct vd_device *d, enum vd_event ev);

struct manager {
	struct evloop *event;
	struct vd_options opts;
	struct tsm_config cfg;
	struct vd_policy *policy;
	/* parsed chains and validated paths, by digest of their bytes (libtsm) */
	struct tsm_verify_cache *chain_cache;
	struct udev *udev;
	struct udev_monitor *monitor;
	struct evsrc *monitor_src;
	int listen_fd;
	struct evsrc *listen_src;
	struct vd_client *clients;
	struct vd_client *current_client;
	struct vd_device *devices;
	struct vd_shared_text *shared_texts;	/* summary parts devices share */
	uint64_t next_seq;
	vd_listener_fn listeners[VD_MAX_LISTENERS];
	unsigned int nlisteners;
	/* worker.c hands each finished job to this (manager.c wires device.c's) */
	void (*job_done)(struct manager *m, struct vd_job *job);
	/* control.c's reload verb (manager.c) */
	int (*reload)(struct manager *m, char *err, size_t errlen);
	unsigned long uevent_overflows;	/* ENOBUFS seen on the uevent socket */
	/* jobs */
	int result_pipe[2];	/* workers write finished job pointers */
	struct evsrc *result_src;
	struct vd_job *queue_head, *queue_tail;
	unsigned int running;	/* jobs on a worker thread */
	struct vd_job *running_jobs;
	pthread_mutex_t lock;	/* protects |live_threads| */
	pthread_cond_t idle;
	unsigned int live_threads;
	bool quitting;
	char devsec_tsm[TSM_NAME_MAX];	/* "" when none */
	char link_tsm[TSM_NAME_MAX];
	bool nl_fallback_logged;
	struct json_object *saved;	/* state.json as found at start, during coldplug */
	/* state.json writes, batched (state.c) */
	bool state_dirty;		/* decisions not written yet */
	struct evsrc *state_timer;	/* the write that is due */
	uint64_t state_cost_usec;	/* how long the last write took */
	unsigned long state_writes;	/* files written (tests, debug log) */
	/* export-dir (exporter.c) and the export-key of the configuration in force */
	struct vd_exporter *exporter;
	struct evp_pkey_st *export_key;
	/* where jobs read evidence: NULL for the kernel (tests set their own) */
	const struct vd_evidence_source *evsrc;
};

int manager_new(struct manager **ret, const struct vd_options *opts);
void manager_free(struct manager *m);
int manager_run(struct manager *m);
/* Re-reads config and policy; on error keeps the old ones. */
int manager_reload(struct manager *m, char *err, size_t errlen);

/* device.c: the per-device pipeline on the loop */
struct vd_device *device_find(struct manager *m, const char *bdf);
void device_added(struct manager *m, const char *bdf, bool coldplug);
void device_changed(struct manager *m, const char *bdf);
void device_removed(struct manager *m, const char *bdf);
/* A recovery uevent (PCI_TSM_EVENT, docs/ABI.md 5.1) of |bdf|. */
void device_recovery(struct manager *m, const char *bdf, const struct vd_recovery *ev);
/* The history entry |i| (0 the oldest) of |d|, or NULL. */
const struct vd_hist *device_history(const struct vd_device *d, unsigned int i);
/* Appends to |d|'s history (the oldest entry goes when it is full). */
void device_history_add(struct vd_device *d, const struct vd_hist *h);
void device_job_done(struct manager *m, struct vd_job *job);
/* A TSM came or went, or uevents were lost: reconcile the table with sysfs. */
void devices_rescan(struct manager *m);
int devices_listen(struct manager *m, vd_listener_fn fn);
void devices_announce(struct manager *m, const struct vd_device *d, enum vd_event ev);
bool devices_refresh_tsm(struct manager *m);
void devices_reevaluate(struct manager *m);
bool devices_busy(struct manager *m);
void devices_free(struct manager *m);
int device_admin_accept(struct manager *m, const char *bdf, char *err, size_t errlen);
int device_admin_deny(struct manager *m, const char *bdf, char *err, size_t errlen);
/* Detaches the driver, unlocks: out of RUN, as the administrator's deny. */
int device_admin_revoke(struct manager *m, const char *bdf, char *err, size_t errlen);

/* worker.c */
struct vd_job *job_new(enum vd_job_kind kind);
void job_unref(struct vd_job *job);
void job_cancel(struct vd_job *job);
/* |job|'s verdict, allocated on first use; false when out of memory. */
bool job_verdict(struct vd_job *job);
int job_submit(struct manager *m, struct vd_job *job);
void jobs_dispatch(struct manager *m);
int jobs_setup(struct manager *m);
/* Parse, verify and evaluate |raw| into job->v (no I/O; tests call it). */
void job_judge(struct vd_job *job, const struct tsm_nl_evidence *raw, const uint8_t *nonce);
void jobs_shutdown(struct manager *m);

/* udev.c */
int udev_setup(struct manager *m);
int udev_coldplug(struct manager *m);
void udev_teardown(struct manager *m);

/* audit.c */
void audit_decision(const struct manager *m, const struct vd_device *d);
void audit_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev);

/* state.c */
struct json_object;
struct json_object *device_to_json(const struct vd_device *d, bool full);
/* record.c: the parts of a full record (state.json, tsmctl show) */
struct json_object *evrec_to_json(const struct vd_evrec *r);
struct json_object *history_to_json(const struct vd_device *d);
/*
 * record.c: |d|'s evidence summary from the two texts evsummary_split made
 * of it (|shared| may be NULL; interned in d->mgr); clear drops it.
 */
int vd_summary_set(struct vd_device *d, const char *own, const char *shared);
void vd_summary_clear(struct vd_device *d);
/*
 * record.c: sets |d|'s rule, check and reason (NULL: ""), copies of their
 * length; the arguments may be |d|'s own. Out of memory: -ENOMEM, and the
 * words say so (check "internal"), never those of an older decision.
 */
int vd_device_set_words(struct vd_device *d, const char *rule, const char *check,
			const char *reason);
/* A decision changed: state.json is written soon, in a batch (state.c). */
void state_changed(struct manager *m);
/* listener: batched writes, an administrator's decision written through */
void state_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev);
/* Writes state.json now if anything changed since the last write. */
int state_flush(struct manager *m);
/* state.json of the previous run, consulted during coldplug only */
void state_snapshot_load(struct manager *m);
void state_snapshot_drop(struct manager *m);
/*
 * Restores a recorded decision from the snapshot: |want| VD_ACCEPTED for
 * a device in RUN with the recorded generation and evidence digests,
 * accepted under the same policy digest (or by the administrator),
 * VD_DENIED for a held device with the same identity judged under the
 * same policy digest. Returns 1 when restored, 0 when not, -ESTALE when
 * the record says accepted but not under this policy or evidence.
 */
int state_restore(struct manager *m, struct vd_device *d, enum vd_decision want);
/*
 * The history, the record of the evidence last accepted and a recovery in
 * progress of a device of the same identity, from the snapshot. Returns
 * the decision recorded there (VD_NONE when none).
 */
enum vd_decision state_restore_history(struct manager *m, struct vd_device *d);

/* exporter.c: export-dir, written by a thread of its own */
int exporter_setup(struct manager *m);
/* Writes what is queued (bounded wait), then stops. */
void exporter_teardown(struct manager *m);
/* Queues the files of |d|'s decision; never blocks, never fails the decision. */
void exporter_queue(struct manager *m, const struct vd_device *d);
void export_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev);
unsigned long exporter_written(const struct manager *m);
unsigned long exporter_failures(const struct manager *m);

/* control.c */
int control_setup(struct manager *m);
void control_teardown(struct manager *m);
void control_broadcast(struct manager *m, const struct vd_device *d);
void control_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev);

#endif /* TSM_VD_MANAGER_H */

#ifndef TSM_VERSION
#define TSM_VERSION "unknown"
#endif

void manager_check_once(struct manager *m);
