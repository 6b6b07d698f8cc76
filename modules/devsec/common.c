// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared by devsec_link_tsm and devsec_tsm (linked into each): the probe
 * of a sample TSM platform device (TSM registration), its
 * certs/vca/transcript evidence blobs, the list of devices connected or
 * locked through it, evidence publication and the nonce-refresh responder
 * /dev/devsec-responder-tsmN
 * (include/uapi/linux/devsec_responder.h, docs/devsec-sample.md).
 */
#define dev_fmt(fmt) "devsec: " fmt

#include <linux/cleanup.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "common.h"

/*
 * A refresh waits for the responder with no pci_tsm lock held, but its
 * caller (the relying party's READ) and a removal of this TSM wait for it:
 * the wait stays bounded, first for the responder to be free, then for
 * its answer (each at most this long).
 */
#define DEVSEC_RESPONDER_TIMEOUT_MAX_MS	60000

static int responder_timeout_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, DEVSEC_RESPONDER_TIMEOUT_MAX_MS);
}

static const struct kernel_param_ops responder_timeout_ops = {
	.set = responder_timeout_set,
	.get = param_get_uint,
};

static unsigned int responder_timeout_ms = 2000;
module_param_cb(responder_timeout_ms, &responder_timeout_ops,
		&responder_timeout_ms, 0644);
MODULE_PARM_DESC(responder_timeout_ms,
		 "How long a nonce refresh waits for the userspace responder (ms, 1..60000, default 2000)");

#define DEVSEC_BLOB_MAX		SZ_16M

/* SPDM GET_MEASUREMENTS request: version, code, param1, param2, nonce */
#define SPDM_GET_MEASUREMENTS		0xe0
#define SPDM_REQ_NONCE_OFFSET		4

/* ---- evidence blobs ---- */

static struct devsec_common *kobj_to_common(struct kobject *kobj)
{
	return dev_get_drvdata(kobj_to_dev(kobj));
}

static int blob_reserve(struct devsec_blob *b, size_t need)
{
	size_t cap = max_t(size_t, b->cap, SZ_4K);
	void *data;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	data = kvmalloc(cap, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	if (b->len)
		memcpy(data, b->data, b->len);
	kvfree(b->data);
	b->data = data;
	b->cap = cap;
	return 0;
}

static void blob_clear(struct devsec_blob *b)
{
	kvfree(b->data);
	*b = (struct devsec_blob){};
}

static ssize_t blob_read(struct devsec_common *c, enum devsec_blob_id id,
			 char *buf, loff_t off, size_t count)
{
	struct devsec_blob *b = &c->blobs[id];

	guard(mutex)(&c->lock);
	if (off >= b->len)
		return 0;
	count = min_t(size_t, count, b->len - off);
	memcpy(buf, b->data + off, count);
	return count;
}

/*
 * A write stores its bytes at @off and makes the blob end there (so a
 * file written from offset 0 replaces the blob); writing a single byte at
 * offset 0 clears it. No holes: @off must not lie beyond the current end.
 */
static ssize_t blob_write(struct devsec_common *c, enum devsec_blob_id id,
			  const char *buf, loff_t off, size_t count)
{
	struct devsec_blob *b = &c->blobs[id];
	int rc;

	if (off < 0 || off + count > DEVSEC_BLOB_MAX)
		return -EFBIG;

	guard(mutex)(&c->lock);
	if (!list_empty(&c->tdis))
		return -EBUSY;
	if (off == 0 && count == 1) {
		blob_clear(b);
		return count;
	}
	if (off > b->len)
		return -EINVAL;
	rc = blob_reserve(b, off + count);
	if (rc)
		return rc;
	memcpy(b->data + off, buf, count);
	b->len = off + count;
	return count;
}

static struct bin_attribute devsec_blob_bin[DEVSEC_NR_BLOBS];

static ssize_t devsec_blob_read(struct file *f, struct kobject *kobj,
				struct bin_attribute *a, char *buf, loff_t off,
				size_t count)
{
	return blob_read(kobj_to_common(kobj), a - devsec_blob_bin, buf, off,
			 count);
}

static ssize_t devsec_blob_write(struct file *f, struct kobject *kobj,
				 struct bin_attribute *a, char *buf, loff_t off,
				 size_t count)
{
	return blob_write(kobj_to_common(kobj), a - devsec_blob_bin, buf, off,
			  count);
}

/* size 0: any offset reaches the callbacks, which enforce the limits */
#define DEVSEC_BLOB_BIN(_name) {				\
	.attr = { .name = _name, .mode = 0644 },		\
	.read = devsec_blob_read,				\
	.write = devsec_blob_write,				\
}

