/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: /etc/tsm/tsm-verifierd.conf (docs/ABI.md section 7.1).
 */
#ifndef TSM_CONFIG_H
#define TSM_CONFIG_H

#define TSM_PATH_MAX 4096

#include "util.h"

#define TSM_CONFIG_PATH		"/etc/tsm/tsm-verifierd.conf"
#define TSM_DEFAULT_POLICY_DIR	"/etc/tsm/policy.d"
#define TSM_DEFAULT_TRUST_DIR	"/etc/tsm/trust"
#define TSM_DEFAULT_STATE_DIR	"/var/lib/tsm"

enum tsm_mode { TSM_MODE_ENFORCE = 0, TSM_MODE_AUDIT };
enum tsm_present { TSM_PRESENT_KEEP = 0, TSM_PRESENT_APPLY };

struct tsm_config {
	enum tsm_mode mode;		/* mode = enforce | audit */
	enum tsm_present present;	/* present = keep | apply */
	bool nonce_required;		/* nonce = required | optional */
	bool time_check;		/* time-check = yes | no (also true/false/1/0/on/off) */
	unsigned int timeout_ms;	/* timeout = N[ms|s|m], plain N = seconds; 1ms..1h */
	char policy_dir[TSM_PATH_MAX];
	char trust_dir[TSM_PATH_MAX];
	char state_dir[TSM_PATH_MAX];
	/* export-dir = DIR: every decision as EAR (+ bundle) files; "" = off */
	char export_dir[TSM_PATH_MAX];
	/* export-key = FILE: PEM EC P-256 key signing each EAR (ES256); "" = none */
	char export_key[TSM_PATH_MAX];
	/* export-keep = N: the newest N decisions are kept in export-dir */
	unsigned int export_keep;
};

#define TSM_EXPORT_KEEP_DEFAULT	1000
#define TSM_EXPORT_KEEP_MAX	1000000

/*
 * The documented defaults: enforce, keep, required, yes, 10s, /etc/tsm/...,
 * no export (export-keep 1000).
 */
void tsm_config_defaults(struct tsm_config *cfg);

/*
 * Load @path (INI, section [daemon] only, all keys optional, '#' and ';'
 * comments, also after a value when preceded by whitespace). @cfg is
 * first set to defaults. A missing file (ENOENT) is not an error when
 * @missing_ok: defaults are kept and 0 returned. Unknown sections/keys,
 * bad values, duplicate keys, relative directories -> -TSM_E_CONFIG with
 * "PATH:LINE: ..." in the reason; unreadable -> -TSM_E_IO.
 */
int tsm_config_load(const char *path, bool missing_ok, struct tsm_config *cfg,
		    struct tsm_error *err);

/* Same from memory (@name is used in messages). For tests/fuzzing. */
int tsm_config_parse_buffer(const char *name, const char *buf, size_t len,
			    struct tsm_config *cfg, struct tsm_error *err);

#endif /* TSM_CONFIG_H */
