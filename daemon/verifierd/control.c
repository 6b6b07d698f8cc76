// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control socket (tsmctl): a UNIX stream socket. Root decides; members of
 * the group "tsm" may list, show and watch. Under systemd the socket comes
 * from tsm-verifierd.socket (root:tsm 0660); made here, it is root:tsm
 * 0660 only when the group exists and we may chown, else root 0600. The
 * peer's credentials
 * (SO_PEERCRED, SO_PEERGROUPS) are checked on every connection and the
 * deciding verbs refused to anyone but uid 0. One JSON object per line
 * each way:
 *   {"cmd":"list"}                -> {"ok":true,"devices":[...]}
 *   {"cmd":"show","device":DEV}   -> {"ok":true,"device":{... full ...}}
 *   {"cmd":"accept","device":DEV} -> {"ok":true,"device":{...}} once decided
 *   {"cmd":"deny","device":DEV}   -> {"ok":true,"device":{...}}
 *   {"cmd":"revoke","device":DEV} -> {"ok":true,"device":{...}}
 *   {"cmd":"reload"}              -> {"ok":true} or {"ok":false,"error":...}
 *   {"cmd":"watch"}               -> {"ok":true}, then {"event":"decision",...}
 *                                    and {"event":"recovery",...}
 * Errors: {"ok":false,"error":TEXT,"errno":N}. A client that does not read
 * its events is dropped rather than allowed to block the loop.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "manager.h"

#define CLIENT_BUF	8192
#define VD_READ_GROUP	"tsm"

struct vd_client {
	struct manager *m;
	int fd;
	struct evsrc *src;
	char in[CLIENT_BUF];
	size_t inlen;
	bool watch;
	bool may_decide;	/* uid 0: accept, deny, revoke, reload */
	bool dead;		/* could not be written to: freed when safe */
	bool wait_accept;	/* waiting for accepted (else denied) */
	char wait_bdf[TSM_BDF_MAX];	/* reply when this device is decided */
	struct vd_client *next;
};

static void client_free(struct vd_client *c)
{
	struct vd_client **pp;

	for (pp = &c->m->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	evsrc_free(c->src);
	close(c->fd);
	free(c);
}

/* Sends one line; false (and the client is to be dropped) when it cannot. */
static bool client_send(struct vd_client *c, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);
	char *line = malloc(len + 2);
	ssize_t n;

	if (!line)
		return false;
	memcpy(line, s, len);
	line[len++] = '\n';
	n = send(c->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	return n == (ssize_t)len;
}

static bool reply_error(struct vd_client *c, int err, const char *msg)
{
	struct json_object *o = json_object_new_object();
	bool ok;

	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "errno", json_object_new_int(err < 0 ? -err : err));
	ok = client_send(c, o);
	json_object_put(o);
	return ok;
}

static bool reply_ok(struct vd_client *c, const char *key, struct json_object *val)
{
	struct json_object *o = json_object_new_object();
	bool ok;

	json_object_object_add(o, "ok", json_object_new_boolean(true));
	if (key)
		json_object_object_add(o, key, val);
	ok = client_send(c, o);
	json_object_put(o);
	return ok;
}

static bool final_decision(const struct vd_device *d)
{
	return d->decision != VD_PENDING;
}