static struct bin_attribute devsec_blob_bin[DEVSEC_NR_BLOBS] = {
	[DEVSEC_BLOB_CERTS] = DEVSEC_BLOB_BIN("certs"),
	[DEVSEC_BLOB_VCA] = DEVSEC_BLOB_BIN("vca"),
	[DEVSEC_BLOB_TRANSCRIPT] = DEVSEC_BLOB_BIN("transcript"),
};

static struct bin_attribute *devsec_blob_attrs[] = {
	&devsec_blob_bin[DEVSEC_BLOB_CERTS],
	&devsec_blob_bin[DEVSEC_BLOB_VCA],
	&devsec_blob_bin[DEVSEC_BLOB_TRANSCRIPT],
	NULL,
};

const struct attribute_group devsec_blob_group = {
	.bin_attrs = devsec_blob_attrs,
};

/* ---- devices connected/locked through this TSM ---- */

struct devsec_tdi *devsec_tdi_find(struct devsec_common *c,
				   struct pci_dev *pdev)
{
	struct devsec_tdi *tdi;

	lockdep_assert_held(&c->lock);
	list_for_each_entry(tdi, &c->tdis, node)
		if (tdi->pdev == pdev)
			return tdi;
	return NULL;
}

struct devsec_tdi *devsec_tdi_add(struct devsec_common *c,
				  struct pci_dev *pdev)
{
	struct devsec_tdi *tdi = kzalloc(sizeof(*tdi), GFP_KERNEL);

	lockdep_assert_held(&c->lock);
	if (!tdi)
		return NULL;
	tdi->pdev = pci_dev_get(pdev);
	tdi->stream = -1;
	list_add_tail(&tdi->node, &c->tdis);
	return tdi;
}

void devsec_tdi_del(struct devsec_common *c, struct devsec_tdi *tdi)
{
	lockdep_assert_held(&c->lock);
	list_del(&tdi->node);
	pci_dev_put(tdi->pdev);
	kvfree(tdi->report);
	kfree(tdi->ranges);
	kfree(tdi);
}

/**
 * devsec_publish() - publish CERT0/VCA/MEASUREMENTS (+ REPORT) for @pdev
 * @c: the sample TSM whose blobs supply CERT0, VCA (and MEASUREMENTS)
 * @pdev: the device the evidence describes
 * @meas: MEASUREMENTS to publish, or NULL for the transcript blob
 * @meas_len: length of @meas
 * @report: REPORT, or NULL for none
 * @report_len: length of @report
 *
 * Context: c->lock held (the blobs cannot change underneath).
 */
int devsec_publish(struct devsec_common *c, struct pci_dev *pdev,
		   const void *meas, size_t meas_len,
		   const void *report, size_t report_len)
{
	struct ptsm_evidence_obj objs[PCI_TSM_EVIDENCE_TYPE_NR] = {};
	struct devsec_blob *b = c->blobs;

	lockdep_assert_held(&c->lock);
	objs[PCI_TSM_EVIDENCE_TYPE_CERT0] = (struct ptsm_evidence_obj) {
		b[DEVSEC_BLOB_CERTS].data, b[DEVSEC_BLOB_CERTS].len };
	objs[PCI_TSM_EVIDENCE_TYPE_VCA] = (struct ptsm_evidence_obj) {
		b[DEVSEC_BLOB_VCA].data, b[DEVSEC_BLOB_VCA].len };
	if (meas)
		objs[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS] =
			(struct ptsm_evidence_obj) { meas, meas_len };
	else
		objs[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS] =
			(struct ptsm_evidence_obj) {
				b[DEVSEC_BLOB_TRANSCRIPT].data,
				b[DEVSEC_BLOB_TRANSCRIPT].len };
	objs[PCI_TSM_EVIDENCE_TYPE_REPORT] =
		(struct ptsm_evidence_obj) { report, report_len };
	return ptsm_evidence_publish(pdev, objs);
}

