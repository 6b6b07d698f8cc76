// SPDX-License-Identifier: GPL-2.0-only
/*
 * fi-syscall: make one kernel request with fault injection armed for that
 * request alone (the fault-injection VM test of the debug-kernel lane).
 *
 * failslab and fail_function with task-filter fail allocations of tasks
 * whose /proc/self/make-it-fail is 1 -- all of them, page faults included.
 * A test program running under it can be killed by its own page faults
 * ("VM_FAULT_OOM leaked out to the #PF handler") before it reaches the
 * kernel code under test. So this tool prepares everything first (files
 * read, socket open, family resolved, memory locked and pre-faulted), arms
 * make-it-fail just around the system calls of the request, and disarms.
 *
 * usage:
 *   fi-syscall write FILE VALUE          one write(2) of VALUE
 *   fi-syscall insmod FILE.ko [PARAMS]   finit_module(2)
 *   fi-syscall rmmod NAME                delete_module(2), O_NONBLOCK
 *   fi-syscall dump pci-tsm|device-evidence DEV MASK
 *                                        one evidence dump, drained
 * Exit: 0 the request succeeded; 1 it failed (the errno name is printed);
 * 2 usage or setup error (nothing was injected).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/device_evidence.h>
#include <linux/pci_tsm_netlink.h>

#define BUF_SIZE (64 * 1024)

static int fail_fd = -1;
static unsigned char buf[BUF_SIZE];

static void arm(int on)
{
	if (pwrite(fail_fd, on ? "1" : "0", 1, 0) != 1) {
		perror("fi-syscall: /proc/self/make-it-fail");
		exit(2);
	}
}

/* Fault in stack and lock every page, so the armed window takes no faults. */
static void prefault(void)
{
	volatile unsigned char stack[128 * 1024];
	size_t i;

	for (i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
	if (mlockall(MCL_CURRENT | MCL_FUTURE)) {
		perror("fi-syscall: mlockall");
		exit(2);
	}
}

static int result(long rc)
{
	int err = errno;

	arm(0);
	if (rc >= 0) {
		puts("OK");
		return 0;
	}
	printf("%s\n", strerrorname_np(err) ? strerrorname_np(err) : "E?");
	return 1;
}

/* Open @path before arming: the syscall under test is the only one failed. */
static int open_target(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "fi-syscall: %s: %s\n", path, strerror(errno));
	else
		prefault();
	return fd;
}

static int do_write(const char *path, const char *val)
{
	int fd = open_target(path, O_WRONLY);

	if (fd < 0)
		return 2;
	arm(1);
	return result(write(fd, val, strlen(val)));
}

static int do_insmod(const char *path, const char *params)
{
	int fd = open_target(path, O_RDONLY);

	if (fd < 0)
		return 2;
	arm(1);
	return result(syscall(SYS_finit_module, fd, params, 0));
}

static int do_rmmod(const char *name)
{
	long rc;

	prefault();
	arm(1);
	rc = syscall(SYS_delete_module, name, O_NONBLOCK);
	return result(rc);
}

static struct nlattr *put_attr(struct nlmsghdr *nlh, uint16_t type,
			       const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static struct nlmsghdr *genl_msg(uint16_t type, uint16_t flags, uint8_t cmd,
				 uint8_t version)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(buf, 0, NLMSG_SPACE(GENL_HDRLEN));
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = 1;
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* Family id of @name, before anything is armed. 0 on failure. */
static uint16_t resolve_family(int sk, const char *name)
{
	struct nlmsghdr *nlh = genl_msg(GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1);
	struct nlattr *a;
	ssize_t n;
	int len;

	put_attr(nlh, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	if (send(sk, nlh, nlh->nlmsg_len, 0) < 0)
		return 0;
	n = recv(sk, buf, sizeof(buf), 0);
	nlh = (struct nlmsghdr *)buf;
	if (n < (ssize_t)NLMSG_LENGTH(GENL_HDRLEN) || nlh->nlmsg_type == NLMSG_ERROR)
		return 0;
	len = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
		len -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return 0;
}

static int do_dump(const char *family, const char *dev, const char *mask_s)
{
	int evidence = !strcmp(family, "device-evidence");
	uint32_t mask = strtoul(mask_s, NULL, 0);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh;
	uint16_t id;
	int sk, done = 0, err = 0;
	long rc = 0;

	if (!evidence && strcmp(family, "pci-tsm")) {
		fprintf(stderr, "fi-syscall: unknown family '%s'\n", family);
		return 2;
	}
	sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (sk < 0 || bind(sk, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("fi-syscall: netlink socket");
		return 2;
	}
	id = resolve_family(sk, evidence ? DEVICE_EVIDENCE_FAMILY_NAME : PCI_TSM_FAMILY_NAME);
	if (!id) {
		fprintf(stderr, "fi-syscall: family %s not found\n", family);
		return 2;
	}
	if (evidence) {
		nlh = genl_msg(id, NLM_F_REQUEST | NLM_F_DUMP, DEVICE_EVIDENCE_CMD_READ,
			       DEVICE_EVIDENCE_FAMILY_VERSION);
		put_attr(nlh, DEVICE_EVIDENCE_A_SUBSYS, "pci", 4);
		put_attr(nlh, DEVICE_EVIDENCE_A_DEV_NAME, dev, strlen(dev) + 1);
		put_attr(nlh, DEVICE_EVIDENCE_A_TYPE_MASK, &mask, sizeof(mask));
	} else {
		nlh = genl_msg(id, NLM_F_REQUEST | NLM_F_DUMP, PCI_TSM_CMD_EVIDENCE_READ,
			       PCI_TSM_FAMILY_VERSION);
		put_attr(nlh, PCI_TSM_A_EVIDENCE_DEV_NAME, dev, strlen(dev) + 1);
		put_attr(nlh, PCI_TSM_A_EVIDENCE_TYPE_MASK, &mask, sizeof(mask));
	}
	prefault();
	arm(1);
	if (send(sk, nlh, nlh->nlmsg_len, 0) < 0)
		return result(-1);
	while (!done) {
		ssize_t n = recv(sk, buf, sizeof(buf), 0);
		int left = n;

		if (n < 0)
			return result(-1);
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					err = *(int *)NLMSG_DATA(nlh);
				done = 1;
				break;
			}
		}
	}
	if (err) {
		errno = -err;
		rc = -1;
	}
	return result(rc);
}

int main(int argc, char **argv)
{
	fail_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (fail_fd < 0) {
		perror("fi-syscall: /proc/self/make-it-fail (CONFIG_FAULT_INJECTION?)");
		return 2;
	}
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(argv[2], argv[3]);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "insmod"))
		return do_insmod(argv[2], argc == 4 ? argv[3] : "");
	if (argc == 3 && !strcmp(argv[1], "rmmod"))
		return do_rmmod(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "dump"))
		return do_dump(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: fi-syscall write FILE VALUE | insmod FILE.ko [PARAMS] |\n"
		"       rmmod NAME | dump pci-tsm|device-evidence DEV MASK\n");
	return 2;
}
