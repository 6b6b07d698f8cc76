// SPDX-License-Identifier: GPL-2.0-only
/*
 * epoll loop with one-shot timers and signals, and the systemd service
 * protocols (evloop.h says why they are not libsystemd's).
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
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "evloop.h"
#include "log.h"

enum evsrc_type { EVSRC_IO, EVSRC_TIME, EVSRC_SIGNAL };

struct evsrc {
	struct evloop *e;
	enum evsrc_type type;
	bool enabled;
	bool dead;		/* freed while the loop dispatches: freed after */
	int fd;			/* EVSRC_IO */
	int sig;		/* EVSRC_SIGNAL */
	uint64_t usec;		/* EVSRC_TIME: when */
	union {
		evloop_io_fn io;
		evloop_time_fn time;
		evloop_signal_fn signal;
	} cb;
	void *data;
	const char *desc;
	struct evsrc *next;	/* timers (by time) or signals; the graveyard */
};

struct evloop {
	int epfd;
	int sigfd;		/* -1 until the first signal source */
	sigset_t sigs;
	struct evsrc *timers;	/* enabled timers, earliest first */
	struct evsrc *signals;
	struct evsrc *graveyard;	/* freed during a dispatch */
	bool dispatching;
	bool exiting;
	int exit_code;
	uint64_t wd_usec;	/* watchdog ping interval, 0: none */
	uint64_t wd_next;
};

uint64_t evloop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int evloop_new(struct evloop **ret)
{
	struct evloop *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->sigfd = -1;
	sigemptyset(&e->sigs);
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		int r = -errno;

		free(e);
		return r;
	}
	*ret = e;
	return 0;
}

