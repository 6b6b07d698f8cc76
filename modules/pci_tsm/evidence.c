// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_tsm evidence store: per device, one immutable published set of the
 * 11 evidence objects with their SHA-384 digests, and a generation number
 * that moves on every publish, clear, lock, unlock and refresh.
 */
#define pr_fmt(fmt) "pci_tsm: " fmt
#define dev_fmt(fmt) "pci_tsm: " fmt

#include <crypto/hash.h>
#include <linux/error-injection.h>
#include <linux/cleanup.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "pdev.h"

/*
 * Serialises the lazy allocation of ptsm_sha384 (the digest algorithm may
 * be a module that is loaded after pci_tsm).
 */
static DEFINE_MUTEX(ptsm_tfm_lock);
static struct crypto_shash *ptsm_sha384;

/*
 * sha384 is asked for by name, which no symbol dependency records: where
 * it is a module (6.1: sha512_generic) modprobe loads it first. Where it
 * is built in (6.12) modprobe skips the missing soft dependency.
 */
MODULE_SOFTDEP("pre: sha512_generic");

static struct crypto_shash *ptsm_tfm(void)
{
	struct crypto_shash *tfm;

	guard(mutex)(&ptsm_tfm_lock);
	if (ptsm_sha384)
		return ptsm_sha384;
	tfm = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	ptsm_sha384 = tfm;
	return tfm;
}

/**
 * ptsm_evidence_init() - set up the digest algorithm
 *
 * A missing sha384 is not fatal: publishing then fails with -ENOPKG until
 * the algorithm becomes available.
 *
 * Return: 0.
 */
int ptsm_evidence_init(void)
{
	struct crypto_shash *tfm = ptsm_tfm();

	if (IS_ERR(tfm))
		pr_warn("sha384 unavailable (%ld): evidence cannot be published until it is loaded\n",
			PTR_ERR(tfm));
	return 0;
}

void ptsm_evidence_exit(void)
{
	crypto_free_shash(ptsm_sha384);
	ptsm_sha384 = NULL;
}

static void ptsm_set_free(struct ptsm_evidence_set *set)
{
	int i;

	for (i = 0; i < PCI_TSM_EVIDENCE_TYPE_NR; i++)
		kvfree(set->obj[i].data);
	kfree(set);
}

static void ptsm_set_release(struct kref *kref)
{
	ptsm_set_free(container_of(kref, struct ptsm_evidence_set, kref));
}

/**
 * ptsm_evidence_put() - drop a reference taken by ptsm_evidence_get()
 * @set: the set, or NULL
 *
 * Context: process context (the last put frees up to 176 MiB with kvfree).
 */
void ptsm_evidence_put(struct ptsm_evidence_set *set)
{
	if (set)
		kref_put(&set->kref, ptsm_set_release);
}

static int ptsm_set_fill(struct ptsm_evidence_set *set, struct crypto_shash *tfm,
			 const struct ptsm_evidence_obj objs[PCI_TSM_EVIDENCE_TYPE_NR])
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int i, rc;

	desc->tfm = tfm;
	for (i = 0; i < PCI_TSM_EVIDENCE_TYPE_NR; i++) {
		size_t len = objs[i].len;

		if (len > PCI_TSM_EVIDENCE_MAX_SIZE)
			return -E2BIG;
		if (len && !objs[i].data)
			return -EINVAL;
		if (len) {
			set->obj[i].data = kvmalloc(len, GFP_KERNEL);
			if (!set->obj[i].data)
				return -ENOMEM;
			memcpy(set->obj[i].data, objs[i].data, len);
			set->obj[i].len = len;
		}
		rc = crypto_shash_digest(desc, set->obj[i].data ?: "", len,
					 set->obj[i].digest);
		if (rc)
			return rc;
		cond_resched();
	}
	return 0;
}