static bool handle(struct vd_client *c, struct json_object *req)
{
	struct manager *m = c->m;
	char err[TSM_REASON_MAX] = "";
	struct json_object *v;
	const char *cmd = NULL, *dev = NULL;
	struct vd_device *d;
	int r;

	if (json_object_object_get_ex(req, "cmd", &v))
		cmd = json_object_get_string(v);
	if (json_object_object_get_ex(req, "device", &v))
		dev = json_object_get_string(v);
	if (!cmd)
		return reply_error(c, EINVAL, "missing \"cmd\"");
	if (dev && !sysfs_valid_bdf(dev))
		return reply_error(c, EINVAL, "not a PCI device name");

	if (!strcmp(cmd, "list")) {
		struct json_object *a = json_object_new_array();

		for (d = m->devices; d; d = d->next) {
			d->state = sysfs_dev_state(d->bdf);
			json_object_array_add(a, device_to_json(d, false));
		}
		return reply_ok(c, "devices", a);
	}
	if (!c->may_decide && (!strcmp(cmd, "reload") || !strcmp(cmd, "accept") ||
			       !strcmp(cmd, "deny") || !strcmp(cmd, "revoke"))) {
		log_notice("control: refused \"%s\" from a non-root client", cmd);
		return reply_error(c, EPERM, "permission denied: only root may accept, deny, revoke or reload");
	}
	if (!strcmp(cmd, "reload")) {
		r = m->reload ? m->reload(m, err, sizeof(err)) : -EOPNOTSUPP;
		return r < 0 ? reply_error(c, r, err) : reply_ok(c, NULL, NULL);
	}
	if (!strcmp(cmd, "watch")) {
		c->watch = true;
		return reply_ok(c, NULL, NULL);
	}
	if (strcmp(cmd, "show") && strcmp(cmd, "accept") && strcmp(cmd, "deny") &&
	    strcmp(cmd, "revoke"))
		return reply_error(c, EINVAL, "unknown command");
	if (!dev)
		return reply_error(c, EINVAL, "missing \"device\"");
	if (!strcmp(cmd, "show")) {
		d = device_find(m, dev);
		if (!d)
			return reply_error(c, ENODEV, "not a TEE device the daemon tracks");
		d->state = sysfs_dev_state(d->bdf);
		return reply_ok(c, "device", device_to_json(d, true));
	}
	log_notice("administrator %s of %s over the control socket", cmd, dev);
	if (!strcmp(cmd, "accept"))
		r = device_admin_accept(m, dev, err, sizeof(err));
	else if (!strcmp(cmd, "revoke"))
		r = device_admin_revoke(m, dev, err, sizeof(err));
	else
		r = device_admin_deny(m, dev, err, sizeof(err));
	if (r < 0)
		return reply_error(c, r, err);
	d = device_find(m, dev);
	if (d && !final_decision(d)) {
		/* answer when the job is done (control_broadcast) */
		snprintf(c->wait_bdf, sizeof(c->wait_bdf), "%s", dev);
		c->wait_accept = !strcmp(cmd, "accept");
		return true;
	}
	if (d && d->decision != (!strcmp(cmd, "accept") ? VD_ACCEPTED : VD_DENIED))
		return reply_error(c, EPERM, d->reason);
	return reply_ok(c, "device", d ? device_to_json(d, true) : NULL);
}

static int on_client(struct evsrc *s, int fd, uint32_t revents, void *data)
{
	struct vd_client *c = data;
	ssize_t n;
	char *nl;

	(void)s;
	if (c->dead || (revents & (EPOLLHUP | EPOLLERR))) {
		client_free(c);
		return 0;
	}
	n = recv(fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, MSG_DONTWAIT);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		client_free(c);
		return 0;
	}
	c->inlen += n;
	c->in[c->inlen] = '\0';
	while ((nl = memchr(c->in, '\n', c->inlen))) {
		struct json_object *req;
		bool ok;

		*nl = '\0';
		req = json_tokener_parse(c->in);
		c->m->current_client = c;
		ok = req && json_object_is_type(req, json_type_object) ?
		     handle(c, req) : reply_error(c, EINVAL, "malformed request");
		c->m->current_client = NULL;
		json_object_put(req);
		ok = ok && !c->dead;
		c->inlen -= nl + 1 - c->in;
		memmove(c->in, nl + 1, c->inlen);
		if (!ok) {
			client_free(c);
			return 0;
		}
	}
	if (c->inlen >= sizeof(c->in) - 1) {
		reply_error(c, EMSGSIZE, "request too long");
		client_free(c);
	}
	return 0;
}

/* The group that may read (list, show, watch); -1 when it does not exist. */
static gid_t tsm_group(void)
{
	struct group *g = getgrnam(VD_READ_GROUP);

	return g ? g->gr_gid : (gid_t)-1;
}

