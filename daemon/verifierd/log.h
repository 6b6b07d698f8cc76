/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging for tsm-verifierd and tsmctl: stderr, with a syslog priority
 * prefix ("<3>") when running under systemd so that journald keeps the
 * level, plain text in the foreground. Thread safe (one write per line).
 */
#ifndef TSM_LOG_H
#define TSM_LOG_H

#include <errno.h>
#include <stdbool.h>
#include <syslog.h>

void log_setup(const char *ident, bool prefix_priority, int max_level);
int log_max_level(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs with errno set to |err| (for %m) and returns -|err|. */
int log_msg_errno(int prio, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(...)		log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)		log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...)		log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...)		log_msg(LOG_ERR, __VA_ARGS__)
#define log_error_errno(e, ...)	log_msg_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_msg_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_debug_errno(e, ...)	log_msg_errno(LOG_DEBUG, (e), __VA_ARGS__)

#endif /* TSM_LOG_H */