/* Replace @pd's set by @set (may be NULL) and start a new generation. */
static void ptsm_evidence_swap(struct ptsm_pdev *pd, struct ptsm_evidence_set *set)
{
	struct ptsm_evidence_set *old;

	spin_lock(&pd->ev_lock);
	old = pd->evidence;
	if (!++pd->generation)
		pd->generation = 1;
	if (set)
		set->generation = pd->generation;
	pd->evidence = set;
	spin_unlock(&pd->ev_lock);
	ptsm_evidence_put(old);
}

/*
 * A publish from the refresh op running for @pd is staged: the refresh
 * swaps it in when the op returned, under the slot lock (see
 * ptsm_evidence_refresh()). Return: true when @set was staged.
 */
static bool ptsm_evidence_stage(struct ptsm_pdev *pd, struct ptsm_evidence_set *set)
{
	struct ptsm_evidence_set *old;

	spin_lock(&pd->ev_lock);
	if (pd->refresh_task != current) {
		spin_unlock(&pd->ev_lock);
		return false;
	}
	old = pd->refresh_staged;
	pd->refresh_staged = set;
	spin_unlock(&pd->ev_lock);
	ptsm_evidence_put(old);
	return true;
}

/**
 * ptsm_evidence_publish() - atomically replace the evidence set of @pdev
 * @pdev: the device the evidence describes
 * @objs: PCI_TSM_EVIDENCE_TYPE_NR objects indexed by type; empty ones
 *	have len 0
 *
 * Copies every object and computes its SHA-384 digest first; then swaps
 * the whole set in at once and bumps the generation. A concurrent reader
 * sees the old set or the new one, never a mix. Called from the refresh
 * op running for @pdev, the set only becomes current when the op returned
 * and the refresh found it over its nonce (ptsm_evidence_refresh()).
 *
 * Context: process context, may sleep; may be called from TSM ops.
 * Return: 0, -E2BIG for an oversized object, -EINVAL for a length without
 * data, -ENOMEM, -ENOPKG without sha384, -ENODEV if @pdev is not managed
 * by pci_tsm.
 */
int ptsm_evidence_publish(struct pci_dev *pdev,
			  const struct ptsm_evidence_obj objs[PCI_TSM_EVIDENCE_TYPE_NR])
{
	struct ptsm_evidence_set *set;
	struct crypto_shash *tfm;
	struct ptsm_pdev *pd;
	int rc;

	tfm = ptsm_tfm();
	if (IS_ERR(tfm))
		return -ENOPKG;
	pd = ptsm_pdev_find(pdev);
	if (!pd)
		return -ENODEV;

	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set) {
		ptsm_pdev_put(pd);
		return -ENOMEM;
	}
	kref_init(&set->kref);
	rc = ptsm_set_fill(set, tfm, objs);
	if (rc)
		ptsm_set_free(set);
	else if (!ptsm_evidence_stage(pd, set))
		ptsm_evidence_swap(pd, set);
	ptsm_pdev_put(pd);
	return rc;
}

PTSM_EXPORT(ptsm_evidence_publish);
/* The fault-injection test of the debug lane fails it (fail_function). */
ALLOW_ERROR_INJECTION(ptsm_evidence_publish, ERRNO);

/**
 * ptsm_evidence_clear() - drop @pd's evidence and start a new generation
 * @pd: a context
 *
 * Context: any context that may take a spinlock; the last reference to the
 * old set may be dropped here, so not from atomic context.
 */
void ptsm_evidence_clear(struct ptsm_pdev *pd)
{
	ptsm_evidence_swap(pd, NULL);
}

/**
 * ptsm_evidence_bump() - start a new generation, keeping the evidence
 * @pd: a context
 */
void ptsm_evidence_bump(struct ptsm_pdev *pd)
{
	spin_lock(&pd->ev_lock);
	if (!++pd->generation)
		pd->generation = 1;
	spin_unlock(&pd->ev_lock);
}

