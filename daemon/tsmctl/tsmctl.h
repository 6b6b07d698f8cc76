/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tsmctl: one file per verb, dispatched from the table in tsmctl.c.
 * Exit codes: 0 success, 1 refused or failed, 2 usage.
 */
#ifndef TSMCTL_H
#define TSMCTL_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#define EXIT_REFUSED	1
#define EXIT_USAGE	2

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;	/* one line for `tsmctl --help` */
};

/* global options, set by tsmctl.c */
extern const char *ctl_socket_path;
extern const char *ctl_config_path;

int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_accept(int argc, char **argv);
int cmd_deny(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_generate_policy(int argc, char **argv);
int cmd_check_policy(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_export(int argc, char **argv);

/*
 * Parses the common "[--json] [--help]" options of a verb; returns the
 * index of the first operand, or -1 after printing help (*exit_code 0)
 * or a usage error (*exit_code 2).
 */
int verb_options(int argc, char **argv, const char *usage, bool allow_json, bool *json,
		 int *exit_code);

/* client.c: the daemon's control socket */
int ctl_connect(void);				/* fd or -errno */
int ctl_send(int fd, struct json_object *req);
int ctl_recv(int fd, struct json_object **out);	/* 0, -errno, or -EPIPE at EOF */
/*
 * One request/answer. Returns 0 with *reply set when the daemon said ok,
 * 1 when it refused (message printed), -errno when it cannot be reached.
 */
int ctl_call(const char *cmd, const char *device, struct json_object **reply);
/* accept/deny DEVICE through the daemon; returns the verb's exit status. */
int ctl_admin_verdict(const char *verb, const char *usage, int argc, char **argv);
/* permanent.c: the decision just made, as a rule in policy-dir; exit status */
/* |anchor|: a file name in trust-dir for an accept rule, or NULL (the policy's) */
int permanent_rule(const char *verb, const char *bdf, const char *anchor);
const char *jget_str(struct json_object *o, const char *key);
long long jget_int(struct json_object *o, const char *key);

/* offline.c: what tsmctl can do without the daemon */
/* the history the state file recorded for |bdf| (a new reference), or NULL */
struct json_object *offline_history(const char *bdf);
struct json_object *offline_device(const char *bdf);	/* list-style object or NULL */
struct json_object *offline_list(void);
/* Evidence summary read directly over netlink (no nonce); NULL + message on error. */
struct json_object *offline_evidence(const char *bdf, char *err, size_t errlen);
const char *ctl_state_dir(void);

/* output helpers */
void print_device_line_header(void);
void print_device_line(struct json_object *d);
void print_device_full(struct json_object *d);
/* watch: a recovery uevent the daemon heard ({"event":"recovery",...}) */
void print_recovery_line(struct json_object *ev);
void print_json(struct json_object *o);

#endif /* TSMCTL_H */
