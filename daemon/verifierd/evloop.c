// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's event loop on libev (one-shot timers, file descriptors and a
 * signalfd as ev_io watchers), and the systemd service protocols
 * (evloop.h says why they are not libsystemd's).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ev.h>

#include "evloop.h"
#include "log.h"

enum evsrc_type { EVSRC_IO, EVSRC_TIME, EVSRC_SIGNAL };

struct evsrc {
	union {			/* first: libev hands the watcher to the callbacks */
		ev_io io;
		ev_timer timer;
	} w;
	struct evloop *e;
	enum evsrc_type type;
	int sig;		/* EVSRC_SIGNAL */
	uint64_t usec;		/* EVSRC_TIME: when */
	union {
		evloop_io_fn io;
		evloop_time_fn time;
		evloop_signal_fn signal;
	} cb;
	void *data;
	const char *desc;
	struct evsrc *next;	/* signals */
};

struct evloop {
	struct ev_loop *loop;
	int sigfd;		/* -1 until the first signal source */
	ev_io sigw;
	sigset_t sigs;
	struct evsrc *signals;
	ev_timer wd;		/* watchdog pings, when WATCHDOG_USEC asks */
	struct evsrc *current;	/* whose callback runs; NULL once it is freed */
	unsigned int sig_frees;	/* signal sources freed, to stop a scan */
	bool exiting;
	int exit_code;
};

uint64_t evloop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void on_signalfd(struct ev_loop *loop, ev_io *w, int revents);

int evloop_new(struct evloop **ret)
{
	struct evloop *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->sigfd = -1;
	sigemptyset(&e->sigs);
	/*
	 * epoll, as before; EVFLAG_NOENV: LIBEV_FLAGS does not pick another;
	 * EVFLAG_NOSIGMASK: signals come through our signalfd, libev leaves
	 * the mask alone.
	 */
	e->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV | EVFLAG_NOSIGMASK);
	if (!e->loop) {
		free(e);
		return -ENOMEM;
	}
	ev_set_userdata(e->loop, e);
	ev_init(&e->sigw, on_signalfd);
	ev_init(&e->wd, NULL);
	*ret = e;
	return 0;
}

/*
 * libev's *_stop() also drops the watcher's pending event, so a source
 * stopped and freed by a callback is not called for an event of it still
 * in this iteration's batch (test-evloop.c's test_free_in_callback).
 */
static void evsrc_disable(struct evsrc *s)
{
	struct evsrc **pp;

	switch (s->type) {
	case EVSRC_IO:
		ev_io_stop(s->e->loop, &s->w.io);
		break;
	case EVSRC_TIME:
		ev_timer_stop(s->e->loop, &s->w.timer);
		break;
	case EVSRC_SIGNAL:
		for (pp = &s->e->signals; *pp; pp = &(*pp)->next)
			if (*pp == s) {
				*pp = s->next;
				break;
			}
		s->next = NULL;
		break;
	}
}

struct evsrc *evsrc_free(struct evsrc *s)
{
	if (!s)
		return NULL;
	evsrc_disable(s);
	if (s->e->current == s)
		s->e->current = NULL;
	if (s->type == EVSRC_SIGNAL)
		s->e->sig_frees++;
	free(s);
	return NULL;
}

void evsrc_set_description(struct evsrc *s, const char *desc)
{
	if (s)
		s->desc = desc;
}

static struct evsrc *evsrc_new(struct evloop *e, enum evsrc_type type, void *data)
{
	struct evsrc *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->e = e;
	s->type = type;
	s->data = data;
	return s;
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct evsrc *s = (struct evsrc *)w;
	struct evloop *e = s->e;
	uint32_t ev = 0;
	int r;

	/* libev reports hangups and errors as readiness; read() then tells */
	if (revents & EV_READ)
		ev |= EPOLLIN;
	if (revents & EV_WRITE)
		ev |= EPOLLOUT;
	if (revents & EV_ERROR)
		ev |= EPOLLERR;
	e->current = s;
	r = s->cb.io(s, w->fd, ev, s->data);
	/* a source its own callback freed has nothing left to disable */
	if (r < 0 && e->current == s) {
		log_debug("event source %s failed; disabled",
			  s->desc ? s->desc : "(unnamed)");
		ev_io_stop(loop, w);
	}
	e->current = NULL;
}

