// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm-verifierd on a mock sysfs (TSM_SYSFS_ROOT): unit tests of the sysfs
 * edge, then the daemon itself with --once and tsmctl's offline mode.
 * No kernel modules are involved: with no evidence netlink family (or a
 * device the kernel does not know) every verification is denied, which is
 * exactly what the pipeline must do with it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "sysfs.h"
#include "tdisp_report.h"
#include "mocktree.h"

static char root[64];

static void put(const char *rel, const void *data, size_t len)
{
	mock_put(root, rel, data, len);
}

static void puts_file(const char *rel, const char *text)
{
	mock_puts(root, rel, text);
}

static char *get(const char *rel)
{
	return mock_get(root, rel);
}

#define DEV "sys/bus/pci/devices/"

static int setup_tree(void **state)
{
	char p[1024];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vd-mock-XXXXXX");
	assert_non_null(mkdtemp(root));
	puts_file("sys/class/tsm/tsm0/pci_mode", "link\n");
	puts_file("sys/class/tsm/tsm1/pci_mode", "devsec\n");
	puts_file("sys/bus/pci/drivers_probe", "");
	puts_file("sys/bus/pci/drivers/nvme/.keep", "");
	puts_file("sys/bus/pci/drivers/pci_tsm_hold/.keep", "");
	mock_tee_device(root, "0000:01:00.0", "0x1111\n", "1\n");		/* held, unbound */
	mock_tee_device(root, "0000:02:00.0", "0x2222\n", "0\n");		/* bound to nvme */
	mock_tee_device(root, "0000:03:00.0", "0x3333\n", "7\n");		/* RUN, no record */
	mock_tee_device(root, "0000:04:00.0", "0x4444\n", "2\n");		/* held by the hold driver */
	puts_file(DEV "0000:03:00.0/tsm/accept", "1\n");
	puts_file(DEV "0000:03:00.0/tsm/lock", "tsm1\n");
	puts_file(DEV "0000:00:1f.0/vendor", "0x8086\n");	/* not TEE-capable */
	snprintf(p, sizeof(p), "%s/" DEV "0000:02:00.0/driver", root);
	assert_int_equal(symlink("../../../bus/pci/drivers/nvme", p), 0);
	snprintf(p, sizeof(p), "%s/" DEV "0000:04:00.0/driver", root);
	assert_int_equal(symlink("../../../bus/pci/drivers/pci_tsm_hold", p), 0);
	puts_file("etc/policy.d/.keep", "");
	snprintf(p, sizeof(p),
		 "[daemon]\ntimeout = 3s\npolicy-dir = %s/etc/policy.d\n"
		 "trust-dir = %s/etc/trust\nstate-dir = %s/state\n", root, root, root);
	puts_file("etc/tsm-verifierd.conf", p);
	sysfs_init(root);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	return mock_tree_remove(root);
}

static void test_valid_bdf(void **state)
{
	(void)state;
	assert_true(sysfs_valid_bdf("0000:01:00.0"));
	assert_true(sysfs_valid_bdf("10000:01:1f.7"));
	assert_false(sysfs_valid_bdf("0000:01:00.8"));
	assert_false(sysfs_valid_bdf("0000:01:00"));
	assert_false(sysfs_valid_bdf("0000:01:00.0/../../x"));
	assert_false(sysfs_valid_bdf("../0000:01:00.0"));
	assert_false(sysfs_valid_bdf("0000:0A:00.0"));
	assert_false(sysfs_valid_bdf("000:01:00.0"));
	assert_false(sysfs_valid_bdf(""));
	assert_false(sysfs_valid_bdf(NULL));
}