static void devsec_common_release(void *data)
{
	struct devsec_common *c = data;
	struct devsec_tdi *tdi, *next;

	guard(mutex)(&c->lock);
	/* ptsm_unregister() already tore every device down; be defensive */
	list_for_each_entry_safe(tdi, next, &c->tdis, node)
		devsec_tdi_del(c, tdi);
	for (int i = 0; i < DEVSEC_NR_BLOBS; i++)
		blob_clear(&c->blobs[i]);
}

static int devsec_common_init(struct devsec_common *c, struct device *dev)
{
	struct devsec_responder *r = &c->responder;

	c->dev = dev;
	mutex_init(&c->lock);
	INIT_LIST_HEAD(&c->tdis);
	mutex_init(&r->lock);
	init_waitqueue_head(&r->req_wq);
	init_waitqueue_head(&r->resp_wq);
	dev_set_drvdata(dev, c);
	return devm_add_action_or_reset(dev, devsec_common_release, c);
}

/* ---- the nonce-refresh responder ---- */

static struct devsec_responder *file_to_responder(struct file *file)
{
	struct miscdevice *misc = file->private_data;

	return container_of(misc, struct devsec_responder, misc);
}

static int responder_open(struct inode *inode, struct file *file)
{
	struct devsec_responder *r = file_to_responder(file);

	guard(mutex)(&r->lock);
	if (r->attached)
		return -EBUSY;
	WRITE_ONCE(r->attached, true);
	WRITE_ONCE(r->pending, false);
	return nonseekable_open(inode, file);
}

static int responder_release(struct inode *inode, struct file *file)
{
	struct devsec_responder *r = file_to_responder(file);

	scoped_guard(mutex, &r->lock) {
		WRITE_ONCE(r->attached, false);
		WRITE_ONCE(r->pending, false);
	}
	/* a refresh waiting for this responder fails now */
	wake_up(&r->resp_wq);
	return 0;
}

static bool responder_has_req(struct devsec_responder *r)
{
	return READ_ONCE(r->pending);
}

static ssize_t responder_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct devsec_responder *r = file_to_responder(file);
	struct devsec_responder_req req;
	bool got = false;
	int rc;

	if (count < sizeof(req))
		return -EINVAL;
	for (;;) {
		mutex_lock(&r->lock);
		if (r->pending) {
			req = r->req;
			WRITE_ONCE(r->pending, false);
			got = true;
		}
		mutex_unlock(&r->lock);
		if (got)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		rc = wait_event_interruptible(r->req_wq, responder_has_req(r));
		if (rc)
			return rc;
	}
	if (copy_to_user(buf, &req, sizeof(req)))
		return -EFAULT;
	return sizeof(req);
}

static ssize_t responder_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct devsec_responder *r = file_to_responder(file);
	struct devsec_responder_resp resp;
	void *data;

	if (count < sizeof(resp))
		return -EINVAL;
	if (copy_from_user(&resp, buf, sizeof(resp)))
		return -EFAULT;
	if (resp.reserved || resp.len > DEVSEC_RESPONDER_MAX_LEN ||
	    resp.len != count - sizeof(resp) || resp.status > 0 ||
	    resp.status < -MAX_ERRNO || (!resp.status && !resp.len))
		return -EINVAL;

	data = memdup_user(buf + sizeof(resp), resp.len);
	if (IS_ERR(data))
		return PTR_ERR(data);

	scoped_guard(mutex, &r->lock) {
		if (!r->in_flight || r->answered || resp.id != r->req.id) {
			kfree(data);
			return -ESTALE;
		}
		r->status = resp.status;
		r->data = data;
		r->len = resp.len;
		WRITE_ONCE(r->answered, true);
	}
	wake_up(&r->resp_wq);
	return count;
}

static __poll_t responder_poll(struct file *file, poll_table *wait)
{
	struct devsec_responder *r = file_to_responder(file);

	poll_wait(file, &r->req_wq, wait);
	return EPOLLOUT | EPOLLWRNORM |
	       (responder_has_req(r) ? EPOLLIN | EPOLLRDNORM : 0);
}

static const struct file_operations responder_fops = {
	.owner = THIS_MODULE,
	.open = responder_open,
	.release = responder_release,
	.read = responder_read,
	.write = responder_write,
	.poll = responder_poll,
};

static bool responder_done(struct devsec_responder *r)
{
	return READ_ONCE(r->answered) || !READ_ONCE(r->attached);
}

