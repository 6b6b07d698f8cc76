// SPDX-License-Identifier: GPL-2.0-only
/*
 * udev edge: a libudev monitor for the "pci" and "tsm" subsystems on the
 * event loop, and the coldplug walk of /sys/bus/pci/devices at start.
 * Without a running udevd (an initramfs, the VM tests) the monitor
 * listens to the kernel's uevents directly. A uevent is never dropped
 * silently: when the socket overflows (ENOBUFS) the loss is logged and
 * every PCI device is rescanned (devices_rescan).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "manager.h"

/* PCI_TSM_EVENT and its keys (docs/ABI.md 5.1); false for any other change */
static bool recovery_event(struct udev_device *dev, struct vd_recovery *ev)
{
	const char *event = udev_device_get_property_value(dev, "PCI_TSM_EVENT");
	const char *cause = udev_device_get_property_value(dev, "PCI_TSM_CAUSE");
	const char *why = udev_device_get_property_value(dev, "PCI_TSM_WHY");
	const char *gen = udev_device_get_property_value(dev, "PCI_TSM_GENERATION");
	unsigned long long g;
	char *end;

	memset(ev, 0, sizeof(*ev));
	if (!event || (strcmp(event, "left-run") && strcmp(event, "reaccepted") &&
		       strcmp(event, "needs-decision")))
		return false;
	snprintf(ev->event, sizeof(ev->event), "%s", event);
	snprintf(ev->cause, sizeof(ev->cause), "%s", cause ? cause : "");
	snprintf(ev->why, sizeof(ev->why), "%s", why ? why : "");
	if (gen && *gen) {
		errno = 0;
		g = strtoull(gen, &end, 10);
		if (!errno && !*end && g <= UINT32_MAX) {
			ev->generation = g;
			ev->has_generation = true;
		}
	}
	return true;
}

static int on_uevent(struct evsrc *s, int fd, uint32_t revents, void *data)
{
	struct manager *m = data;
	struct vd_recovery rev;
	struct udev_device *dev;
	const char *action, *subsys, *name;
	bool lost = false;

	(void)s;
	(void)fd;
	(void)revents;
	for (;;) {
		errno = 0;
		dev = udev_monitor_receive_device(m->monitor);
		if (!dev) {
			/* the socket overflowed: some uevents are gone for good */
			lost = errno == ENOBUFS;
			break;
		}
		action = udev_device_get_action(dev);
		subsys = udev_device_get_subsystem(dev);
		name = udev_device_get_sysname(dev);
		if (!action || !subsys || !name)
			goto next;
		log_debug("uevent %s %s %s (seqnum %llu)", action, subsys, name,
			  udev_device_get_seqnum(dev));
		if (!strcmp(subsys, "tsm")) {
			devices_rescan(m);
		} else if (!strcmp(subsys, "pci") && sysfs_valid_bdf(name)) {
			if (!strcmp(action, "add"))
				device_added(m, name, false);
			else if (!strcmp(action, "remove"))
				device_removed(m, name);
			else if (!strcmp(action, "change") && recovery_event(dev, &rev))
				device_recovery(m, name, &rev);
			else
				device_changed(m, name);	/* change, bind, unbind */
		}
next:
		udev_device_unref(dev);
	}
	if (lost) {
		m->uevent_overflows++;
		log_warning("uevent socket overflowed (ENOBUFS, %lu so far): events were lost; rescanning every PCI device",
			    m->uevent_overflows);
		devices_rescan(m);
	}
	return 0;
}

int udev_setup(struct manager *m)
{
	const char *source = getenv("TSM_UDEV_SOURCE"), *rcvbuf;
	int r;

	m->udev = udev_new();
	if (!m->udev)
		return log_error_errno(ENOMEM, "udev_new failed");
	if (!source)
		source = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
	m->monitor = udev_monitor_new_from_netlink(m->udev, source);
	if (!m->monitor)
		return log_error_errno(errno ? errno : EIO, "udev monitor (%s): %m", source);
	r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, "pci", NULL);
	if (r >= 0)
		r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, "tsm", NULL);
	if (r >= 0)
		r = udev_monitor_enable_receiving(m->monitor);
	if (r < 0)
		return log_error_errno(r, "udev monitor: %m");
	/*
	 * A burst of hotplug events should not overflow the socket; when one
	 * does anyway, on_uevent rescans. TSM_UDEV_RCVBUF (bytes) lets the
	 * tests shrink the buffer to provoke exactly that.
	 */
	rcvbuf = getenv("TSM_UDEV_RCVBUF");
	udev_monitor_set_receive_buffer_size(m->monitor,
					     rcvbuf ? atoi(rcvbuf) : 8 * 1024 * 1024);
	r = evloop_add_io(m->event, &m->monitor_src, udev_monitor_get_fd(m->monitor),
			    EPOLLIN, on_uevent, m);
	if (r < 0)
		return log_error_errno(r, "udev event source: %m");
	evsrc_set_description(m->monitor_src, "udev-monitor");
	log_debug("listening to %s uevents", source);
	return 0;
}

static int coldplug_one(const char *bdf, void *data)
{
	device_added(data, bdf, true);
	return 0;
}

int udev_coldplug(struct manager *m)
{
	int r;

	devices_refresh_tsm(m);
	r = sysfs_for_each_pci_dev(coldplug_one, m);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "enumerating %s/sys/bus/pci/devices: %m", sysfs_root());
	return 0;
}

void udev_teardown(struct manager *m)
{
	m->monitor_src = evsrc_free(m->monitor_src);
	if (m->monitor)
		udev_monitor_unref(m->monitor);
	m->monitor = NULL;
	if (m->udev)
		udev_unref(m->udev);
	m->udev = NULL;
}