/**
 * ptsm_evidence_get() - reference the currently published evidence set
 * @pd: a referenced context
 * @gen: set to the generation current together with the set (a bump
 *	without new evidence starts a generation over the same set)
 *
 * Context: any context that may take a spinlock.
 * Return: the set (drop with ptsm_evidence_put()) or NULL when the device
 * has no evidence.
 */
struct ptsm_evidence_set *ptsm_evidence_get(struct ptsm_pdev *pd, u32 *gen)
{
	struct ptsm_evidence_set *set;

	spin_lock(&pd->ev_lock);
	set = pd->evidence;
	if (set)
		kref_get(&set->kref);
	*gen = pd->generation;
	spin_unlock(&pd->ev_lock);
	return set;
}

/**
 * ptsm_evidence_generation() - the current evidence generation
 * @pd: a referenced context
 *
 * Context: any; lockless.
 * Return: the generation, 0 when none was ever started.
 */
u32 ptsm_evidence_generation(struct ptsm_pdev *pd)
{
	return READ_ONCE(pd->generation);
}

/**
 * ptsm_evidence_validate() - record that userspace validated @generation
 * @pd: a referenced context
 * @generation: the generation userspace judged
 *
 * Context: any context that may take a spinlock.
 * Return: 0, or -ESTALE when @generation is not the current generation (or
 * is 0).
 */
int ptsm_evidence_validate(struct ptsm_pdev *pd, u32 generation)
{
	int rc = -ESTALE;

	spin_lock(&pd->ev_lock);
	if (generation && generation == pd->generation) {
		pd->validated = generation;
		rc = 0;
	}
	spin_unlock(&pd->ev_lock);
	return rc;
}

static int ptsm_evidence_judge(struct ptsm_pdev *pd, u32 gen, u32 validated);

/**
 * ptsm_evidence_accept_check() - the require_validate binding of accept
 * @pd: a context
 *
 * Return: 0 when require_validate is off or the current generation was
 * validated; -EPERM when nothing was validated; -ESTALE when the evidence
 * changed since the last validation.
 */
int ptsm_evidence_accept_check(struct ptsm_pdev *pd)
{
	u32 gen, validated;

	if (!READ_ONCE(ptsm_require_validate))
		return 0;
	spin_lock(&pd->ev_lock);
	gen = pd->generation;
	validated = pd->validated;
	spin_unlock(&pd->ev_lock);
	return ptsm_evidence_judge(pd, gen, validated);
}

/**
 * __ptsm_evidence_validated_current() - ptsm_evidence_accept_check() for
 *	the transition to RUN itself
 * @pd: a context; pd->ev_lock held, which every publish, clear and bump
 *	takes: evidence cannot change between this check and the caller's
 *	transition under the same lock
 *
 * Return: as ptsm_evidence_accept_check().
 */
int __ptsm_evidence_validated_current(struct ptsm_pdev *pd)
{
	lockdep_assert_held(&pd->ev_lock);
	if (!READ_ONCE(ptsm_require_validate))
		return 0;
	return ptsm_evidence_judge(pd, pd->generation, pd->validated);
}

static int ptsm_evidence_judge(struct ptsm_pdev *pd, u32 gen, u32 validated)
{
	if (!validated) {
		pci_warn(pd->pdev, "accept refused: evidence not validated (require_validate=1)\n");
		return -EPERM;
	}
	if (validated != gen) {
		pci_warn(pd->pdev, "accept refused: evidence changed since validation (generation %u, validated %u)\n",
			 gen, validated);
		return -ESTALE;
	}
	return 0;
}

/* Does @set's MEASUREMENTS carry @nonce (ABI 4: a GET_MEASUREMENTS request)? */
static bool ptsm_set_has_nonce(const struct ptsm_evidence_set *set,
			       const u8 *nonce)
{
	const u8 *m = set->obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS].data;
	size_t len = set->obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS].len;

	return len >= PTSM_MEAS_NONCE_OFFSET + PCI_TSM_NONCE_SIZE &&
	       !memcmp(m + PTSM_MEAS_NONCE_OFFSET, nonce, PCI_TSM_NONCE_SIZE);
}