/* Take the answer (or the reason there is none); r->lock held */
static int responder_collect(struct devsec_responder *r, long waited,
			     bool cancelled, void **data, size_t *len)
{
	int rc;

	WRITE_ONCE(r->pending, false);
	r->in_flight = false;
	if (r->answered) {
		WRITE_ONCE(r->answered, false);
		rc = r->status;
		if (rc)
			kfree(r->data);
		else
			*data = r->data;
		*len = r->len;
		r->data = NULL;
		return rc;
	}
	if (!r->attached)
		return -EOPNOTSUPP;
	if (waited < 0)
		return -EINTR;
	return cancelled ? -ENODEV : -ETIMEDOUT;
}

/* Ask the attached responder for a MEASUREMENTS object over @nonce */
static int responder_ask(struct devsec_responder *r, struct pci_dev *pdev,
			 const u8 *nonce, void **data, size_t *len)
{
	bool cancelled;
	long waited;

	scoped_guard(mutex, &r->lock) {
		if (!r->attached)
			return -EOPNOTSUPP;
		if (ptsm_pci_refresh_cancelled(pdev))
			return -ENODEV;
		r->req = (struct devsec_responder_req) { .id = ++r->next_id };
		strscpy(r->req.dev_name, pci_name(pdev), sizeof(r->req.dev_name));
		memcpy(r->req.nonce, nonce, DEVSEC_RESPONDER_NONCE_SIZE);
		WRITE_ONCE(r->answered, false);
		WRITE_ONCE(r->pending, true);
		r->in_flight = true;
	}
	wake_up_interruptible(&r->req_wq);

	/* a removal of @pdev ends the wait (devsec_refresh_cancel()) */
	waited = wait_event_interruptible_timeout(r->resp_wq,
						  responder_done(r) ||
						  ptsm_pci_refresh_cancelled(pdev),
						  msecs_to_jiffies(responder_timeout_ms));
	cancelled = ptsm_pci_refresh_cancelled(pdev);
	guard(mutex)(&r->lock);
	return responder_collect(r, waited, cancelled, data, len);
}

/*
 * Claim the responder for one request (a wait_event condition: no
 * sleeping); *@claimed stays set once it succeeded.
 */
static bool responder_claim(struct devsec_responder *r, bool *claimed)
{
	if (!*claimed)
		*claimed = !test_and_set_bit_lock(0, &r->busy);
	return *claimed;
}

static void responder_unclaim(struct devsec_responder *r)
{
	clear_bit_unlock(0, &r->busy);
	wake_up_all(&r->resp_wq);
}

/* The answer must be a GET_MEASUREMENTS exchange over exactly @nonce */
static bool meas_has_nonce(const u8 *meas, size_t len, const u8 *nonce)
{
	return len > SPDM_REQ_NONCE_OFFSET + DEVSEC_RESPONDER_NONCE_SIZE &&
	       meas[1] == SPDM_GET_MEASUREMENTS &&
	       !memcmp(meas + SPDM_REQ_NONCE_OFFSET, nonce,
		       DEVSEC_RESPONDER_NONCE_SIZE);
}

static bool tdi_known(struct devsec_common *c, struct pci_dev *pdev)
{
	guard(mutex)(&c->lock);
	return devsec_tdi_find(c, pdev);
}

static int publish_refreshed(struct devsec_common *c, struct pci_dev *pdev,
			     const void *meas, size_t len)
{
	struct devsec_tdi *tdi;

	guard(mutex)(&c->lock);
	tdi = devsec_tdi_find(c, pdev);
	if (!tdi)
		return -ENXIO;
	return devsec_publish(c, pdev, meas, len, tdi->report, tdi->report_len);
}

/**
 * devsec_refresh() - the ptsm_ops.refresh of both sample TSMs
 * @c: the sample TSM
 * @pdev: a device connected or locked through it
 * @nonce: the relying party's nonce
 * @nonce_len: its length, DEVSEC_RESPONDER_NONCE_SIZE
 *
 * Asks the userspace responder for MEASUREMENTS signed over @nonce, checks
 * that the answer carries that nonce and publishes it with the current
 * CERT0/VCA/REPORT. Never publishes evidence over another nonce. One
 * request is in flight per responder: a refresh waits for the one before
 * it (at most responder_timeout_ms, then -ETIMEDOUT), and a cancel
 * (removal of @pdev, unregistration of this TSM) ends either wait.
 * Context: pci_tsm holds no lock of @pdev's slot (see ptsm_ops.refresh).
 * Return: 0, -EINVAL (bad nonce length), -ENXIO (@pdev not connected or
 * locked through this TSM), -EOPNOTSUPP (no responder), -ETIMEDOUT,
 * -EPROTO (answer not over @nonce), -ENODEV (cancelled), -EINTR, or the
 * responder's -errno.
 */
