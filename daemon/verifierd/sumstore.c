// SPDX-License-Identifier: GPL-2.0-only
/*
 * Evidence summaries out of the daemon's heap. A summary (JSON text, 2-3
 * KiB) is read only by `tsmctl show` and by state.json writes; no decision
 * needs it. Kept on the heap, one per function was half of the daemon's
 * per-function memory (docs/performance.md section 5). They go to one
 * unlinked file in the state directory instead (page cache, which the
 * kernel can write back and drop), read back with pread() when asked for.
 * Where the state directory takes no O_TMPFILE, a memfd holds them.
 *
 * Each device owns a slot (offset, capacity); a summary that fits its slot
 * overwrites it, a bigger one gets a new slot at the end. When dead slots
 * are most of the file, the live ones are copied to a fresh file.
 * Single-threaded: only the loop's thread calls these.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "log.h"
#include "manager.h"

#define SUM_SLOT_ALIGN	256		/* room to grow a little in place */
#define SUM_COMPACT_MIN	(1024 * 1024)	/* dead bytes before a compaction */

static int sum_open(struct manager *m)
{
	int fd = -1;

	if (m->cfg.state_dir[0] && (mkdir(m->cfg.state_dir, 0700) == 0 || errno == EEXIST))
		fd = open(m->cfg.state_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = memfd_create("tsm-verifierd-summaries", MFD_CLOEXEC);
	if (fd < 0)
		return log_warning_errno(errno, "evidence summary store: %m");
	return fd;
}

static int pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int pread_all(int fd, char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static uint32_t slot_size(size_t len)
{
	return (uint32_t)((len + SUM_SLOT_ALIGN - 1) / SUM_SLOT_ALIGN * SUM_SLOT_ALIGN);
}

/* the live summaries into a fresh file; on failure the old one stays */
static void sum_compact(struct manager *m)
{
	struct vd_device *d;
	uint64_t end = 0;
	char *buf = NULL;
	int fd = sum_open(m), r = 0;

	if (fd < 0)
		return;
	for (d = m->devices; d && !r; d = d->next) {
		if (!d->sum_len)
			continue;
		buf = realloc(buf, d->sum_len);
		if (!buf) {
			r = -ENOMEM;
			break;
		}
		r = pread_all(m->sum_fd, buf, d->sum_len, (off_t)d->sum_off);
		if (!r)
			r = pwrite_all(fd, buf, d->sum_len, (off_t)end);
		end += slot_size(d->sum_len);
	}
	free(buf);
	if (r) {
		log_warning_errno(r, "evidence summary store: compaction: %m");
		close(fd);
		return;
	}
	/* ORDER: the same walk, the same offsets */
	end = 0;
	for (d = m->devices; d; d = d->next) {
		if (!d->sum_len) {
			d->sum_cap = 0;
			continue;
		}
		d->sum_off = end;
		d->sum_cap = slot_size(d->sum_len);
		end += d->sum_cap;
	}
	close(m->sum_fd);
	m->sum_fd = fd;
	m->sum_end = end;
	log_debug("evidence summary store compacted to %llu bytes", (unsigned long long)end);
}

int sumstore_put(struct manager *m, struct vd_device *d, const char *json)
{
	size_t len = json ? strlen(json) : 0;
	int r;

	m->sum_live -= d->sum_len;
	d->sum_len = 0;
	if (!len)
		return 0;
	if (len > UINT32_MAX - SUM_SLOT_ALIGN)
		return -E2BIG;
	if (m->sum_fd < 0) {
		m->sum_fd = sum_open(m);
		if (m->sum_fd < 0)
			return m->sum_fd;
	}
	if (len > d->sum_cap) {
		/* the old slot is dead; most of the file dead: start afresh */
		d->sum_cap = 0;
		if (m->sum_end - m->sum_live > SUM_COMPACT_MIN &&
		    m->sum_end - m->sum_live > m->sum_live)
			sum_compact(m);
		d->sum_off = m->sum_end;
		d->sum_cap = slot_size(len);
		m->sum_end += d->sum_cap;
	}
	r = pwrite_all(m->sum_fd, json, len, (off_t)d->sum_off);
	if (r < 0)
		return log_warning_errno(r, "%s: evidence summary not kept: %m", d->bdf);
	d->sum_len = (uint32_t)len;
	m->sum_live += len;
	return 0;
}

char *sumstore_get(const struct manager *m, const struct vd_device *d)
{
	char *s;
	int r;

	if (!d->sum_len || m->sum_fd < 0)
		return NULL;
	s = malloc((size_t)d->sum_len + 1);
	if (!s)
		return NULL;
	r = pread_all(m->sum_fd, s, d->sum_len, (off_t)d->sum_off);
	if (r < 0) {
		log_warning_errno(r, "%s: evidence summary: %m", d->bdf);
		free(s);
		return NULL;
	}
	s[d->sum_len] = '\0';
	return s;
}

void sumstore_close(struct manager *m)
{
	if (m->sum_fd >= 0)
		close(m->sum_fd);
	m->sum_fd = -1;
	m->sum_end = 0;
	m->sum_live = 0;
}