static void test_state_and_driver(void **state)
{
	char name[TSM_NAME_MAX];
	uint32_t gen = 0;

	(void)state;
	assert_int_equal(sysfs_find_tsm("devsec", name, sizeof(name)), 0);
	assert_string_equal(name, "tsm1");
	assert_int_equal(sysfs_find_tsm("link", name, sizeof(name)), 0);
	assert_string_equal(name, "tsm0");
	assert_int_equal(sysfs_find_tsm("none", name, sizeof(name)), -ENOENT);
	assert_int_equal(sysfs_dev_state("0000:01:00.0"), TSM_TDISP_UNLOCKED);
	assert_int_equal(sysfs_dev_state("0000:03:00.0"), TSM_TDISP_RUN);
	assert_int_equal(sysfs_dev_state("0000:00:1f.0"), TSM_TDISP_NONE);
	assert_false(sysfs_dev_driver_bound("0000:01:00.0"));
	assert_true(sysfs_dev_driver_bound("0000:02:00.0"));
	assert_false(sysfs_dev_driver_bound("0000:04:00.0"));	/* hold is not a driver */
	assert_int_equal(sysfs_dev_generation("0000:03:00.0", &gen), 0);
	assert_int_equal(gen, 7);
	assert_int_equal(sysfs_dev_read("../../etc", "passwd", name, sizeof(name)), -EINVAL);
}

static void test_layout(void **state)
{
	struct tsm_device_layout l;

	(void)state;
	assert_int_equal(sysfs_dev_layout("0000:01:00.0", &l), 0);
	assert_int_equal(l.bars[0].base, 0xfe000000ULL);
	assert_int_equal(l.bars[0].size, 0x100000ULL);
	assert_int_equal(l.bars[1].size, 0);
	assert_int_equal(l.bars[2].size, 0);		/* I/O BAR: not memory */
	assert_true(l.has_msix);
	assert_int_equal(l.msix_table_bar, 0);
	assert_int_equal(l.msix_table_offset, 0x2000);
	assert_int_equal(l.msix_table_size, 8 * 16);
	assert_int_equal(l.msix_pba_offset, 0x3000);
	assert_int_equal(l.msix_pba_size, 8);
	assert_int_equal(l.mmio_offset, 1ULL << 44);
}

static int run_err(const char *prog, const char *const argv[], const char *out_path,
		   const char *err_path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (out_path && !freopen(out_path, "w", stdout))
			_exit(127);
		if (err_path && !freopen(err_path, "w", stderr))
			_exit(127);
		setenv("TSM_SYSFS_ROOT", root, 1);
		setenv("TSM_UDEV_SOURCE", "kernel", 1);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int run(const char *prog, const char *const argv[], const char *out_path)
{
	return run_err(prog, argv, out_path, NULL);
}

static struct json_object *state_device(struct json_object *arr, const char *bdf)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;

		if (json_object_object_get_ex(o, "device", &v) &&
		    !strcmp(json_object_get_string(v), bdf))
			return o;
	}
	return NULL;
}