/*
 * The refreshes whose op runs, for ptsm_evidence_refresh_drain(); a TSM
 * removal waits on ptsm_refresh_wq for those through it to end.
 * ptsm_refresh_lock nests outside pd->ev_lock.
 */
static DEFINE_SPINLOCK(ptsm_refresh_lock);
static LIST_HEAD(ptsm_refreshes);
static DECLARE_WAIT_QUEUE_HEAD(ptsm_refresh_wq);

/**
 * ptsm_evidence_refresh_abort() - @pd's device is being removed: no refresh
 *	of it starts any more, and one waiting for its TSM is woken to end
 * @pd: a context
 *
 * The removal does not wait for that refresh (nor for one of a sibling):
 * a refresh holds no lock while its op waits, and what it gets after the
 * device's teardown is not published.
 *
 * Context: process context, ptsm_pdevs_lock held (a TSM removal takes it
 * after the refreshes through that TSM ended, so the TSM read here stays
 * registered until refresh_cancel returned).
 */
void ptsm_evidence_refresh_abort(struct ptsm_pdev *pd)
{
	struct ptsm_dev *tsm;

	spin_lock(&pd->ev_lock);
	WRITE_ONCE(pd->going, true);
	tsm = pd->refreshing;
	spin_unlock(&pd->ev_lock);
	if (tsm && tsm->ops->refresh_cancel)
		tsm->ops->refresh_cancel(tsm, pd->pdev);
}

/* Is a refresh through @tsm still running? */
static bool ptsm_tsm_refreshing(struct ptsm_dev *tsm)
{
	struct ptsm_pdev *pd;
	bool ret = false;

	spin_lock(&ptsm_refresh_lock);
	list_for_each_entry(pd, &ptsm_refreshes, refresh_node)
		if (READ_ONCE(pd->refreshing) == tsm)
			ret = true;
	spin_unlock(&ptsm_refresh_lock);
	return ret;
}

/* The next refresh through @tsm not yet cancelled, referenced; or NULL. */
static struct ptsm_pdev *ptsm_refresh_to_cancel(struct ptsm_dev *tsm)
{
	struct ptsm_pdev *pd, *ret = NULL;

	spin_lock(&ptsm_refresh_lock);
	list_for_each_entry(pd, &ptsm_refreshes, refresh_node) {
		spin_lock(&pd->ev_lock);
		if (pd->refreshing == tsm && !pd->refresh_cancel) {
			WRITE_ONCE(pd->refresh_cancel, true);
			/* the refresher holds a reference until it leaves the list */
			kref_get(&pd->kref);
			ret = pd;
		}
		spin_unlock(&pd->ev_lock);
		if (ret)
			break;
	}
	spin_unlock(&ptsm_refresh_lock);
	return ret;
}

/**
 * ptsm_evidence_refresh_drain() - end every refresh running through @tsm
 * @tsm: a TSM being unregistered, no longer live (no refresh starts
 *	through it any more)
 *
 * Each is cancelled (ptsm_pci_refresh_cancelled() turns true, the TSM's
 * refresh_cancel op wakes it) and fails with -ENXIO; this returns when
 * the last op through @tsm returned, so the TSM outlives its ops. A TSM
 * without refresh_cancel is waited for until its op's bounded wait ends.
 *
 * Context: process context; no pci_tsm lock held.
 */
void ptsm_evidence_refresh_drain(struct ptsm_dev *tsm)
{
	struct ptsm_pdev *pd;

	if (!tsm->ops->refresh)
		return;
	while ((pd = ptsm_refresh_to_cancel(tsm))) {
		if (tsm->ops->refresh_cancel)
			tsm->ops->refresh_cancel(tsm, pd->pdev);
		ptsm_pdev_put(pd);
	}
	wait_event(ptsm_refresh_wq, !ptsm_tsm_refreshing(tsm));
}