static void timer_unlink(struct evsrc *s)
{
	struct evsrc **pp;

	for (pp = &s->e->timers; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	s->next = NULL;
}

static void signal_unlink(struct evsrc *s)
{
	struct evsrc **pp;

	for (pp = &s->e->signals; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	s->next = NULL;
}

static void evsrc_disable(struct evsrc *s)
{
	if (!s->enabled)
		return;
	s->enabled = false;
	switch (s->type) {
	case EVSRC_IO:
		epoll_ctl(s->e->epfd, EPOLL_CTL_DEL, s->fd, NULL);
		break;
	case EVSRC_TIME:
		timer_unlink(s);
		break;
	case EVSRC_SIGNAL:
		signal_unlink(s);
		break;
	}
}

struct evsrc *evsrc_free(struct evsrc *s)
{
	if (!s)
		return NULL;
	evsrc_disable(s);
	if (s->e->dispatching) {
		/* an event of it may still be in this iteration's batch */
		s->dead = true;
		s->next = s->e->graveyard;
		s->e->graveyard = s;
	} else {
		free(s);
	}
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
	s->fd = -1;
	return s;
}

int evloop_add_io(struct evloop *e, struct evsrc **ret, int fd, uint32_t events,
		  evloop_io_fn cb, void *data)
{
	struct epoll_event ev = { .events = events };
	struct evsrc *s = evsrc_new(e, EVSRC_IO, data);

	if (!s)
		return -ENOMEM;
	s->fd = fd;
	s->cb.io = cb;
	ev.data.ptr = s;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(s);
		return r;
	}
	s->enabled = true;
	if (ret)
		*ret = s;
	return 0;
}

int evloop_add_time(struct evloop *e, struct evsrc **ret, uint64_t usec,
		    uint64_t accuracy_usec, evloop_time_fn cb, void *data)
{
	struct evsrc *s = evsrc_new(e, EVSRC_TIME, data), **pp;

	(void)accuracy_usec;	/* fired when due; nothing to batch them with */
	if (!s)
		return -ENOMEM;
	s->usec = usec;
	s->cb.time = cb;
	/* ORDER: equal times fire in the order they were added */
	for (pp = &e->timers; *pp && (*pp)->usec <= usec; pp = &(*pp)->next)
		;
	s->next = *pp;
	*pp = s;
	s->enabled = true;
	if (ret)
		*ret = s;
	return 0;
}

int evloop_add_signal(struct evloop *e, struct evsrc **ret, int sig,
		      evloop_signal_fn cb, void *data)
{
	struct evsrc *s;
	int fd;

	sigaddset(&e->sigs, sig);
	fd = signalfd(e->sigfd, &e->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (e->sigfd < 0) {
		/* data.ptr NULL: the signalfd, not a source */
		struct epoll_event ev = { .events = EPOLLIN };

		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			int r = -errno;

			close(fd);
			return r;
		}
		e->sigfd = fd;
	}
	s = evsrc_new(e, EVSRC_SIGNAL, data);
	if (!s)
		return -ENOMEM;
	s->sig = sig;
	s->cb.signal = cb;
	s->next = e->signals;
	e->signals = s;
	s->enabled = true;
	if (ret)
		*ret = s;
	return 0;
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
	e->wd_usec = v / 2;
	e->wd_next = evloop_now() + e->wd_usec;
	return 1;
}

int evloop_exit(struct evloop *e, int code)
{
	e->exiting = true;
	e->exit_code = code;
	return 0;
}

static void dispatch_signals(struct evloop *e)
{
	struct signalfd_siginfo si;
	struct evsrc *s, *next;

	while (read(e->sigfd, &si, sizeof(si)) == sizeof(si))
		for (s = e->signals; s; s = next) {
			next = s->next;
			if (s->sig != (int)si.ssi_signo || !s->enabled)
				continue;
			if (s->cb.signal(s, &si, s->data) < 0)
				evsrc_disable(s);
		}
}

int evloop_run_once(struct evloop *e, uint64_t timeout_usec)
{
	struct epoll_event ev[16];
	uint64_t now = evloop_now(), deadline = UINT64_MAX, wait;
	struct evsrc *s;
	int n, i, ms;

	if (timeout_usec != UINT64_MAX)
		deadline = now + timeout_usec;
	if (e->timers && e->timers->usec < deadline)
		deadline = e->timers->usec;
	if (e->wd_usec && e->wd_next < deadline)
		deadline = e->wd_next;
	if (deadline == UINT64_MAX) {
		ms = -1;
	} else {
		/* rounded up: woken early, the timer would not be due yet */
		wait = deadline > now ? (deadline - now + 999) / 1000 : 0;
		ms = wait > INT_MAX ? INT_MAX : (int)wait;
	}
	n = epoll_wait(e->epfd, ev, 16, ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;

	e->dispatching = true;
	now = evloop_now();
	if (e->wd_usec && e->wd_next <= now) {
		vd_notify("WATCHDOG=1");
		e->wd_next = now + e->wd_usec;
	}
	/* the callbacks may add and free timers: take the head each time */
	while ((s = e->timers) && s->usec <= now) {
		timer_unlink(s);
		s->enabled = false;
		s->cb.time(s, s->usec, s->data);
	}
	for (i = 0; i < n; i++) {
		s = ev[i].data.ptr;
		if (!s) {
			dispatch_signals(e);
			continue;
		}
		if (s->dead || !s->enabled)
			continue;
		if (s->cb.io(s, s->fd, ev[i].events, s->data) < 0) {
			log_debug("event source %s failed; disabled",
				  s->desc ? s->desc : "(unnamed)");
			evsrc_disable(s);
		}
	}
	e->dispatching = false;
	while ((s = e->graveyard)) {
		e->graveyard = s->next;
		free(s);
	}
	return n;
}

int evloop_run(struct evloop *e)
{
	int r;

	while (!e->exiting) {
		r = evloop_run_once(e, UINT64_MAX);
		if (r < 0)
			return r;
	}
	return e->exit_code;
}

struct evloop *evloop_free(struct evloop *e)
{
	struct evsrc *s;

	if (!e)
		return NULL;
	while ((s = e->timers)) {
		e->timers = s->next;
		free(s);
	}
	while ((s = e->signals)) {
		e->signals = s->next;
		free(s);
	}
	if (e->sigfd >= 0)
		close(e->sigfd);
	close(e->epfd);
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