int evloop_add_io(struct evloop *e, struct evsrc **ret, int fd, uint32_t events,
		  evloop_io_fn cb, void *data)
{
	struct evsrc *s;
	int what = 0;

	if (fd < 0 || (events & ~(uint32_t)(EPOLLIN | EPOLLOUT)))
		return -EINVAL;
	s = evsrc_new(e, EVSRC_IO, data);
	if (!s)
		return -ENOMEM;
	if (events & EPOLLIN)
		what |= EV_READ;
	if (events & EPOLLOUT)
		what |= EV_WRITE;
	s->cb.io = cb;
	ev_io_init(&s->w.io, on_io, fd, what);
	ev_io_start(e->loop, &s->w.io);
	if (ret)
		*ret = s;
	return 0;
}

/* seconds from libev's notion of now (its cached monotonic time) to usec */
static ev_tstamp time_until(struct evloop *e, uint64_t usec)
{
	uint64_t now;

	ev_now_update(e->loop);
	now = evloop_now();
	return usec > now ? (ev_tstamp)(usec - now) / 1e6 : 0.;
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct evsrc *s = (struct evsrc *)w;

	(void)revents;
	/* libev may wake a little early (rounding); never call before usec */
	if (evloop_now() < s->usec) {
		ev_timer_set(w, time_until(s->e, s->usec), 0.);
		ev_timer_start(loop, w);
		return;
	}
	s->cb.time(s, s->usec, s->data);
}

int evloop_add_time(struct evloop *e, struct evsrc **ret, uint64_t usec,
		    uint64_t accuracy_usec, evloop_time_fn cb, void *data)
{
	struct evsrc *s = evsrc_new(e, EVSRC_TIME, data);

	(void)accuracy_usec;	/* fired when due; nothing to batch them with */
	if (!s)
		return -ENOMEM;
	s->usec = usec;
	s->cb.time = cb;
	/* one-shot (no repeat): stopped once fired, freed by its owner */
	ev_timer_init(&s->w.timer, on_timer, time_until(e, usec), 0.);
	ev_timer_start(e->loop, &s->w.timer);
	if (ret)
		*ret = s;
	return 0;
}

static void on_signalfd(struct ev_loop *loop, ev_io *w, int revents)
{
	struct evloop *e = ev_userdata(loop);
	struct signalfd_siginfo si;
	struct evsrc *s, *next;
	unsigned int frees;
	int r;

	(void)w;
	(void)revents;
	while (read(e->sigfd, &si, sizeof(si)) == sizeof(si))
		for (s = e->signals; s; s = next) {
			next = s->next;
			if (s->sig != (int)si.ssi_signo)
				continue;
			frees = e->sig_frees;
			e->current = s;
			r = s->cb.signal(s, &si, s->data);
			if (r < 0 && e->current == s)
				evsrc_disable(s);
			e->current = NULL;
			/* a callback freed signal sources: |next| may be one */
			if (e->sig_frees != frees)
				break;
		}
}

int evloop_add_signal(struct evloop *e, struct evsrc **ret, int sig,
		      evloop_signal_fn cb, void *data)
{
	struct evsrc *s;
	int fd;

	s = evsrc_new(e, EVSRC_SIGNAL, data);
	if (!s)
		return -ENOMEM;
	sigaddset(&e->sigs, sig);
	fd = signalfd(e->sigfd, &e->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		sigdelset(&e->sigs, sig);
		free(s);
		return r;
	}
	if (e->sigfd < 0) {
		e->sigfd = fd;
		ev_io_set(&e->sigw, fd, EV_READ);
		ev_io_start(e->loop, &e->sigw);
	}
	s->sig = sig;
	s->cb.signal = cb;
	s->next = e->signals;
	e->signals = s;
	if (ret)
		*ret = s;
	return 0;
}

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	vd_notify("WATCHDOG=1");
}

int evloop_set_watchdog(struct evloop *e)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!usec)
		return 0;
	if (pid && strtol(pid, NULL, 10) != getpid())
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || !v)
		return -EINVAL;
	/* at half the interval, repeating; it does not keep evloop_run going */
	ev_timer_stop(e->loop, &e->wd);
	ev_timer_init(&e->wd, on_watchdog, (ev_tstamp)(v / 2) / 1e6, (ev_tstamp)(v / 2) / 1e6);
	ev_timer_start(e->loop, &e->wd);
	ev_unref(e->loop);
	return 1;
}

int evloop_exit(struct evloop *e, int code)
{
	e->exiting = true;
	e->exit_code = code;
	ev_break(e->loop, EVBREAK_ALL);
	return 0;
}

