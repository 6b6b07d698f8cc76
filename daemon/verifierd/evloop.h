/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's event loop: file descriptors, one-shot CLOCK_MONOTONIC
 * timers and signals, on libev (evloop.c wraps it so that the callers keep
 * sd-event's semantics), and the systemd service protocols the daemon
 * speaks (readiness and watchdog notification, socket activation, native
 * journal records), written here from systemd's documentation of them.
 * Linking libsystemd for these mapped libsystemd and the six libraries it
 * needs (liblzma, libzstd, liblz4, libgcrypt, libgpg-error, libcap) into
 * the relying party: ~1.2 MiB of its resident memory and code it never
 * calls (docs/performance.md section 5, docs/HACKING.md).
 *
 * Semantics follow sd-event where the daemon relied on them: a timer fires
 * once, never before its time, and stays allocated (disabled) until its
 * owner frees it; a source may be freed from any callback, its own
 * included; a callback returning a negative errno disables its source.
 * Single-threaded: only the loop's thread calls these (workers talk to it
 * through a pipe).
 */
#ifndef VD_EVLOOP_H
#define VD_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/uio.h>

struct evloop;
struct evsrc;

typedef int (*evloop_io_fn)(struct evsrc *s, int fd, uint32_t revents, void *data);
typedef int (*evloop_time_fn)(struct evsrc *s, uint64_t usec, void *data);
typedef int (*evloop_signal_fn)(struct evsrc *s, const struct signalfd_siginfo *si,
				void *data);

int evloop_new(struct evloop **ret);
struct evloop *evloop_free(struct evloop *e);

/*
 * events: EPOLLIN and/or EPOLLOUT; revents: EPOLLIN, EPOLLOUT, EPOLLERR (a
 * hangup shows as EPOLLIN: read() returns 0). ret may be NULL for sources
 * that live as long as the loop.
 */
int evloop_add_io(struct evloop *e, struct evsrc **ret, int fd, uint32_t events,
		  evloop_io_fn cb, void *data);
/* usec: absolute CLOCK_MONOTONIC time; accuracy_usec: slack the caller allows */
int evloop_add_time(struct evloop *e, struct evsrc **ret, uint64_t usec,
		    uint64_t accuracy_usec, evloop_time_fn cb, void *data);
/* the caller blocks sig first (before any thread starts) */
int evloop_add_signal(struct evloop *e, struct evsrc **ret, int sig,
		      evloop_signal_fn cb, void *data);
/* disables and frees s (NULL allowed); returns NULL */
struct evsrc *evsrc_free(struct evsrc *s);
void evsrc_set_description(struct evsrc *s, const char *desc);

/* CLOCK_MONOTONIC now, in microseconds */
uint64_t evloop_now(void);
/* WATCHDOG_USEC for this process: ping the service manager at half of it */
int evloop_set_watchdog(struct evloop *e);
int evloop_exit(struct evloop *e, int code);
/* one iteration, waiting at most timeout_usec (UINT64_MAX: no limit) */
int evloop_run_once(struct evloop *e, uint64_t timeout_usec);
/* until evloop_exit(); returns its code */
int evloop_run(struct evloop *e);

/* sd_notify(3)'s protocol: state to $NOTIFY_SOCKET; 0 when there is none */
int vd_notify(const char *state);
/* sd_listen_fds(3) and sd_is_socket_unix(3) for the one socket we take */
#define VD_LISTEN_FDS_START 3
int vd_listen_fds(void);
bool vd_is_listening_unix_stream(int fd);
/* vd_journal_sendv(3): "FIELD=value" items as one native journal record */
int vd_journal_sendv(const struct iovec *iov, int n);

#endif
