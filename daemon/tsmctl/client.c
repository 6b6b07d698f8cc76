// SPDX-License-Identifier: GPL-2.0-only
/* tsmctl side of the control socket protocol (verifierd/control.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sysfs.h"
#include "tsmctl.h"

int ctl_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(ctl_socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl_socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int ctl_send(int fd, struct json_object *req)
{
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += n;
	}
	return send(fd, "\n", 1, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/* Reads one line; a per-fd buffer keeps what follows it. */
int ctl_recv(int fd, struct json_object **out)
{
	static char buf[1 << 20];
	static size_t len;
	static int buf_fd = -1;
	char *nl;

	if (buf_fd != fd) {
		buf_fd = fd;
		len = 0;
	}
	for (;;) {
		ssize_t n;

		nl = memchr(buf, '\n', len);
		if (nl)
			break;
		if (len >= sizeof(buf) - 1)
			return -EMSGSIZE;
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		len += n;
	}
	*nl = '\0';
	*out = json_tokener_parse(buf);
	len -= nl + 1 - buf;
	memmove(buf, nl + 1, len);
	return *out ? 0 : -EBADMSG;
}

const char *jget_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return "";
	return json_object_get_string(v);
}

long long jget_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	return json_object_get_int64(v);
}

int ctl_call(const char *cmd, const char *device, struct json_object **reply)
{
	struct json_object *req = json_object_new_object(), *ans = NULL, *ok;
	int fd, r;

	*reply = NULL;
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (device)
		json_object_object_add(req, "device", json_object_new_string(device));
	fd = ctl_connect();
	if (fd < 0) {
		json_object_put(req);
		return fd;
	}
	r = ctl_send(fd, req);
	json_object_put(req);
	if (!r)
		r = ctl_recv(fd, &ans);
	close(fd);
	if (r < 0)
		return r;
	if (json_object_object_get_ex(ans, "ok", &ok) && json_object_get_boolean(ok)) {
		*reply = ans;
		return 0;
	}
	fprintf(stderr, "tsmctl: %s: %s\n", cmd, jget_str(ans, "error"));
	json_object_put(ans);
	return 1;
}

/*
 * accept/deny: one administrator override of @verb for the device named
 * on the command line, printed as "DEV: decision (reason)".
 */
int ctl_admin_verdict(const char *verb, const char *usage, int argc, char **argv)
{
	struct json_object *reply = NULL, *dev = NULL;
	bool json = false, permanent = false;
	const char *anchor = NULL;
	int code, i, r, k, n = 0;

	/*
	 * accept/deny --permanent (-p): also as a rule in the policy;
	 * accept --trust-anchor NAME: the anchor file that rule trusts.
	 */
	for (k = 0; k < argc; k++) {
		if (k > 0 && strcmp(verb, "revoke") &&
		    (!strcmp(argv[k], "--permanent") || !strcmp(argv[k], "-p"))) {
			permanent = true;
		} else if (k > 0 && !strcmp(verb, "accept") &&
			   !strcmp(argv[k], "--trust-anchor")) {
			if (k + 1 >= argc) {
				fputs(usage, stderr);
				return EXIT_USAGE;
			}
			anchor = argv[++k];
		} else if (k > 0 && !strcmp(verb, "accept") &&
			   !strncmp(argv[k], "--trust-anchor=", 15)) {
			anchor = argv[k] + 15;
		} else {
			argv[n++] = argv[k];
		}
	}
	argc = n;
	if (anchor && (!permanent || !*anchor || strchr(anchor, '/'))) {
		fprintf(stderr, "tsmctl: accept: --trust-anchor NAME goes with --permanent and "
			"names a file in the daemon's trust-dir (no '/')\n");
		return EXIT_USAGE;
	}
	i = verb_options(argc, argv, usage, false, &json, &code);
	if (i < 0)
		return code;
	if (i != argc - 1 || !sysfs_valid_bdf(argv[i])) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	r = ctl_call(verb, argv[i], &reply);
	if (r < 0) {
		fprintf(stderr, "tsmctl: %s: daemon not reachable at %s: %s\n", verb,
			ctl_socket_path, strerror(-r));
		return EXIT_REFUSED;
	}
	if (r > 0 && permanent && strcmp(verb, "revoke")) {
		/*
		 * Refused because the administrator made this decision already
		 * ("already accepted"): --permanent still writes it as a rule.
		 */
		struct json_object *d = NULL;

		reply = NULL;
		if (ctl_call("show", argv[i], &reply) != 0)
			return EXIT_REFUSED;
		json_object_object_get_ex(reply, "device", &d);
		if (!json_object_get_boolean(json_object_object_get(d, "admin")) ||
		    strcmp(jget_str(d, "decision"), !strcmp(verb, "accept") ? "accepted" : "denied")) {
			json_object_put(reply);
			return EXIT_REFUSED;
		}
		r = 0;
	}
	if (r > 0)
		return EXIT_REFUSED;
	json_object_object_get_ex(reply, "device", &dev);
	printf("%s: %s (%s)\n", argv[i], jget_str(dev, "decision"), jget_str(dev, "reason"));
	json_object_put(reply);
	return permanent ? permanent_rule(verb, argv[i], anchor) : 0;
}