static const char *field(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void test_daemon_once(void **state)
{
	const char *daemon = getenv("VD_DAEMON");
	char conf[512], path[512];
	struct json_object *st, *arr;

	(void)state;
	if (!daemon) {
		skip();
		return;
	}
	snprintf(conf, sizeof(conf), "%s/etc/tsm-verifierd.conf", root);
	{
		const char *argv[] = { daemon, "--foreground", "--once", "--config", conf, NULL };

		assert_int_equal(run(daemon, argv, NULL), 0);
	}
	/* the unbound device was locked with the devsec TSM, then denied and unlocked */
	assert_string_equal(get(DEV "0000:01:00.0/tsm/lock"), "tsm1");
	assert_string_equal(get(DEV "0000:01:00.0/tsm/unlock"), "tsm1");
	assert_string_equal(get(DEV "0000:01:00.0/tsm/accept"), "0\n");
	/* the device in use was never touched */
	assert_string_equal(get(DEV "0000:02:00.0/tsm/lock"), "\n");
	assert_string_equal(get(DEV "0000:02:00.0/tsm/unlock"), "");
	/* the RUN device without a record is kept, not re-accepted, no probe */
	assert_string_equal(get(DEV "0000:03:00.0/tsm/unlock"), "");
	assert_string_equal(get("sys/bus/pci/drivers_probe"), "");
	/* the device under the hold driver is treated as unbound */
	assert_string_equal(get(DEV "0000:04:00.0/tsm/lock"), "tsm1");

	snprintf(path, sizeof(path), "%s/state/state.json", root);
	st = json_object_from_file(path);
	assert_non_null(st);
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	assert_int_equal(json_object_array_length(arr), 4);
	assert_string_equal(field(state_device(arr, "0000:01:00.0"), "decision"), "denied");
	assert_string_equal(field(state_device(arr, "0000:02:00.0"), "decision"), "kept");
	assert_string_equal(field(state_device(arr, "0000:03:00.0"), "decision"), "kept");
	assert_string_equal(field(state_device(arr, "0000:04:00.0"), "decision"), "denied");
	assert_null(state_device(arr, "0000:00:1f.0"));
	json_object_put(st);
}

static void test_tsmctl_offline(void **state)
{
	static const char *const keys[] = { "device", "vendor", "device_id", "state",
					    "decision", "rule", "reason", "generation" };
	const char *ctl = getenv("VD_TSMCTL");
	char conf[512], out[512], sock[512];
	struct json_object *arr, *o;
	size_t i;

	(void)state;
	if (!ctl || !getenv("VD_DAEMON")) {
		skip();
		return;
	}
	snprintf(conf, sizeof(conf), "%s/etc/tsm-verifierd.conf", root);
	snprintf(out, sizeof(out), "%s/list.json", root);
	snprintf(sock, sizeof(sock), "%s/no-daemon.sock", root);
	{
		const char *argv[] = { ctl, "--socket", sock, "--config", conf, "list", "--json",
				       NULL };

		assert_int_equal(run(ctl, argv, out), 0);
	}
	arr = json_object_from_file(out);
	assert_non_null(arr);
	assert_int_equal(json_object_array_length(arr), 4);
	o = json_object_array_get_idx(arr, 0);
	/* exactly the ABI 7.4 keys */
	assert_int_equal(json_object_object_length(o), sizeof(keys) / sizeof(keys[0]));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_true(json_object_object_get_ex(o, keys[i], NULL));
	assert_string_equal(field(o, "device"), "0000:01:00.0");
	assert_string_equal(field(o, "decision"), "denied");
	json_object_put(arr);
	{
		const char *argv[] = { ctl, "--socket", sock, "frobnicate", NULL };

		assert_int_equal(run(ctl, argv, "/dev/null"), 2);
	}
	{
		const char *argv[] = { ctl, "--socket", sock, "deny", "0000:01:00.0", NULL };

		assert_int_equal(run(ctl, argv, "/dev/null"), 1);	/* no daemon */
	}
	{
		const char *argv[] = { ctl, "--socket", sock, "show", "nonsense", NULL };

		assert_int_equal(run(ctl, argv, "/dev/null"), 2);
	}
}


static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, i;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (i = 0; i < 100; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd >= 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		usleep(50000);
	}
	fail_msg("cannot connect to %s", path);
	return -1;
}

/* Sends |req| (a line) and returns the next answer line, parsed. */
static struct json_object *call(int fd, const char *req)
{
	static char buf[65536];
	size_t len = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (req)
		assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (;;) {
		ssize_t n;
		char *nl;

		assert_true(poll(&pfd, 1, 20000) == 1);
		n = read(fd, buf + len, 1);
		if (n <= 0)
			return NULL;
		len += n;
		nl = memchr(buf, '\n', len);
		if (nl) {
			*nl = '\0';
			return json_tokener_parse(buf);
		}
		assert_true(len < sizeof(buf) - 1);
	}
}

static bool ok_of(struct json_object *o)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, "ok", &v) && json_object_get_boolean(v);
}

