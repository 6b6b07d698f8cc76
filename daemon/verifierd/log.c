// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "tsm";
static bool log_prefix;
static int log_level = LOG_INFO;

void log_setup(const char *ident, bool prefix_priority, int max_level)
{
	log_ident = ident;
	log_prefix = prefix_priority;
	log_level = max_level;
}

int log_max_level(void)
{
	return log_level;
}

static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	char msg[1024], line[1100];
	int n;

	if (prio > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_prefix)
		n = snprintf(line, sizeof(line), "<%d>%s\n", prio, msg);
	else
		n = snprintf(line, sizeof(line), "%s: %s\n", log_ident, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* One write so that lines from worker threads do not interleave. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void log_msg(int prio, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
	errno = saved;
}

int log_msg_errno(int prio, int err, const char *fmt, ...)
{
	va_list ap;

	err = abs(err);
	errno = err;
	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
	errno = err;
	return -err;
}
