// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's event loop (evloop.c) and its systemd protocols: timers fire
 * once, earliest first; a source freed by a callback (its own or another
 * one with an event in the same batch) is not called again; a failing
 * callback's source is disabled; signals arrive through the loop; exit
 * ends evloop_run with its code; READY=1 reaches $NOTIFY_SOCKET and the
 * watchdog pings it; LISTEN_FDS is honoured only for our own pid.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "evloop.h"

static char order[16];
static int norder;

static int on_time(struct evsrc *s, uint64_t usec, void *data)
{
	(void)s;
	(void)usec;
	order[norder++] = *(const char *)data;
	return 0;
}

static void test_timers_once_in_order(void **state)
{
	struct evloop *e;
	struct evsrc *a, *b, *c;
	uint64_t now = evloop_now();
	int i;

	(void)state;
	norder = 0;
	assert_int_equal(evloop_new(&e), 0);
	assert_int_equal(evloop_add_time(e, &c, now + 30000, 0, on_time, "c"), 0);
	assert_int_equal(evloop_add_time(e, &a, now + 10000, 0, on_time, "a"), 0);
	assert_int_equal(evloop_add_time(e, &b, now + 20000, 0, on_time, "b"), 0);
	for (i = 0; i < 20 && norder < 3; i++)
		assert_true(evloop_run_once(e, 100000) >= 0);
	assert_int_equal(norder, 3);
	assert_memory_equal(order, "abc", 3);
	/* fired timers are off: another wait calls nothing */
	assert_true(evloop_run_once(e, 20000) >= 0);
	assert_int_equal(norder, 3);
	/* not before its time, rounding included */
	assert_true(evloop_now() - now >= 30000);
	evsrc_free(a);
	evsrc_free(b);
	evsrc_free(c);
	evloop_free(e);
}

struct pair {
	struct evsrc *self, *other;
	int calls;
	int ret;
};

static int on_io_free(struct evsrc *s, int fd, uint32_t revents, void *data)
{
	struct pair *p = data;

	(void)fd;
	(void)revents;
	assert_ptr_equal(s, p->self);
	p->calls++;
	/* frees the other source, whose event is in this batch, and itself */
	if (p->other) {
		*(struct evsrc **)p->other = evsrc_free(*(struct evsrc **)p->other);
		p->self = evsrc_free(p->self);
	}
	return p->ret;
}

static void test_free_in_callback(void **state)
{
	struct evloop *e;
	struct pair p1 = { 0 }, p2 = { 0 };
	int a[2], b[2];

	(void)state;
	assert_int_equal(evloop_new(&e), 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(evloop_add_io(e, &p1.self, a[0], EPOLLIN, on_io_free, &p1), 0);
	assert_int_equal(evloop_add_io(e, &p2.self, b[0], EPOLLIN, on_io_free, &p2), 0);
	/* whichever is called first frees both */
	p1.other = (void *)&p2.self;
	p2.other = (void *)&p1.self;
	assert_true(evloop_run_once(e, 100000) >= 0);
	assert_int_equal(p1.calls + p2.calls, 1);
	assert_true(evloop_run_once(e, 10000) >= 0);
	assert_int_equal(p1.calls + p2.calls, 1);
	evloop_free(e);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void test_failing_source_disabled(void **state)
{
	struct evloop *e;
	struct pair p = { .ret = -EIO };
	int a[2];

	(void)state;
	assert_int_equal(evloop_new(&e), 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(evloop_add_io(e, &p.self, a[0], EPOLLIN, on_io_free, &p), 0);
	/* level-triggered and never read: only the failure stops the calls */
	assert_true(evloop_run_once(e, 100000) >= 0);
	assert_true(evloop_run_once(e, 10000) >= 0);
	assert_int_equal(p.calls, 1);
	evsrc_free(p.self);
	evloop_free(e);
	close(a[0]);
	close(a[1]);
}

/* freed by its own callback, which then fails: nothing is touched after */
static void test_free_self_and_fail(void **state)
{
	struct evloop *e;
	struct evsrc *none = NULL;
	struct pair p = { .ret = -EIO };
	int a[2];

	(void)state;
	p.other = (void *)&none;
	assert_int_equal(evloop_new(&e), 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(evloop_add_io(e, &p.self, a[0], EPOLLIN, on_io_free, &p), 0);
	assert_true(evloop_run_once(e, 100000) >= 0);
	assert_int_equal(p.calls, 1);
	assert_null(p.self);
	assert_true(evloop_run_once(e, 10000) >= 0);
	assert_int_equal(p.calls, 1);
	evloop_free(e);
	close(a[0]);
	close(a[1]);
}

static int on_sig(struct evsrc *s, const struct signalfd_siginfo *si, void *data)
{
	(void)s;
	assert_int_equal(si->ssi_signo, SIGUSR1);
	return evloop_exit(data, 42);
}

static void test_signal_and_exit(void **state)
{
	struct evloop *e;
	sigset_t ss;

	(void)state;
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	assert_int_equal(evloop_new(&e), 0);
	assert_int_equal(evloop_add_signal(e, NULL, SIGUSR1, on_sig, e), 0);
	kill(getpid(), SIGUSR1);
	assert_int_equal(evloop_run(e), 42);
	evloop_free(e);
}

static int notify_socket(char *path, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	snprintf(path, len, "/tmp/test-evloop.%d.sock", (int)getpid());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void test_notify_and_watchdog(void **state)
{
	char path[108], buf[64], pid[16];
	struct evloop *e;
	ssize_t n;
	int fd;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(vd_notify("READY=1"), 0);
	fd = notify_socket(path, sizeof(path));
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(vd_notify("READY=1\nSTATUS=Running"), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1\nSTATUS=Running");

	/* WATCHDOG_USEC=40ms: a ping within two 20 ms halves */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "40000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(evloop_new(&e), 0);
	assert_int_equal(evloop_set_watchdog(e), 1);
	assert_true(evloop_run_once(e, 100000) >= 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "WATCHDOG=1");
	evloop_free(e);
	/* another process's watchdog is not ours */
	setenv("WATCHDOG_PID", "1", 1);
	assert_int_equal(evloop_new(&e), 0);
	assert_int_equal(evloop_set_watchdog(e), 0);
	evloop_free(e);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(path);
}

static void test_listen_fds(void **state)
{
	char pid[16];

	(void)state;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	unsetenv("LISTEN_PID");
	setenv("LISTEN_FDS", "1", 1);
	assert_int_equal(vd_listen_fds(), 0);
	setenv("LISTEN_PID", "1", 1);
	assert_int_equal(vd_listen_fds(), 0);
	setenv("LISTEN_PID", pid, 1);
	assert_int_equal(vd_listen_fds(), 1);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	/* stdin is no listening unix socket; a bound one is, once it listens */
	assert_false(vd_is_listening_unix_stream(0));
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		assert_true(fd >= 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/test-evloop.%s.ctl", pid);
		unlink(sa.sun_path);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_false(vd_is_listening_unix_stream(fd));
		assert_int_equal(listen(fd, 1), 0);
		assert_true(vd_is_listening_unix_stream(fd));
		close(fd);
		unlink(sa.sun_path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_once_in_order),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_failing_source_disabled),
		cmocka_unit_test(test_free_self_and_fail),
		cmocka_unit_test(test_signal_and_exit),
		cmocka_unit_test(test_notify_and_watchdog),
		cmocka_unit_test(test_listen_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
