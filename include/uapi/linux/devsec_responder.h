/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * Interface between the devsec sample TSMs and a userspace SPDM responder
 * that holds the simulated device's private key (the kernel sample cannot
 * sign). Each sample TSM creates a misc device /dev/devsec-responder-tsmN.
 *
 * - open() attaches the responder (one at a time: a second open gets
 *   EBUSY); close() detaches it and fails pending requests.
 * - read() blocks (or EAGAIN with O_NONBLOCK; poll() for POLLIN) until a
 *   nonce refresh is requested and returns one struct devsec_responder_req.
 * - write() answers one request: a struct devsec_responder_resp followed by
 *   @len bytes of a complete MEASUREMENTS object (GET_MEASUREMENTS request
 *   carrying the nonce + signed MEASUREMENTS response, docs/ABI.md 4.) in
 *   a single write(). @status < 0 (-errno) refuses the request.
 *
 * The sample waits responder_timeout_ms (module parameter) for an answer,
 * then fails the refresh with ETIMEDOUT; with no responder attached it
 * fails with EOPNOTSUPP. It never publishes evidence over another nonce:
 * an object whose GET_MEASUREMENTS request does not carry the requested
 * nonce fails the refresh with EPROTO. write() fails with EINVAL on a
 * malformed answer and ESTALE when @id is not the outstanding request.
 * docs/devsec-sample.md describes the whole exchange.
 */
#ifndef _UAPI_LINUX_DEVSEC_RESPONDER_H
#define _UAPI_LINUX_DEVSEC_RESPONDER_H

#include <linux/types.h>

#define DEVSEC_RESPONDER_NONCE_SIZE	32
#define DEVSEC_RESPONDER_MAX_LEN	(64U << 10)

struct devsec_responder_req {
	__u32 id;		/* echo in the response */
	__u32 flags;		/* 0 */
	char dev_name[32];	/* PCI name of the device, NUL-terminated */
	__u8 nonce[DEVSEC_RESPONDER_NONCE_SIZE];
};

struct devsec_responder_resp {
	__u32 id;
	__s32 status;		/* 0, or -errno to refuse */
	__u32 len;		/* bytes of MEASUREMENTS object that follow */
	__u32 reserved;		/* 0 */
};

#endif /* _UAPI_LINUX_DEVSEC_RESPONDER_H */