int devsec_refresh(struct devsec_common *c, struct pci_dev *pdev,
		   const u8 *nonce, size_t nonce_len)
{
	struct devsec_responder *r = &c->responder;
	bool claimed = false;
	void *meas = NULL;
	size_t len = 0;
	long waited;
	int rc;

	if (nonce_len != DEVSEC_RESPONDER_NONCE_SIZE)
		return -EINVAL;
	if (!tdi_known(c, pdev))
		return -ENXIO;

	/* behind another device's refresh: a cancel ends this wait too */
	waited = wait_event_interruptible_timeout(r->resp_wq,
						  responder_claim(r, &claimed) ||
						  ptsm_pci_refresh_cancelled(pdev),
						  msecs_to_jiffies(responder_timeout_ms));
	if (!claimed)
		return waited < 0 ? -EINTR : waited ? -ENODEV : -ETIMEDOUT;
	rc = responder_ask(r, pdev, nonce, &meas, &len);
	responder_unclaim(r);
	if (rc)
		return rc;

	if (meas_has_nonce(meas, len, nonce))
		rc = publish_refreshed(c, pdev, meas, len);
	else
		rc = -EPROTO;
	kfree(meas);
	return rc;
}

/**
 * devsec_refresh_cancel() - the ptsm_ops.refresh_cancel of both sample
 *	TSMs: @pdev is being removed or this TSM unregistered, wake its
 *	refresh waiting for the responder (it then ends with -ENODEV)
 * @c: the sample TSM
 * @pdev: the device
 */
void devsec_refresh_cancel(struct devsec_common *c, struct pci_dev *pdev)
{
	wake_up_all(&c->responder.resp_wq);
}

static void responder_unregister(void *data)
{
	misc_deregister(data);
}

static int devsec_responder_register(struct devsec_common *c)
{
	struct devsec_responder *r = &c->responder;
	int rc;

	snprintf(r->name, sizeof(r->name), "devsec-responder-%s",
		 dev_name(&c->tsm->dev));
	r->misc = (struct miscdevice) {
		.minor = MISC_DYNAMIC_MINOR,
		.name = r->name,
		.fops = &responder_fops,
		.mode = 0600,
		.parent = c->dev,
	};
	rc = misc_register(&r->misc);
	if (rc)
		return rc;
	return devm_add_action_or_reset(c->dev, responder_unregister, &r->misc);
}

/* ---- platform device probe ---- */

static void devsec_tsm_unregister(void *tsm)
{
	ptsm_unregister(tsm);
}

/**
 * devsec_common_probe() - probe of a sample TSM platform device
 * @pdev: the platform device; becomes the parent of tsmN
 * @ops: the TSM's operations
 *
 * Sets up the shared state (drvdata of @pdev), registers the TSM and its
 * responder device. Unbinding @pdev undoes it all (devm): the responder
 * goes first, then the TSM, whose unregistration tears down every device
 * it still holds.
 *
 * Return: the state, or an ERR_PTR.
 */
struct devsec_common *devsec_common_probe(struct platform_device *pdev,
					  const struct ptsm_ops *ops)
{
	struct device *dev = &pdev->dev;
	struct devsec_common *c = devm_kzalloc(dev, sizeof(*c), GFP_KERNEL);
	struct ptsm_dev *tsm;
	int rc;

	if (!c)
		return ERR_PTR(-ENOMEM);
	rc = devsec_common_init(c, dev);
	if (rc)
		return ERR_PTR(rc);
	tsm = ptsm_register(dev, ops, c);
	if (IS_ERR(tsm))
		return ERR_CAST(tsm);
	c->tsm = tsm;
	rc = devm_add_action_or_reset(dev, devsec_tsm_unregister, tsm);
	if (!rc)
		rc = devsec_responder_register(c);
	return rc ? ERR_PTR(rc) : c;
}
