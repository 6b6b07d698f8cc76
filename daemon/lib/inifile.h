/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: INI reading on top of inih with exact line numbers.
 *
 * inih (Debian's libinih 55) knows no line numbers in its handler, treats
 * indented lines as continuations, strips only ';' inline comments and
 * truncates long lines. So lines are fed to ini_parse_stream() through our
 * own reader, which counts lines, strips '#' and ';' comments (at the start
 * of a line, or after whitespace), removes leading whitespace (no
 * continuation lines), rejects NUL bytes and over-long lines, and reports
 * each [section] header with its line before inih sees it.
 */
#ifndef TSM_INIFILE_H
#define TSM_INIFILE_H

#include "util.h"

#define TSM_INI_MAX_LINE 1024
/*
 * What is left of a line once comments and outer whitespace are gone may
 * hold this many characters. inih's own line buffer (200 bytes in Debian's
 * build, less CR, LF and NUL) sets it; writers of the format (the policy
 * printer) keep their lines within it so that what they write reads back.
 */
#define TSM_INI_MAX_TEXT 197

struct tsm_ini_ops {
	/* "[NAME]" on @line (NAME without brackets, trimmed). */
	int (*section)(void *user, const char *name, int line, struct tsm_error *err);
	/* "key = value" on @line; @section is "" before the first section. */
	int (*key)(void *user, const char *section, const char *key,
		   const char *value, int line, struct tsm_error *err);
};

/*
 * Parse @len bytes of @buf. Callbacks return 0 or -TSM_E_* with @err set;
 * the first error stops parsing. Every error reason starts with
 * "NAME:LINE: ". Returns 0 or -TSM_E_CONFIG / the callback's code.
 */
int tsm_ini_parse(const char *name, const char *buf, size_t len,
		  const struct tsm_ini_ops *ops, void *user, struct tsm_error *err);

/* Strict integer parse of the whole string (base 0: 0x.. hex or decimal). */
bool tsm_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif /* TSM_INIFILE_H */