/* Is the peer a member of the group tsm (primary or supplementary)? */
static bool peer_in_group(int fd, const struct ucred *cred)
{
	gid_t gid = tsm_group(), groups[256];
	socklen_t len = sizeof(groups);
	size_t i;

	if (gid == (gid_t)-1)
		return false;
	if (cred->gid == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static int on_listen(struct evsrc *s, int fd, uint32_t revents, void *data)
{
	struct manager *m = data;
	struct vd_client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int cfd, r;

	(void)s;
	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return 0;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    (cred.uid != 0 && !peer_in_group(cfd, &cred))) {
		static const char msg[] =
			"{\"ok\":false,\"error\":\"permission denied: root or group tsm only\",\"errno\":1}\n";

		log_notice("control: refused a client with uid %d", len ? (int)cred.uid : -1);
		if (send(cfd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("control: %m");
		close(cfd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->m = m;
	c->fd = cfd;
	c->may_decide = cred.uid == 0;
	r = evloop_add_io(m->event, &c->src, cfd, EPOLLIN, on_client, c);
	if (r < 0) {
		close(cfd);
		free(c);
		return 0;
	}
	evsrc_set_description(c->src, "control-client");
	c->next = m->clients;
	m->clients = c;
	return 0;
}

static int make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int control_setup(struct manager *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = m->opts.socket_path;
	gid_t gid;
	int fd, r;

	if (vd_listen_fds() == 1 && vd_is_listening_unix_stream(VD_LISTEN_FDS_START)) {
		/*
		 * Socket activation (tsm-verifierd.socket): owner, group and
		 * mode are the socket unit's. Non-blocking like our own, so
		 * that a client gone before accept() cannot stall the loop.
		 */
		fd = VD_LISTEN_FDS_START;
		r = fcntl(fd, F_GETFL);
		if (r < 0 || fcntl(fd, F_SETFL, r | O_NONBLOCK) < 0)
			return log_error_errno(errno, "control socket (socket activation): %m");
		log_debug("control socket passed by systemd");
	} else {
		if (strlen(path) >= sizeof(sa.sun_path))
			return log_error_errno(ENAMETOOLONG, "%s: %m", path);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		r = make_parent_dir(path);
		if (r < 0)
			return log_error_errno(r, "%s: %m", path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return log_error_errno(errno, "socket: %m");
		unlink(path);
		/* ORDER: the umask makes the socket 0600 from the first instant */
		{
			mode_t old = umask(0177);

			r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
			umask(old);
		}
		gid = tsm_group();
		/*
		 * root:tsm 0660 lets the group connect; root decides either way.
		 * Without the right to chown (a unit without CAP_CHOWN) the
		 * socket stays root's alone; socket activation with
		 * SocketGroup=tsm is the way to grant the group then.
		 */
		if (r == 0 && gid != (gid_t)-1 && chown(path, 0, gid) < 0) {
			log_warning("control socket %s: cannot give it to group %s (%m); root only",
				    path, VD_READ_GROUP);
			gid = (gid_t)-1;
		}
		if (r < 0 || chmod(path, gid != (gid_t)-1 ? 0660 : 0600) < 0 || listen(fd, 16) < 0) {
			r = log_error_errno(errno, "control socket %s: %m", path);
			close(fd);
			return r;
		}
	}
	m->listen_fd = fd;
	r = evloop_add_io(m->event, &m->listen_src, fd, EPOLLIN, on_listen, m);
	if (r < 0)
		return log_error_errno(r, "control socket source: %m");
	evsrc_set_description(m->listen_src, "control-listen");
	log_debug("control socket at %s", path);
	return 0;
}

void control_teardown(struct manager *m)
{
	while (m->clients)
		client_free(m->clients);
	m->listen_src = evsrc_free(m->listen_src);
	if (m->listen_fd >= 0) {
		close(m->listen_fd);
		if (m->listen_fd != VD_LISTEN_FDS_START)
			unlink(m->opts.socket_path);
	}
	m->listen_fd = -1;
}

void control_broadcast(struct manager *m, const struct vd_device *d)
{
	struct vd_client *c, *next;
	struct json_object *ev = NULL;

	for (c = m->clients; c; c = next) {
		bool ok = true;

		next = c->next;
		if (c->wait_bdf[0] && !strcmp(c->wait_bdf, d->bdf) && final_decision(d)) {
			c->wait_bdf[0] = '\0';
			ok = d->decision == (c->wait_accept ? VD_ACCEPTED : VD_DENIED) ?
			     reply_ok(c, "device", device_to_json(d, true)) :
			     reply_error(c, EPERM, d->reason);
		}
		if (ok && c->watch) {
			if (!ev) {
				ev = device_to_json(d, false);
				json_object_object_add(ev, "event", json_object_new_string("decision"));
			}
			ok = client_send(c, ev);
		}
		if (!ok)
			c->dead = true;
		/* never free the client whose request is being handled */
		if (c->dead && c != m->current_client)
			client_free(c);
	}
	json_object_put(ev);
}

/* A recovery uevent, to watchers: {"event":"recovery","device",...,"kind","cause",...} */
static void broadcast_recovery(struct manager *m, const struct vd_device *d)
{
	const struct vd_recovery *r = &d->last_recovery;
	struct json_object *ev = NULL;
	struct vd_client *c, *next;

	for (c = m->clients; c; c = next) {
		next = c->next;
		if (!c->watch || c->dead)
			continue;
		if (!ev) {
			ev = json_object_new_object();
			json_object_object_add(ev, "event", json_object_new_string("recovery"));
			json_object_object_add(ev, "device", json_object_new_string(d->bdf));
			json_object_object_add(ev, "kind", json_object_new_string(r->event));
			json_object_object_add(ev, "cause", json_object_new_string(r->cause));
			if (r->why[0])
				json_object_object_add(ev, "why", json_object_new_string(r->why));
			if (r->has_generation)
				json_object_object_add(ev, "generation",
						       json_object_new_int64(r->generation));
		}
		if (!client_send(c, ev))
			c->dead = true;
		if (c->dead && c != m->current_client)
			client_free(c);
	}
	json_object_put(ev);
}

void control_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev)
{
	if (ev == VD_EVENT_DECISION)
		control_broadcast(m, d);
	else if (ev == VD_EVENT_RECOVERY)
		broadcast_recovery(m, d);
}