static void test_control_socket(void **state)
{
	const char *daemon = getenv("VD_DAEMON");
	char conf[512], sock[512], big[9000];
	struct json_object *o, *v;
	int fd, wfd, status;
	pid_t pid;

	(void)state;
	if (!daemon) {
		skip();
		return;
	}
	snprintf(conf, sizeof(conf), "%s/etc/tsm-verifierd.conf", root);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", root);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("TSM_SYSFS_ROOT", root, 1);
		setenv("TSM_UDEV_SOURCE", "kernel", 1);
		execl(daemon, daemon, "--foreground", "--config", conf, "--socket", sock,
		      (char *)NULL);
		_exit(127);
	}
	fd = connect_to(sock);
	{
		struct stat st;

		assert_int_equal(stat(sock, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	o = call(fd, "this is not json\n");
	assert_false(ok_of(o));
	json_object_put(o);
	o = call(fd, "{\"cmd\":\"frobnicate\"}\n");
	assert_false(ok_of(o));
	json_object_put(o);
	o = call(fd, "{\"cmd\":\"show\",\"device\":\"../../etc\"}\n");
	assert_false(ok_of(o));
	json_object_put(o);
	o = call(fd, "{\"cmd\":\"list\"}\n");
	assert_true(ok_of(o));
	assert_true(json_object_object_get_ex(o, "devices", &v));
	assert_int_equal(json_object_array_length(v), 4);
	json_object_put(o);
	o = call(fd, "{\"cmd\":\"show\",\"device\":\"0000:02:00.0\"}\n");
	assert_true(ok_of(o));
	json_object_put(o);
	/* a device in use cannot be denied */
	o = call(fd, "{\"cmd\":\"deny\",\"device\":\"0000:02:00.0\"}\n");
	assert_false(ok_of(o));
	json_object_put(o);

	wfd = connect_to(sock);
	o = call(wfd, "{\"cmd\":\"watch\"}\n");
	assert_true(ok_of(o));
	json_object_put(o);
	o = call(fd, "{\"cmd\":\"deny\",\"device\":\"0000:01:00.0\"}\n");
	assert_true(ok_of(o));
	json_object_put(o);
	o = call(wfd, NULL);		/* the watcher hears of it */
	assert_non_null(o);
	assert_string_equal(field(o, "device"), "0000:01:00.0");
	assert_string_equal(field(o, "rule"), "admin");
	json_object_put(o);
	o = call(fd, "{\"cmd\":\"reload\"}\n");
	assert_true(ok_of(o));
	json_object_put(o);

	/* an endless line is refused and the connection closed */
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	o = call(fd, NULL);
	assert_false(ok_of(o));
	json_object_put(o);
	close(fd);
	close(wfd);

	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(access(sock, F_OK), -1);	/* socket removed */
}

static void test_bad_config(void **state)
{
	const char *daemon = getenv("VD_DAEMON");
	char conf[512];

	(void)state;
	if (!daemon) {
		skip();
		return;
	}
	puts_file("etc/bad.conf", "[daemon]\nmode = enforce\nnonce = sometimes\n");
	snprintf(conf, sizeof(conf), "%s/etc/bad.conf", root);
	{
		const char *argv[] = { daemon, "--foreground", "--once", "--config", conf, NULL };

		assert_int_equal(run(daemon, argv, NULL), 1);
	}
}

/* the daemon's stderr (log and, in the foreground, decision records) */
static char daemon_log[600];

static int run_once(void)
{
	const char *daemon = getenv("VD_DAEMON");
	char conf[512];
	const char *argv[] = { daemon, "--foreground", "--once", "--config", conf, NULL };

	snprintf(conf, sizeof(conf), "%s/etc/tsm-verifierd.conf", root);
	snprintf(daemon_log, sizeof(daemon_log), "%s/daemon.log", root);
	return run_err(daemon, argv, NULL, daemon_log);
}

/* whether the last run_once() logged a line containing |what| */
static bool logged(const char *what)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(daemon_log, "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

static struct json_object *saved_state(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/state/state.json", root);
	return json_object_from_file(path);
}

/* As read without CAP_SYS_ADMIN: the kernel stops at 64 bytes. */
static void test_short_config(void **state)
{
	static const char bdf[] = "0000:05:00.0";
	struct tsm_device_layout l;
	struct json_object *st, *arr, *o;
	uint8_t cfg[64] = { 0 };
	char p[512];

	(void)state;
	mock_tee_device(root, bdf, "0x5555\n", "3\n");
	cfg[0x06] = 0x10;
	cfg[0x34] = 0x40;
	put(DEV "0000:05:00.0/config", cfg, sizeof(cfg));
	snprintf(p, sizeof(p), "%s/" DEV "0000:05:00.0/driver", root);
	assert_int_equal(symlink("../../../bus/pci/drivers/pci_tsm_hold", p), 0);
	assert_int_equal(sysfs_dev_layout(bdf, &l), -EPERM);
	if (!getenv("VD_DAEMON")) {
		skip();
		return;
	}
	assert_int_equal(run_once(), 0);
	/* denied without being locked: nothing was judged */
	assert_string_equal(get(DEV "0000:05:00.0/tsm/lock"), "\n");
	st = saved_state();
	assert_non_null(st);
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	o = state_device(arr, bdf);
	assert_string_equal(field(o, "decision"), "denied");
	assert_string_equal(field(o, "check"), "device.config");
	assert_non_null(strstr(field(o, "reason"),
			       "cannot read config space of 0000:05:00.0 past 64 bytes "
			       "(needs CAP_SYS_ADMIN)"));
	json_object_put(st);
	/* out of the way of the next test */
	snprintf(p, sizeof(p), "rm -rf '%s/" DEV "0000:05:00.0'", root);
	assert_int_equal(system(p), 0);
}

static void reset_unlocked(const char *bdf)
{
	char p[256];

	snprintf(p, sizeof(p), DEV "%s/tsm/lock", bdf);
	puts_file(p, "\n");
	snprintf(p, sizeof(p), DEV "%s/tsm/unlock", bdf);
	puts_file(p, "");
}

/*
 * A restart keeps a held device's denial (no lock, nothing rewritten) under
 * the same policy digest; a changed configuration judges it again. A
 * device that is not held by pci_tsm_hold is judged again in any case.
 */
static void test_restart_keeps_denied(void **state)
{
	struct json_object *st, *arr;
	char p[512], reason[256], decided[32];
	FILE *f;

	(void)state;
	if (!getenv("VD_DAEMON")) {
		skip();
		return;
	}
	snprintf(p, sizeof(p), "%s/state/state.json", root);
	unlink(p);
	reset_unlocked("0000:01:00.0");
	reset_unlocked("0000:04:00.0");
	assert_int_equal(run_once(), 0);
	assert_string_equal(get(DEV "0000:04:00.0/tsm/lock"), "tsm1");
	st = saved_state();
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	assert_string_equal(field(state_device(arr, "0000:04:00.0"), "decision"), "denied");
	snprintf(reason, sizeof(reason), "%s", field(state_device(arr, "0000:04:00.0"), "reason"));
	assert_true(reason[0]);
	json_object_put(st);

	/* a fresh decision: one decision record (foreground: on stderr) */
	assert_true(logged("0000:04:00.0: denied: "));
	st = saved_state();
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	snprintf(decided, sizeof(decided), "%s",
		 field(state_device(arr, "0000:04:00.0"), "decided_usec"));
	assert_true(decided[0]);
	json_object_put(st);

	/* restart: the held, denied device is left alone */
	reset_unlocked("0000:01:00.0");
	reset_unlocked("0000:04:00.0");
	assert_int_equal(run_once(), 0);
	assert_string_equal(get(DEV "0000:04:00.0/tsm/lock"), "\n");
	assert_string_equal(get(DEV "0000:04:00.0/tsm/unlock"), "");
	assert_string_equal(get(DEV "0000:01:00.0/tsm/lock"), "tsm1");	/* not held */
	st = saved_state();
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	assert_string_equal(field(state_device(arr, "0000:04:00.0"), "decision"), "denied");
	assert_string_equal(field(state_device(arr, "0000:04:00.0"), "reason"), reason);
	/* nothing about the decision changed, not even its time */
	assert_string_equal(field(state_device(arr, "0000:04:00.0"), "decided_usec"), decided);
	json_object_put(st);
	/* no second decision record for it (ABI 7.3), a log line says why */
	assert_false(logged("0000:04:00.0: denied ("));
	assert_false(logged("0000:04:00.0: denied:"));
	assert_true(logged("0000:04:00.0: denied before the restart under the same policy"));
	/* the device that was not held is judged again: a record of its own */
	assert_true(logged("0000:01:00.0: denied"));

	/* another identity at the same address is judged afresh */
	reset_unlocked("0000:04:00.0");
	puts_file(DEV "0000:04:00.0/device", "0x4445\n");
	assert_int_equal(run_once(), 0);
	assert_string_equal(get(DEV "0000:04:00.0/tsm/lock"), "tsm1");

	/*
	 * Same identity again; a comment changes nothing that was parsed (the
	 * digest is of the parsed configuration and policy), a changed setting
	 * judges it afresh.
	 */
	reset_unlocked("0000:04:00.0");
	assert_int_equal(run_once(), 0);
	assert_string_equal(get(DEV "0000:04:00.0/tsm/lock"), "\n");
	snprintf(p, sizeof(p), "%s/etc/tsm-verifierd.conf", root);
	f = fopen(p, "a");
	assert_non_null(f);
	fputs("# edited\n", f);
	fclose(f);
	assert_int_equal(run_once(), 0);
	assert_string_equal(get(DEV "0000:04:00.0/tsm/lock"), "\n");
	f = fopen(p, "a");
	assert_non_null(f);
	fputs("time-check = no\n", f);
	fclose(f);
	assert_int_equal(run_once(), 0);
	assert_string_equal(get(DEV "0000:04:00.0/tsm/lock"), "tsm1");
}

/*
 * A restart keeps a recorded acceptance of a device still in RUN with the
 * same generation, evidence digests and policy digest as it was made
 * (rule, reason, time), without a second decision record. Recorded
 * under another policy, it is judged again and, here, revoked.
 */
static void test_restart_keeps_accepted(void **state)
{
	static const char bdf[] = "0000:03:00.0";	/* RUN, generation 7 */
	struct json_object *st, *arr, *o;
	char p[512], digest[80];

	(void)state;
	if (!getenv("VD_DAEMON")) {
		skip();
		return;
	}
	assert_int_equal(run_once(), 0);
	st = saved_state();
	assert_non_null(st);
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	o = state_device(arr, bdf);
	assert_string_equal(field(o, "decision"), "kept");
	/* as an earlier run would have recorded its acceptance */
	json_object_object_add(o, "decision", json_object_new_string("accepted"));
	json_object_object_add(o, "rule", json_object_new_string("acme"));
	json_object_object_add(o, "reason", json_object_new_string("all checks passed"));
	json_object_object_add(o, "generation", json_object_new_int64(7));
	json_object_object_add(o, "decided_usec", json_object_new_int64(1234567));
	/* what was judged; policy_digest stays the one this policy has */
	{
		struct json_object *sha = json_object_new_object();

		json_object_object_add(sha, "certs", json_object_new_string(
			"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
		json_object_object_add(o, "evidence_sha256", sha);
	}
	snprintf(digest, sizeof(digest), "%s", field(o, "policy_digest"));
	assert_int_equal(strlen(digest), 64);
	snprintf(p, sizeof(p), "%s/state/state.json", root);
	assert_int_equal(json_object_to_file(p, st), 0);
	json_object_put(st);

	assert_int_equal(run_once(), 0);
	st = saved_state();
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	o = state_device(arr, bdf);
	assert_string_equal(field(o, "decision"), "accepted");
	assert_string_equal(field(o, "rule"), "acme");
	assert_string_equal(field(o, "reason"), "all checks passed");
	assert_string_equal(field(o, "decided_usec"), "1234567");
	json_object_put(st);
	assert_false(logged("0000:03:00.0: accepted ("));
	assert_true(logged("0000:03:00.0: accepted before the restart, still in RUN"));

	/*
	 * Recorded under another policy: judged again under this one, which
	 * cannot (no evidence here), so the device is revoked: unlocked, out
	 * of RUN. Never restored as accepted.
	 */
	st = saved_state();
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	o = state_device(arr, bdf);
	json_object_object_add(o, "policy_digest", json_object_new_string(
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
	snprintf(p, sizeof(p), "%s/state/state.json", root);
	assert_int_equal(json_object_to_file(p, st), 0);
	json_object_put(st);
	assert_int_equal(run_once(), 0);
	assert_true(logged("0000:03:00.0: accepted before the restart, but not under this policy"));
	st = saved_state();
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	o = state_device(arr, bdf);
	assert_string_equal(field(o, "decision"), "denied");
	assert_non_null(strstr(field(o, "reason"), "revoked"));
	json_object_put(st);
	assert_string_equal(get(DEV "0000:03:00.0/tsm/unlock"), "tsm1");
	puts_file(DEV "0000:03:00.0/tsm/unlock", "");
	(void)digest;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_bdf),
		cmocka_unit_test(test_state_and_driver),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_daemon_once),
		cmocka_unit_test(test_tsmctl_offline),
		cmocka_unit_test(test_control_socket),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_short_config),
		cmocka_unit_test(test_restart_keeps_denied),
		cmocka_unit_test(test_restart_keeps_accepted),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
