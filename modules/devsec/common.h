/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Code shared by the two sample TSM modules (devsec_link_tsm, devsec_tsm).
 * common.c is linked into each of them: they share code, not state.
 */
#ifndef DEVSEC_COMMON_H
#define DEVSEC_COMMON_H

#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/wait.h>
#include <ptsm/pci_tsm.h>
#include <uapi/linux/devsec_responder.h>

enum devsec_blob_id {
	DEVSEC_BLOB_CERTS,	/* published as CERT0 */
	DEVSEC_BLOB_VCA,	/* published as VCA */
	DEVSEC_BLOB_TRANSCRIPT,	/* published as MEASUREMENTS */
	DEVSEC_NR_BLOBS,
};

struct devsec_blob {
	void *data;
	size_t len;
	size_t cap;
};

/*
 * struct devsec_tdi - a device connected (link TSM) or locked (devsec TSM)
 * through one sample TSM
 * @pdev: referenced while on the list
 * @report, @report_len: the REPORT published at lock (devsec TSM)
 * @ranges, @nr_ranges: its MMIO ranges as physical addresses (devsec TSM)
 * @bridge, @stream: the host bridge and stream index in use (link TSM)
 */
struct devsec_tdi {
	struct list_head node;
	struct pci_dev *pdev;
	void *report;
	size_t report_len;
	struct ptsm_mmio_range *ranges;
	unsigned int nr_ranges;
	struct pci_host_bridge *bridge;
	int stream;
	char link_name[32];
};

/*
 * struct devsec_responder - /dev/devsec-responder-tsmN state
 * @busy: bit 0: one nonce refresh in flight at a time (waited for on
 *	@resp_wq, see devsec_refresh())
 * @lock: protects everything below it
 */
struct devsec_responder {
	struct miscdevice misc;
	char name[40];
	unsigned long busy;		/* see above */
	struct mutex lock;		/* see above */
	wait_queue_head_t req_wq;
	wait_queue_head_t resp_wq;
	bool attached;
	bool pending;		/* a request waits to be read */
	bool in_flight;		/* a request waits for its answer */
	bool answered;
	u32 next_id;
	struct devsec_responder_req req;
	int status;
	void *data;
	size_t len;
};

/*
 * struct devsec_common - state of one sample TSM platform device
 * @lock: protects @blobs and @tdis. Taken inside TSM ops (under pci_tsm's
 *	per-device lock) and around ptsm_evidence_publish(); never held while
 *	calling into pci_tsm's sysfs verbs.
 */
struct devsec_common {
	struct device *dev;
	struct ptsm_dev *tsm;
	struct mutex lock;	/* see above */
	struct devsec_blob blobs[DEVSEC_NR_BLOBS];
	struct list_head tdis;
	struct devsec_responder responder;
};

extern const struct attribute_group devsec_blob_group;

struct devsec_common *devsec_common_probe(struct platform_device *pdev,
					  const struct ptsm_ops *ops);

struct devsec_tdi *devsec_tdi_find(struct devsec_common *c,
				   struct pci_dev *pdev);
struct devsec_tdi *devsec_tdi_add(struct devsec_common *c,
				  struct pci_dev *pdev);
void devsec_tdi_del(struct devsec_common *c, struct devsec_tdi *tdi);

int devsec_publish(struct devsec_common *c, struct pci_dev *pdev,
		   const void *meas, size_t meas_len,
		   const void *report, size_t report_len);
int devsec_refresh(struct devsec_common *c, struct pci_dev *pdev,
		   const u8 *nonce, size_t nonce_len);
void devsec_refresh_cancel(struct devsec_common *c, struct pci_dev *pdev);

#endif /* DEVSEC_COMMON_H */