/**
 * ptsm_pci_refresh_cancelled() - is a refresh of @pdev to end?
 * @pdev: the device a TSM's refresh op runs for
 *
 * Context: any; lockless.
 * Return: true once @pdev's removal or the unregistration of the TSM the
 * refresh runs through began (or @pdev has no TSM context).
 */
bool ptsm_pci_refresh_cancelled(struct pci_dev *pdev)
{
	struct ptsm_pdev *pd;
	bool ret;

	rcu_read_lock();
	pd = ptsm_pdev_peek(pdev);
	ret = !pd || READ_ONCE(pd->going) || READ_ONCE(pd->refresh_cancel);
	rcu_read_unlock();
	return ret;
}

PTSM_EXPORT(ptsm_pci_refresh_cancelled);

/*
 * Start a refresh of @pd: find the TSM that owns its evidence and mark the
 * refresh running. Under ptsm_tsm_rwsem (a TSM being unregistered is not
 * live: no refresh starts through it after ptsm_evidence_refresh_drain()
 * began) and the slot lock (the owner is stable). @gen: the generation
 * the refresh starts at.
 */
static int ptsm_refresh_begin(struct ptsm_pdev *pd, struct ptsm_dev **tsmp,
			      u32 *gen)
{
	struct ptsm_dev *tsm = NULL;
	struct ptsm_pdev *owner;
	int rc;

	if (down_read_killable(&ptsm_tsm_rwsem))
		return -EINTR;
	rc = ptsm_slot_lock_killable(pd, &owner);
	if (rc)
		goto out;
	if (!pd->dead)
		tsm = pd->devsec_tsm ?: (pd->dsm ? pd->dsm->link_tsm : NULL);
	if (!tsm || !ptsm_tsm_is_live(tsm)) {
		rc = -ENXIO;
	} else if (!tsm->ops->refresh) {
		rc = -EOPNOTSUPP;
	} else {
		spin_lock(&ptsm_refresh_lock);
		spin_lock(&pd->ev_lock);
		/* ORDER: a removal sets going, then cancels what it finds here */
		if (pd->going) {
			rc = -ENODEV;
		} else {
			pd->refreshing = tsm;
			pd->refresh_task = current;
			WRITE_ONCE(pd->refresh_cancel, false);
			*gen = pd->generation;
			list_add(&pd->refresh_node, &ptsm_refreshes);
		}
		spin_unlock(&pd->ev_lock);
		spin_unlock(&ptsm_refresh_lock);
	}
	ptsm_slot_unlock(owner);
out:
	up_read(&ptsm_tsm_rwsem);
	*tsmp = tsm;
	return rc;
}

/*
 * End the refresh of @pd through @tsm begun at generation @gen0, whose op
 * returned @rc: under the slot lock, publish the set the op staged if it
 * is over @nonce and nothing changed the device's evidence or owner since
 * the refresh began. Return: 0 with *@out and *@gen set, or an errno.
 */
static int ptsm_refresh_end(struct ptsm_pdev *pd, struct ptsm_dev *tsm, int rc,
			    u32 gen0, const u8 *nonce,
			    struct ptsm_evidence_set **out, u32 *gen)
{
	struct ptsm_evidence_set *staged, *old = NULL;
	bool cancelled, going, op_ok = !rc;
	struct ptsm_pdev *owner;

