// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: line-exact INI reading over inih (see inifile.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "inifile.h"

struct stream {
	const char *name;
	const char *buf;
	size_t len, off;
	int line;		/* line last handed to inih */
	const struct tsm_ini_ops *ops;
	void *user;
	struct tsm_error *err;
	int rc;			/* first error, 0 if none */
	int err_line;
};

static void fail_at(struct stream *s, int rc, struct tsm_error *e)
{
	if (s->rc)
		return;
	s->rc = rc;
	s->err_line = s->line;
	if (s->err) {
		*s->err = *e;
		tsm_error_prefix(s->err, "%s:%d", s->name, s->line);
	}
}

/* Cut a comment: '#' or ';' at the start or after whitespace. */
static void strip_comment(char *p)
{
	for (char *c = p; *c; c++) {
		if ((*c == '#' || *c == ';') && (c == p || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			return;
		}
	}
}

static void trim_right(char *p)
{
	size_t n = strlen(p);

	while (n && isspace((unsigned char)p[n - 1]))
		p[--n] = '\0';
}

static int section_line(struct stream *s, char *p)
{
	struct tsm_error e;
	char *end = strchr(p, ']');
	int rc;

	if (!end || end[1] != '\0') {
		tsm_fail(&e, TSM_E_CONFIG, "config", "malformed section header \"%s\"", p);
		fail_at(s, -TSM_E_CONFIG, &e);
		return -1;
	}
	*end = '\0';
	p++;
	while (isspace((unsigned char)*p))
		p++;
	trim_right(p);
	tsm_error_clear(&e);
	rc = s->ops->section(s->user, p, s->line, &e);
	if (rc) {
		fail_at(s, rc, &e);
		return -1;
	}
	return 0;
}

/*
 * The line as inih and section_line() see it: |n| bytes of |start| copied
 * into |buf| (which holds more than |n|), the comment cut, whitespace
 * trimmed on both ends. Returns the start of the cleaned line in |buf|.
 */
static char *clean_line(char *buf, const char *start, size_t n)
{
	char *p = buf;

	memcpy(buf, start, n);
	buf[n] = '\0';
	strip_comment(buf);
	while (isspace((unsigned char)*p))
		p++;
	trim_right(p);
	return p;
}

/* inih's reader: one logical line per call, cleaned up. */
static char *reader(char *str, int num, void *stream)
{
	struct stream *s = stream;
	char line[TSM_INI_MAX_LINE];
	struct tsm_error e;
	const char *start, *nl;
	size_t n, adv;
	int max;
	char *p;

	if (s->rc || s->off >= s->len)
		return NULL;
	start = s->buf + s->off;
	nl = memchr(start, '\n', s->len - s->off);
	n = nl ? (size_t)(nl - start) : s->len - s->off;
	adv = nl ? n + 1 : n;
	s->line++;
	s->off += adv;
	if (memchr(start, '\0', n)) {
		tsm_fail(&e, TSM_E_CONFIG, "config", "NUL byte in line");
		fail_at(s, -TSM_E_CONFIG, &e);
		return NULL;
	}
	if (n && start[n - 1] == '\r')
		n--;
	if (s->line == 1 && n >= 3 && !memcmp(start, "\xef\xbb\xbf", 3)) {
		start += 3;	/* UTF-8 byte order mark */
		n -= 3;
	}
	if (n >= sizeof(line)) {
		tsm_fail(&e, TSM_E_CONFIG, "config", "line longer than %zu characters",
			 sizeof(line) - 1);
		fail_at(s, -TSM_E_CONFIG, &e);
		return NULL;
	}
	p = clean_line(line, start, n);
	/* inih's own buffer holds num - 3 characters (plus CR, LF, NUL) */
	max = num - 3 < TSM_INI_MAX_TEXT ? num - 3 : TSM_INI_MAX_TEXT;
	if (max < 1 || strlen(p) > (size_t)max) {
		tsm_fail(&e, TSM_E_CONFIG, "config",
			 "line longer than %d characters (without comments)", max);
		fail_at(s, -TSM_E_CONFIG, &e);
		return NULL;
	}
	/* inih gets the whole line; section_line() may cut our copy */
	memcpy(str, p, strlen(p) + 1);
	if (p[0] == '[' && section_line(s, p))
		return NULL;
	return str;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct stream *s = user;
	struct tsm_error e;
	int rc;

	if (s->rc)
		return 1;
	tsm_error_clear(&e);
	rc = s->ops->key(s->user, section, name, value, s->line, &e);
	if (rc)
		fail_at(s, rc, &e);
	return 1;
}

int tsm_ini_parse(const char *name, const char *buf, size_t len,
		  const struct tsm_ini_ops *ops, void *user, struct tsm_error *err)
{
	struct stream s = {
		.name = name, .buf = buf, .len = buf ? len : 0,
		.ops = ops, .user = user, .err = err,
	};
	int ini_rc;

	tsm_error_clear(err);
	ini_rc = ini_parse_stream(reader, &s, handler, &s);
	if (ini_rc > 0 && (!s.rc || ini_rc < s.err_line)) {
		return tsm_fail(err, TSM_E_CONFIG, "config",
				"%s:%d: syntax error (expected \"key = value\" or \"[section]\")",
				name, ini_rc);
	}
	if (ini_rc < 0 && !s.rc)
		return tsm_fail(err, TSM_E_NOMEM, "config", "%s: parser error %d", name, ini_rc);
	return s.rc;
}

bool tsm_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return false;
	/* no octal surprises: a leading 0 followed by a digit is rejected */
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || v > max)
		return false;
	*out = v;
	return true;
}
