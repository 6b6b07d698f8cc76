// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: /etc/tsm/tsm-verifierd.conf parser (docs/ABI.md 7.1). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "inifile.h"

#define CHECK "config"

void tsm_config_defaults(struct tsm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = TSM_MODE_ENFORCE;
	cfg->present = TSM_PRESENT_KEEP;
	cfg->nonce_required = true;
	cfg->time_check = true;
	cfg->timeout_ms = 10000;
	snprintf(cfg->policy_dir, sizeof(cfg->policy_dir), "%s", TSM_DEFAULT_POLICY_DIR);
	snprintf(cfg->trust_dir, sizeof(cfg->trust_dir), "%s", TSM_DEFAULT_TRUST_DIR);
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", TSM_DEFAULT_STATE_DIR);
	cfg->export_keep = TSM_EXPORT_KEEP_DEFAULT;
}

enum { K_MODE, K_PRESENT, K_NONCE, K_TIME, K_TIMEOUT, K_POLICY, K_TRUST, K_STATE,
       K_EXPORT_DIR, K_EXPORT_KEY, K_EXPORT_KEEP, K_NR };

static const char *const keys[K_NR] = {
	[K_MODE] = "mode", [K_PRESENT] = "present", [K_NONCE] = "nonce",
	[K_TIME] = "time-check", [K_TIMEOUT] = "timeout", [K_POLICY] = "policy-dir",
	[K_TRUST] = "trust-dir", [K_STATE] = "state-dir", [K_EXPORT_DIR] = "export-dir",
	[K_EXPORT_KEY] = "export-key", [K_EXPORT_KEEP] = "export-keep",
};

struct cfg_state {
	struct tsm_config *cfg;
	bool in_daemon;
	bool seen_daemon;
	int seen[K_NR];		/* line of first occurrence */
};

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_timeout(const char *v, unsigned int *ms)
{
	char num[32];
	const char *unit;
	uint64_t n, mult = 1000;
	size_t len = strspn(v, "0123456789");

	if (!len || len >= sizeof(num))
		return -1;
	memcpy(num, v, len);
	num[len] = '\0';
	unit = v + len;
	if (!strcmp(unit, "ms"))
		mult = 1;
	else if (!strcmp(unit, "s") || !*unit)
		mult = 1000;
	else if (!strcmp(unit, "m") || !strcmp(unit, "min"))
		mult = 60000;
	else
		return -1;
	if (num[0] == '0' && num[1])
		return -1;
	n = strtoull(num, NULL, 10);
	if (n == 0 || n > 3600000 / mult)
		return -1;
	*ms = (unsigned int)(n * mult);
	return 0;
}

/* a decimal count 1..TSM_EXPORT_KEEP_MAX, no sign, no leading zero */
static int parse_keep(const char *v, unsigned int *keep)
{
	size_t len = strspn(v, "0123456789");
	unsigned long n;

	if (!len || v[len] || len > 7 || v[0] == '0')
		return -1;
	n = strtoul(v, NULL, 10);
	if (n < 1 || n > TSM_EXPORT_KEEP_MAX)
		return -1;
	*keep = (unsigned int)n;
	return 0;
}

static int set_dir(char *dst, const char *v, const char *key, struct tsm_error *err)
{
	if (v[0] != '/')
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "%s must be an absolute path, got \"%s\"",
				key, v);
	if (strlen(v) >= TSM_PATH_MAX)
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "%s is too long", key);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int cfg_section(void *user, const char *name, int line, struct tsm_error *err)
{
	struct cfg_state *st = user;

	(void)line;
	if (strcmp(name, "daemon"))
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"unknown section [%s] (only [daemon])", name);
	if (st->seen_daemon)
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "duplicate section [daemon]");
	st->seen_daemon = st->in_daemon = true;
	return 0;
}

static int cfg_key(void *user, const char *section, const char *key,
		   const char *v, int line, struct tsm_error *err)
{
	struct cfg_state *st = user;
	struct tsm_config *c = st->cfg;
	int k;

	(void)section;
	if (!st->in_daemon)
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "key \"%s\" outside [daemon]", key);
	for (k = 0; k < K_NR; k++)
		if (!strcmp(key, keys[k]))
			break;
	if (k == K_NR)
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "unknown key \"%s\"", key);
	if (st->seen[k])
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"duplicate key \"%s\" (first on line %d)", key, st->seen[k]);
	st->seen[k] = line;
	switch (k) {
	case K_MODE:
		if (!strcmp(v, "enforce"))
			c->mode = TSM_MODE_ENFORCE;
		else if (!strcmp(v, "audit"))
			c->mode = TSM_MODE_AUDIT;
		else
			goto bad;
		return 0;
	case K_PRESENT:
		if (!strcmp(v, "keep"))
			c->present = TSM_PRESENT_KEEP;
		else if (!strcmp(v, "apply"))
			c->present = TSM_PRESENT_APPLY;
		else
			goto bad;
		return 0;
	case K_NONCE:
		if (!strcmp(v, "required"))
			c->nonce_required = true;
		else if (!strcmp(v, "optional"))
			c->nonce_required = false;
		else
			goto bad;
		return 0;
	case K_TIME:
		if (parse_bool(v, &c->time_check))
			goto bad;
		return 0;
	case K_TIMEOUT:
		if (parse_timeout(v, &c->timeout_ms))
			goto bad;
		return 0;
	case K_POLICY:
		return set_dir(c->policy_dir, v, key, err);
	case K_TRUST:
		return set_dir(c->trust_dir, v, key, err);
	case K_EXPORT_DIR:
		return set_dir(c->export_dir, v, key, err);
	case K_EXPORT_KEY:
		return set_dir(c->export_key, v, key, err);
	case K_EXPORT_KEEP:
		if (parse_keep(v, &c->export_keep))
			goto bad;
		return 0;
	default:
		return set_dir(c->state_dir, v, key, err);
	}
bad:
	return tsm_fail(err, TSM_E_CONFIG, CHECK, "bad value \"%s\" for %s", v, key);
}

static const struct tsm_ini_ops cfg_ops = {
	.section = cfg_section,
	.key = cfg_key,
};

int tsm_config_parse_buffer(const char *name, const char *buf, size_t len,
			    struct tsm_config *cfg, struct tsm_error *err)
{
	struct cfg_state st = { .cfg = cfg };

	tsm_config_defaults(cfg);
	return tsm_ini_parse(name, buf, len, &cfg_ops, &st, err);
}

int tsm_config_load(const char *path, bool missing_ok, struct tsm_config *cfg,
		    struct tsm_error *err)
{
	uint8_t *data;
	size_t len;
	int rc;

	tsm_config_defaults(cfg);
	tsm_error_clear(err);
	if (missing_ok && access(path, F_OK) && errno == ENOENT)
		return 0;
	rc = tsm_read_file(path, 1 << 20, &data, &len, err);
	if (rc)
		return rc;
	rc = tsm_config_parse_buffer(path, (const char *)data, len, cfg, err);
	free(data);
	return rc;
}