	/* not killable: the refresh must leave ptsm_refreshes */
	owner = ptsm_slot_lock(pd);
	spin_lock(&ptsm_refresh_lock);
	spin_lock(&pd->ev_lock);
	staged = pd->refresh_staged;
	pd->refresh_staged = NULL;
	cancelled = pd->refresh_cancel;
	going = pd->going || pd->dead;
	pd->refreshing = NULL;
	pd->refresh_task = NULL;
	list_del_init(&pd->refresh_node);
	spin_unlock(&ptsm_refresh_lock);
	if (cancelled) {
		rc = -ENXIO;		/* the TSM is going away */
	} else if (going) {
		rc = -ENODEV;
	} else if (!rc && (!staged || !ptsm_set_has_nonce(staged, nonce))) {
		rc = -EPROTO;
	} else if (!rc && (pd->generation != gen0 ||
			   tsm != (pd->devsec_tsm ?: (pd->dsm ? pd->dsm->link_tsm : NULL)))) {
		/* unlocked, locked again or published anew meanwhile */
		rc = -EAGAIN;
	} else if (!rc) {
		old = pd->evidence;
		if (!++pd->generation)
			pd->generation = 1;
		staged->generation = pd->generation;
		pd->evidence = staged;
		kref_get(&staged->kref);
		*out = staged;
		*gen = staged->generation;
		staged = NULL;
	}
	spin_unlock(&pd->ev_lock);
	ptsm_slot_unlock(owner);
	wake_up_all(&ptsm_refresh_wq);
	if (op_ok && rc == -EPROTO)
		pci_warn(pd->pdev, "refresh by %s published no MEASUREMENTS over the nonce\n",
			 dev_name(&tsm->dev));
	ptsm_evidence_put(staged);
	ptsm_evidence_put(old);
	return rc;
}

/**
 * ptsm_evidence_refresh() - ask the owning TSM to refresh signed evidence
 * @pd: a referenced context
 * @nonce: PCI_TSM_NONCE_SIZE bytes
 * @len: length of @nonce
 * @out: on success, the set the refresh published (referenced)
 * @gen: on success, its generation
 *
 * The owning TSM is the devsec TSM that locked the function, else the link
 * TSM its DSM is connected through. Refreshes of one function are
 * serialised (pd->refresh_lock). The TSM's op, which waits for the device
 * (its wait bounded by the TSM), runs with no pci_tsm lock held: sysfs
 * and verbs of the slot, removals and other devices do not wait for it.
 * What the op publishes is staged and only becomes current afterwards,
 * under the slot lock (which lock, unlock and connect hold) and
 * pd->ev_lock (which accept's generation check holds): if it is over
 * @nonce and the function's evidence generation and owning TSM did not
 * change since the refresh began. So evidence refreshed after a
 * VALIDATE is never accepted, evidence is never published on a function
 * unlocked or locked anew during the wait, and the READ carries exactly
 * the set this refresh published. A TSM removal cancels the refreshes
 * through it and waits for their ops to return (the TSM outlives them).
 *
 * Context: process context, may sleep (up to the TSM's bounded timeout).
 * Return: 0 (new evidence over @nonce published), -EINVAL (bad nonce
 * length), -EOPNOTSUPP (the TSM cannot), -ETIMEDOUT, -ENXIO (no owning
 * TSM, or it was unregistered during the refresh), -EPROTO (what was
 * published is not over @nonce), -EAGAIN (the function was unlocked,
 * locked again or got other evidence during the refresh), -ENODEV (the
 * device is being removed), -EINTR.
 */
int ptsm_evidence_refresh(struct ptsm_pdev *pd, const u8 *nonce, size_t len,
			  struct ptsm_evidence_set **out, u32 *gen)
{
	struct ptsm_dev *tsm;
	u32 gen0;
	int rc;

	if (!nonce || len != PCI_TSM_NONCE_SIZE)
		return -EINVAL;
	if (mutex_lock_killable(&pd->refresh_lock))
		return -EINTR;
	rc = ptsm_refresh_begin(pd, &tsm, &gen0);
	if (!rc) {
		rc = tsm->ops->refresh(tsm, pd->pdev, nonce, len);
		rc = ptsm_refresh_end(pd, tsm, rc, gen0, nonce, out, gen);
	}
	mutex_unlock(&pd->refresh_lock);
	return rc;
}