static void on_wait_over(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

int evloop_run_once(struct evloop *e, uint64_t timeout_usec)
{
	ev_timer limit;

	if (timeout_usec == UINT64_MAX) {
		ev_run(e->loop, EVRUN_ONCE);
		return 0;
	}
	/* EVRUN_ONCE waits for any event: this timer bounds the wait */
	ev_timer_init(&limit, on_wait_over, (ev_tstamp)timeout_usec / 1e6, 0.);
	ev_timer_start(e->loop, &limit);
	ev_run(e->loop, EVRUN_ONCE);
	ev_timer_stop(e->loop, &limit);
	return 0;
}

int evloop_run(struct evloop *e)
{
	while (!e->exiting) {
		/* returns on evloop_exit, or when nothing is left to wait for */
		if (!ev_run(e->loop, 0) && !e->exiting)
			return -EINVAL;
	}
	return e->exit_code;
}

struct evloop *evloop_free(struct evloop *e)
{
	struct evsrc *s;

	if (!e)
		return NULL;
	while ((s = e->signals)) {
		e->signals = s->next;
		free(s);
	}
	if (ev_is_active(&e->wd)) {
		ev_ref(e->loop);
		ev_timer_stop(e->loop, &e->wd);
	}
	ev_io_stop(e->loop, &e->sigw);
	if (e->sigfd >= 0)
		close(e->sigfd);
	ev_loop_destroy(e->loop);
	free(e);
	return NULL;
}

/* ---- systemd's service protocols ------------------------------------- */

/* sa for the path (or "@abstract" name) in env; its length, or -errno */
static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((path[0] != '/' && path[0] != '@') || len < 2 || len >= sizeof(sa->sun_path))
		return -EINVAL;
	memcpy(sa->sun_path, path, len);
	if (path[0] == '@')
		sa->sun_path[0] = '\0';
	return (int)(offsetof(struct sockaddr_un, sun_path) + len);
}

int vd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	int fd, len, r = 1;

	if (!path || !*path)
		return 0;
	len = unix_addr(path, &sa);
	if (len < 0)
		return len;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)len) < 0)
		r = -errno;
	close(fd);
	return r;
}

int vd_listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long n, fd;
	char *end;

	if (!pid || !fds || strtol(pid, NULL, 10) != getpid())
		return 0;
	errno = 0;
	n = strtol(fds, &end, 10);
	if (errno || *end || n <= 0 || n > INT_MAX - VD_LISTEN_FDS_START)
		return 0;
	for (fd = VD_LISTEN_FDS_START; fd < VD_LISTEN_FDS_START + n; fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return (int)n;
}

bool vd_is_listening_unix_stream(int fd)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int type = 0, acc = 0;
	socklen_t l1 = sizeof(type), l2 = sizeof(acc);
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) < 0 || type != SOCK_STREAM)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l2) < 0 || !acc)
		return false;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    len < sizeof(sa.sun_family) || sa.sun_family != AF_UNIX)
		return false;
	return true;
}

#define JOURNAL_SOCKET	"/run/systemd/journal/socket"
#define JOURNAL_MAXF	64

/*
 * The journal's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL): one
 * datagram of "FIELD=value\n" lines; a value holding a newline is sent as
 * "FIELD\n", its length as 64-bit little endian, the value and "\n".
 * Records here are a few KiB, well under a datagram's limit, so the memfd
 * path sd_journal_sendv has for huge records is not needed.
 */
int vd_journal_sendv(const struct iovec *iov, int n)
{
	struct iovec out[JOURNAL_MAXF * 5];
	uint64_t lens[JOURNAL_MAXF];
	struct sockaddr_un sa;
	struct msghdr mh = { 0 };
	int fd, len, i, k = 0, r = 0;

	if (n < 0 || n > JOURNAL_MAXF)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		const char *p = iov[i].iov_base, *eq = memchr(p, '=', iov[i].iov_len);
		size_t nl, vl;

		if (!eq || eq == p)
			return -EINVAL;
		nl = (size_t)(eq - p);
		vl = iov[i].iov_len - nl - 1;
		if (!memchr(eq + 1, '\n', vl)) {
			out[k++] = iov[i];
			out[k++] = (struct iovec){ .iov_base = "\n", .iov_len = 1 };
			continue;
		}
		lens[i] = htole64(vl);
		out[k++] = (struct iovec){ .iov_base = (void *)p, .iov_len = nl };
		out[k++] = (struct iovec){ .iov_base = "\n", .iov_len = 1 };
		out[k++] = (struct iovec){ .iov_base = &lens[i], .iov_len = sizeof(lens[i]) };
		out[k++] = (struct iovec){ .iov_base = (void *)(eq + 1), .iov_len = vl };
		out[k++] = (struct iovec){ .iov_base = "\n", .iov_len = 1 };
	}
	len = unix_addr(JOURNAL_SOCKET, &sa);
	if (len < 0)
		return len;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	mh.msg_name = &sa;
	mh.msg_namelen = (socklen_t)len;
	mh.msg_iov = out;
	mh.msg_iovlen = (size_t)k;
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		r = -errno;
	close(fd);
	return r;
}
