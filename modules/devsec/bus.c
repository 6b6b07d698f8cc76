// SPDX-License-Identifier: GPL-2.0-only
/*
 * devsec_bus: the sample's emulated "hardware". Two PCI host bridges in
 * domains 0x10000 and 0x10001, each with root ports (8086:ffff, IDE) and one
 * TEE-capable multi-function endpoint (8086:ffff, class 0x120000) below each
 * root port. Only config space is emulated; nothing sits behind the BARs.
 *
 * Host bridge i owns the bus numbers i * (nr_endpoints + 1) up to
 * i * (nr_endpoints + 1) + nr_endpoints: its root bus carries the root
 * ports at slots 0..nr_endpoints-1, root port p leads to bus root + 1 + p.
 * With the defaults this yields 10000:00:00.0 (root port),
 * 10000:01:00.{0,1} (endpoint), 10001:02:00.0 and 10001:03:00.{0,1}.
 *
 * The other devsec modules reach the emulated IDE and TDISP state through
 * config space only (devsec.h), so the modules load in any order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/cleanup.h>
#include <linux/ioport.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uapi/linux/pci_tsm_evidence.h>

#include "devsec.h"

static unsigned int nr_endpoints = 1;
module_param(nr_endpoints, uint, 0444);
MODULE_PARM_DESC(nr_endpoints, "Endpoints (root ports) per host bridge, 1..32 (default 1)");

static unsigned int nr_functions = 2;
module_param(nr_functions, uint, 0444);
MODULE_PARM_DESC(nr_functions, "Functions per endpoint, 1..8 (default 2)");

static unsigned long bar_size = SZ_2M;
module_param(bar_size, ulong, 0444);
MODULE_PARM_DESC(bar_size, "BAR0 size of every function, power of 2, 16K..1G (default 2M)");

#define DEVSEC_MAX_ENDPOINTS	32
#define DEVSEC_MAX_FUNCTIONS	8

/* Extended capability layout of the endpoint functions */
#define DEVSEC_EP0_DOE_POS	0x100
#define DEVSEC_EP0_IDE_POS	(DEVSEC_EP0_DOE_POS + 0x18)	/* after the DOE registers */
#define DEVSEC_EP0_DVSEC_POS	0x150
#define DEVSEC_EPN_DVSEC_POS	0x100
#define DEVSEC_RP_IDE_POS	0x100

#define DEVSEC_DOE_REQ_DW	16
#define DEVSEC_HEADER_TYPE_MFD	0x80	/* multi-function device */

/* DOE discovery: the protocols the mailbox lists (PCI-SIG vendor id) */
#define DEVSEC_DOE_PROT_DISCOVERY	0
#define DEVSEC_DOE_PROT_CMA		1
#define DEVSEC_DOE_PROT_SECURED_CMA	2
#define DEVSEC_DOE_NR_PROT		3

struct devsec_doe {
	u32 req[DEVSEC_DOE_REQ_DW];
	unsigned int req_len;
	u32 rsp[3];
	unsigned int rsp_len;
	unsigned int rsp_pos;
	bool error;
};

/* Initial contents, write masks and capability positions of one role */
struct devsec_tmpl {
	u8 cfg[PCI_CFG_SPACE_EXP_SIZE];
	u8 wmask[PCI_CFG_SPACE_EXP_SIZE];
	u16 doe_pos;
	u16 ide_pos;
	u16 dvsec_pos;
	bool endpoint;
};

enum devsec_role {
	DEVSEC_ROLE_PORT,
	DEVSEC_ROLE_EP0,
	DEVSEC_ROLE_EPN,
	DEVSEC_NR_ROLES,
};

/*
 * One emulated function: a root port or an endpoint function
 * @error_pending: the TDI entered ERROR and the TSM has not been told yet
 *	(cleared by the report and by STOP)
 */
struct devsec_fn {
	u8 cfg[PCI_CFG_SPACE_EXP_SIZE];
	const struct devsec_tmpl *tmpl;
	u8 tdisp_state;
	bool error_pending;
	struct devsec_doe doe;
};

/*
 * struct devsec_hb - one emulated host bridge (private data of its
 * pci_host_bridge, so it lives as long as the bridge device)
 * @lock: serialises every access to @fns; config accessors may be called
 *	with interrupts disabled, so this is an irq-safe spinlock
 * @fns: per root port p: fns[p * (1 + nr_functions)] is the port,
 *	the next nr_functions entries its endpoint; NULL once torn down
 * @error_work: tells the devsec TSM about functions that entered TDISP
 *	ERROR (queued from the config accessors, which cannot sleep)
 */
struct devsec_hb {
	struct pci_sysdata sd;
	spinlock_t lock;	/* see @lock above */
	struct devsec_fn *fns;
	struct work_struct error_work;
	struct pci_host_bridge *bridge;
	struct pci_bus *bus;
	struct resource busnr;
	struct resource mem;
	u8 root_busnr;
};

static struct devsec_tmpl *devsec_tmpls;
static struct platform_device *devsec_pdev;

static const char * const devsec_mem_names[DEVSEC_NR_HOST_BRIDGES] = {
	"devsec_bus hb0", "devsec_bus hb1",
};

static const char * const devsec_busnr_names[DEVSEC_NR_HOST_BRIDGES] = {
	"devsec_bus hb0 buses", "devsec_bus hb1 buses",
};

static void put_le(u8 *buf, unsigned int pos, unsigned int size, u32 val)
{
	for (unsigned int i = 0; i < size; i++)
		buf[pos + i] = val >> (8 * i);
}

static u32 get_le(const u8 *buf, unsigned int pos, unsigned int size)
{
	u32 val = 0;

	for (unsigned int i = 0; i < size; i++)
		val |= (u32)buf[pos + i] << (8 * i);
	return val;
}

static void tmpl_set(struct devsec_tmpl *t, unsigned int pos, unsigned int size,
		     u32 val, u32 wmask)
{
	put_le(t->cfg, pos, size, val);
	put_le(t->wmask, pos, size, wmask);
}

static u32 ext_cap_header(u16 id, u8 ver, u16 next)
{
	return FIELD_PREP(GENMASK(15, 0), id) | FIELD_PREP(GENMASK(19, 16), ver) |
	       FIELD_PREP(GENMASK(31, 20), next);
}

static void tmpl_ide(struct devsec_tmpl *t, u16 pos, u16 next)
{
	u16 sel = pos + DEVSEC_IDE_SEL;

	t->ide_pos = pos;
	tmpl_set(t, pos, 4, ext_cap_header(PCI_EXT_CAP_ID_IDE, 1, next), 0);
	tmpl_set(t, pos + DEVSEC_IDE_CAP, 4,
		 DEVSEC_IDE_CAP_SELECTIVE | DEVSEC_IDE_CAP_IDE_KM |
		 DEVSEC_IDE_CAP_TEE_LIMITED |
		 FIELD_PREP(DEVSEC_IDE_CAP_SEL_NUM, 0), 0);
	tmpl_set(t, sel + DEVSEC_IDE_SEL_CAP, 4,
		 FIELD_PREP(DEVSEC_IDE_SEL_CAP_ASSOC, 1), 0);
	tmpl_set(t, sel + DEVSEC_IDE_SEL_CTL, 4, 0, 0xffffffff);
	tmpl_set(t, sel + DEVSEC_IDE_SEL_RID1, 4, 0, DEVSEC_IDE_SEL_RID_LIMIT);
	tmpl_set(t, sel + DEVSEC_IDE_SEL_RID2, 4, 0,
		 DEVSEC_IDE_SEL_RID_BASE | DEVSEC_IDE_SEL_RID_VALID);
	tmpl_set(t, sel + DEVSEC_IDE_SEL_ADDR1, 4, 0,
		 DEVSEC_IDE_SEL_ADDR1_LIMIT | DEVSEC_IDE_SEL_ADDR1_BASE |
		 DEVSEC_IDE_SEL_ADDR1_VALID);
	tmpl_set(t, sel + DEVSEC_IDE_SEL_ADDR2, 4, 0, 0xffffffff);
	tmpl_set(t, sel + DEVSEC_IDE_SEL_ADDR3, 4, 0, 0xffffffff);
}

static void tmpl_exp(struct devsec_tmpl *t, u16 type, u8 next, u32 devcap)
{
	u16 pos = DEVSEC_EXP_POS;

	tmpl_set(t, pos, 1, PCI_CAP_ID_EXP, 0);
	tmpl_set(t, pos + PCI_CAP_LIST_NEXT, 1, next, 0);
	tmpl_set(t, pos + PCI_EXP_FLAGS, 2, 2 | (type << 4), 0);
	tmpl_set(t, pos + PCI_EXP_DEVCAP, 4, devcap, 0);
	/* FLR (bit 15) is handled as a command, never stored */
	tmpl_set(t, pos + PCI_EXP_DEVCTL, 2, 0, 0x7fff);
	tmpl_set(t, pos + PCI_EXP_LNKCAP, 4,
		 PCI_EXP_LNKCAP_SLS_2_5GB | FIELD_PREP(PCI_EXP_LNKCAP_MLW, 1),
		 0);
	tmpl_set(t, pos + PCI_EXP_LNKCTL, 2, 0, 0x0fdf);
	tmpl_set(t, pos + PCI_EXP_LNKSTA, 2,
		 PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1, 0);
	if (type == PCI_EXP_TYPE_ROOT_PORT)
		tmpl_set(t, pos + PCI_EXP_RTCTL, 2, 0, 0x001f);
	tmpl_set(t, pos + PCI_EXP_DEVCTL2, 2, 0, 0xffff);
	tmpl_set(t, pos + PCI_EXP_LNKCTL2, 2, PCI_EXP_LNKCTL2_TLS_2_5GT, 0xffff);
}

static void tmpl_common(struct devsec_tmpl *t, u32 class, u8 hdr_type)
{
	tmpl_set(t, PCI_VENDOR_ID, 2, DEVSEC_VENDOR_ID, 0);
	tmpl_set(t, PCI_DEVICE_ID, 2, DEVSEC_DEVICE_ID, 0);
	tmpl_set(t, PCI_COMMAND, 2, 0,
		 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
		 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	tmpl_set(t, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0);
	tmpl_set(t, PCI_CLASS_REVISION, 4, class << 8, 0);
	tmpl_set(t, PCI_CACHE_LINE_SIZE, 1, 0, 0xff);
	tmpl_set(t, PCI_HEADER_TYPE, 1, hdr_type, 0);
	tmpl_set(t, PCI_CAPABILITY_LIST, 1, DEVSEC_EXP_POS, 0);
	tmpl_set(t, PCI_INTERRUPT_LINE, 1, 0, 0xff);
}

static void tmpl_port(struct devsec_tmpl *t)
{
	tmpl_common(t, PCI_CLASS_BRIDGE_PCI_NORMAL, PCI_HEADER_TYPE_BRIDGE);
	tmpl_set(t, PCI_PRIMARY_BUS, 4, 0, 0x00ffffff);
	/*
	 * No I/O forwarding: a read-only, closed I/O window (base above
	 * limit). Memory windows start closed; the prefetchable one is 64-bit.
	 */
	tmpl_set(t, PCI_IO_BASE, 1, 0xf0, 0);
	tmpl_set(t, PCI_MEMORY_BASE, 2, 0xfff0, 0xfff0);
	tmpl_set(t, PCI_MEMORY_LIMIT, 2, 0, 0xfff0);
	tmpl_set(t, PCI_PREF_MEMORY_BASE, 2, 0xfff0 | PCI_PREF_RANGE_TYPE_64,
		 0xfff0);
	tmpl_set(t, PCI_PREF_MEMORY_LIMIT, 2, PCI_PREF_RANGE_TYPE_64, 0xfff0);
	tmpl_set(t, PCI_PREF_BASE_UPPER32, 4, 0, 0xffffffff);
	tmpl_set(t, PCI_PREF_LIMIT_UPPER32, 4, 0, 0xffffffff);
	tmpl_set(t, PCI_BRIDGE_CONTROL, 2, 0,
		 PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR |
		 PCI_BRIDGE_CTL_BUS_RESET);
	tmpl_exp(t, PCI_EXP_TYPE_ROOT_PORT, 0, 0);
	tmpl_ide(t, DEVSEC_RP_IDE_POS, 0);
}

static void tmpl_dvsec(struct devsec_tmpl *t, u16 pos)
{
	t->dvsec_pos = pos;
	tmpl_set(t, pos, 4, ext_cap_header(PCI_EXT_CAP_ID_DVSEC, 1, 0), 0);
	tmpl_set(t, pos + PCI_DVSEC_HEADER1, 4,
		 DEVSEC_VENDOR_ID | FIELD_PREP(GENMASK(19, 16), DEVSEC_DVSEC_REV) |
		 FIELD_PREP(GENMASK(31, 20), DEVSEC_DVSEC_SIZEOF), 0);
	tmpl_set(t, pos + PCI_DVSEC_HEADER2, 2, DEVSEC_DVSEC_ID, 0);
	tmpl_set(t, pos + DEVSEC_TDISP_REPORT_OFFSET_LO, 4,
		 lower_32_bits(DEVSEC_MMIO_REPORTING_OFFSET), 0);
	tmpl_set(t, pos + DEVSEC_TDISP_REPORT_OFFSET_HI, 4,
		 upper_32_bits(DEVSEC_MMIO_REPORTING_OFFSET), 0);
}

static void tmpl_endpoint(struct devsec_tmpl *t, bool fn0)
{
	u8 hdr = nr_functions > 1 ? DEVSEC_HEADER_TYPE_MFD : 0;
	u16 msix = DEVSEC_MSIX_POS;

	t->endpoint = true;
	tmpl_common(t, DEVSEC_CLASS, PCI_HEADER_TYPE_NORMAL | hdr);
	/* an emulated reset completes at once: no 100 ms wait after FLR */
	tmpl_set(t, PCI_STATUS, 2, PCI_STATUS_CAP_LIST | PCI_STATUS_IMM_READY, 0);
	tmpl_set(t, PCI_BASE_ADDRESS_0, 4,
		 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH,
		 lower_32_bits(~(u64)(bar_size - 1)) & PCI_BASE_ADDRESS_MEM_MASK);
	tmpl_set(t, PCI_BASE_ADDRESS_1, 4, 0, 0xffffffff);
	tmpl_set(t, PCI_SUBSYSTEM_VENDOR_ID, 2, DEVSEC_VENDOR_ID, 0);
	tmpl_set(t, PCI_SUBSYSTEM_ID, 2, DEVSEC_DEVICE_ID, 0);
	tmpl_exp(t, PCI_EXP_TYPE_ENDPOINT, msix,
		 PCI_EXP_DEVCAP_FLR | PCI_EXP_DEVCAP_TEE);

	tmpl_set(t, msix, 1, PCI_CAP_ID_MSIX, 0);
	tmpl_set(t, msix + PCI_CAP_LIST_NEXT, 1, DEVSEC_PM_POS, 0);
	tmpl_set(t, msix + PCI_MSIX_FLAGS, 2, DEVSEC_MSIX_VECTORS - 1,
		 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	tmpl_set(t, msix + PCI_MSIX_TABLE, 4,
		 DEVSEC_MSIX_TABLE_OFFSET(bar_size), 0);
	tmpl_set(t, msix + PCI_MSIX_PBA, 4, DEVSEC_MSIX_PBA_OFFSET(bar_size), 0);

	/* PM 1.2: D0 and D3hot only, no PME, No_Soft_Reset clear */
	tmpl_set(t, DEVSEC_PM_POS, 1, PCI_CAP_ID_PM, 0);
	tmpl_set(t, DEVSEC_PM_POS + PCI_CAP_LIST_NEXT, 1, 0, 0);
	tmpl_set(t, DEVSEC_PM_POS + PCI_PM_PMC, 2, 3, 0);
	tmpl_set(t, DEVSEC_PM_POS + PCI_PM_CTRL, 2, DEVSEC_PM_D0,
		 PCI_PM_CTRL_STATE_MASK);

	if (!fn0) {
		tmpl_dvsec(t, DEVSEC_EPN_DVSEC_POS);
		return;
	}

	t->doe_pos = DEVSEC_EP0_DOE_POS;
	tmpl_set(t, t->doe_pos, 4,
		 ext_cap_header(PCI_EXT_CAP_ID_DOE, 1, DEVSEC_EP0_IDE_POS), 0);
	tmpl_ide(t, DEVSEC_EP0_IDE_POS, DEVSEC_EP0_DVSEC_POS);
	tmpl_dvsec(t, DEVSEC_EP0_DVSEC_POS);
}

/* ---- DOE mailbox (function 0): the discovery protocol only ---- */

static void doe_sync(struct devsec_fn *fn)
{
	struct devsec_doe *doe = &fn->doe;
	u16 pos = fn->tmpl->doe_pos;
	bool ready = doe->rsp_pos < doe->rsp_len;
	u32 status = 0;

	if (doe->error)
		status |= PCI_DOE_STATUS_ERROR;
	if (ready)
		status |= PCI_DOE_STATUS_DATA_OBJECT_READY;
	put_le(fn->cfg, pos + PCI_DOE_STATUS, 4, status);
	put_le(fn->cfg, pos + PCI_DOE_READ, 4,
	       ready ? doe->rsp[doe->rsp_pos] : 0);
}

static void doe_reset(struct devsec_fn *fn)
{
	fn->doe = (struct devsec_doe){};
	doe_sync(fn);
}

static void doe_go(struct devsec_fn *fn)
{
	static const u8 next[DEVSEC_DOE_NR_PROT] = { 1, 2, 0 };
	struct devsec_doe *doe = &fn->doe;
	u32 len, index;

	doe->rsp_len = 0;
	doe->rsp_pos = 0;
	if (doe->req_len < 3)
		goto bad;
	len = FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH, doe->req[1]);
	if (FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_1_VID, doe->req[0]) !=
	    PCI_VENDOR_ID_PCI_SIG ||
	    FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_1_TYPE, doe->req[0]) !=
	    DEVSEC_DOE_PROT_DISCOVERY || len != doe->req_len)
		goto bad;
	index = FIELD_GET(PCI_DOE_DATA_OBJECT_DISC_REQ_3_INDEX, doe->req[2]);
	if (index >= DEVSEC_DOE_NR_PROT)
		goto bad;

	doe->rsp[0] = doe->req[0];
	doe->rsp[1] = FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH, 3);
	doe->rsp[2] = FIELD_PREP(PCI_DOE_DATA_OBJECT_DISC_RSP_3_VID,
				 PCI_VENDOR_ID_PCI_SIG) |
		      FIELD_PREP(PCI_DOE_DATA_OBJECT_DISC_RSP_3_PROTOCOL, index) |
		      FIELD_PREP(PCI_DOE_DATA_OBJECT_DISC_RSP_3_NEXT_INDEX,
				 next[index]);
	doe->rsp_len = 3;
	doe->req_len = 0;
	doe_sync(fn);
	return;
bad:
	/* an unsupported or malformed object: flag it until aborted */
	doe->req_len = 0;
	doe->error = true;
	doe_sync(fn);
}

/* Returns true if the dword write at @reg was a DOE mailbox register */
static bool doe_write(struct devsec_fn *fn, unsigned int reg, u32 val)
{
	struct devsec_doe *doe = &fn->doe;
	u16 pos = fn->tmpl->doe_pos;

	if (!pos || reg < pos + PCI_DOE_CTRL || reg > pos + PCI_DOE_READ)
		return false;

	switch (reg - pos) {
	case PCI_DOE_CTRL:
		if (val & PCI_DOE_CTRL_ABORT)
			doe_reset(fn);
		else if (val & PCI_DOE_CTRL_GO)
			doe_go(fn);
		break;
	case PCI_DOE_WRITE:
		if (doe->req_len < DEVSEC_DOE_REQ_DW)
			doe->req[doe->req_len++] = val;
		else
			doe->error = true;
		doe_sync(fn);
		break;
	case PCI_DOE_READ:
		if (doe->rsp_pos < doe->rsp_len)
			doe->rsp_pos++;
		doe_sync(fn);
		break;
	}
	return true;
}

/* ---- TDISP emulation (DVSEC on every endpoint function) ---- */

static void tdisp_set(struct devsec_fn *fn, u8 state, u8 reason, bool rejected)
{
	u32 status = FIELD_PREP(DEVSEC_TDISP_STATE, state) |
		     FIELD_PREP(DEVSEC_TDISP_ERR_REASON, reason);

	if (rejected)
		status |= DEVSEC_TDISP_REJECTED;
	fn->tdisp_state = state;
	put_le(fn->cfg, fn->tmpl->dvsec_pos + DEVSEC_TDISP_STATUS, 4, status);
}

static bool tdisp_locked(struct devsec_fn *fn)
{
	return fn->tdisp_state == PCI_TSM_TDISP_LOCKED ||
	       fn->tdisp_state == PCI_TSM_TDISP_RUN;
}

/*
 * A security-relevant change while LOCKED/RUN: TDISP ERROR. The TSM is told
 * from devsec_error_work() (the caller queues it when @error_pending is set).
 */
static void tdisp_error(struct devsec_fn *fn, u8 reason)
{
	if (!tdisp_locked(fn))
		return;
	tdisp_set(fn, PCI_TSM_TDISP_ERROR, reason, false);
	fn->error_pending = true;
}

static void tdisp_request(struct devsec_fn *fn, u32 req)
{
	u8 state = fn->tdisp_state;

	switch (FIELD_GET(DEVSEC_TDISP_REQ, req)) {
	case DEVSEC_TDISP_REQ_LOCK:
		if (state != PCI_TSM_TDISP_UNLOCKED)
			break;
		tdisp_set(fn, PCI_TSM_TDISP_LOCKED, 0, false);
		return;
	case DEVSEC_TDISP_REQ_START:
		if (state != PCI_TSM_TDISP_LOCKED)
			break;
		tdisp_set(fn, PCI_TSM_TDISP_RUN, 0, false);
		return;
	case DEVSEC_TDISP_REQ_STOP:
		/* an ERROR not reported yet is moot once the TSM stopped the TDI */
		fn->error_pending = false;
		tdisp_set(fn, PCI_TSM_TDISP_UNLOCKED, 0, false);
		return;
	default:
		return;
	}
	/* refused: keep the state (and an ERROR reason), flag the refusal */
	tdisp_set(fn, state,
		  FIELD_GET(DEVSEC_TDISP_ERR_REASON,
			    get_le(fn->cfg, fn->tmpl->dvsec_pos +
				   DEVSEC_TDISP_STATUS, 4)), true);
}

/*
 * Function level reset, D3hot to D0 without No_Soft_Reset or a secondary
 * bus reset (@reason): config back to power-on values, TDI to ERROR
 */
static void devsec_flr(struct devsec_fn *fn, int reason)
{
	u8 state = fn->tdisp_state;
	u32 status = get_le(fn->cfg, fn->tmpl->dvsec_pos + DEVSEC_TDISP_STATUS, 4);
	u16 ide = fn->tmpl->ide_pos;
	u8 ide_regs[DEVSEC_IDE_SIZEOF];

	/* IDE stream state survives FLR (it belongs to the link) */
	if (ide)
		memcpy(ide_regs, fn->cfg + ide, sizeof(ide_regs));
	memcpy(fn->cfg, fn->tmpl->cfg, sizeof(fn->cfg));
	if (ide)
		memcpy(fn->cfg + ide, ide_regs, sizeof(ide_regs));
	if (fn->tmpl->doe_pos)
		doe_reset(fn);
	put_le(fn->cfg, fn->tmpl->dvsec_pos + DEVSEC_TDISP_STATUS, 4, status);
	fn->tdisp_state = state;
	tdisp_error(fn, reason);
}

static void ide_sync(struct devsec_fn *fn)
{
	u16 sel = fn->tmpl->ide_pos + DEVSEC_IDE_SEL;
	u32 ctl = get_le(fn->cfg, sel + DEVSEC_IDE_SEL_CTL, 4);
	u32 state = ctl & DEVSEC_IDE_SEL_CTL_EN ? DEVSEC_IDE_STATE_SECURE :
						  DEVSEC_IDE_STATE_INSECURE;

	put_le(fn->cfg, sel + DEVSEC_IDE_SEL_STS, 4,
	       FIELD_PREP(DEVSEC_IDE_SEL_STS_STATE, state));
}

/* Byte @off of a write of @size bytes of @val at @where, or -1 */
static int written_byte(int where, int size, u32 val, int off)
{
	if (off < where || off >= where + size)
		return -1;
	return (val >> (8 * (off - where))) & 0xff;
}

static void devsec_fn_write(struct devsec_fn *fn, int where, int size, u32 val)
{
	const struct devsec_tmpl *t = fn->tmpl;
	unsigned int reg = where & ~3;
	u16 dvsec = t->dvsec_pos;
	u32 bar0, bar1;
	u16 cmd;
	int b;

	if (size == 4 && doe_write(fn, reg, val))
		return;
	if (dvsec && where == dvsec + DEVSEC_TDISP_CTRL) {
		tdisp_request(fn, val);
		return;
	}
	b = written_byte(where, size, val, DEVSEC_EXP_POS + PCI_EXP_DEVCTL + 1);
	if (t->endpoint && b >= 0 && (b << 8) & PCI_EXP_DEVCTL_BCR_FLR) {
		devsec_flr(fn, DEVSEC_TDISP_ERR_FLR);
		return;
	}
	b = written_byte(where, size, val, DEVSEC_PM_POS + PCI_PM_CTRL);
	if (t->endpoint && b >= 0 &&
	    (get_le(fn->cfg, DEVSEC_PM_POS + PCI_PM_CTRL, 1) &
	     PCI_PM_CTRL_STATE_MASK) == DEVSEC_PM_D3HOT &&
	    (b & PCI_PM_CTRL_STATE_MASK) == DEVSEC_PM_D0) {
		devsec_flr(fn, DEVSEC_TDISP_ERR_D3HOT);
		return;
	}

	bar0 = get_le(fn->cfg, PCI_BASE_ADDRESS_0, 4);
	bar1 = get_le(fn->cfg, PCI_BASE_ADDRESS_1, 4);
	cmd = get_le(fn->cfg, PCI_COMMAND, 2);
	for (int i = 0; i < size; i++) {
		u8 m = t->wmask[where + i];
		u8 v = val >> (8 * i);

		fn->cfg[where + i] = (fn->cfg[where + i] & ~m) | (v & m);
	}

	if (t->ide_pos && reg == t->ide_pos + DEVSEC_IDE_SEL + DEVSEC_IDE_SEL_CTL)
		ide_sync(fn);
	if (!t->endpoint)
		return;
	if (bar0 != get_le(fn->cfg, PCI_BASE_ADDRESS_0, 4) ||
	    bar1 != get_le(fn->cfg, PCI_BASE_ADDRESS_1, 4))
		tdisp_error(fn, DEVSEC_TDISP_ERR_BAR);
	if ((cmd & PCI_COMMAND_MEMORY) &&
	    !(get_le(fn->cfg, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY))
		tdisp_error(fn, DEVSEC_TDISP_ERR_DECODE);
}

static void devsec_fn_init(struct devsec_fn *fn, const struct devsec_tmpl *t)
{
	memcpy(fn->cfg, t->cfg, sizeof(fn->cfg));
	fn->tmpl = t;
	if (t->dvsec_pos)
		tdisp_set(fn, PCI_TSM_TDISP_UNLOCKED, 0, false);
	if (t->doe_pos)
		doe_reset(fn);
}

/* ---- config accessors ---- */

static unsigned int fns_per_port(void)
{
	return 1 + nr_functions;
}

static struct devsec_hb *bus_to_devsec_hb(struct pci_bus *bus)
{
	return container_of(bus->sysdata, struct devsec_hb, sd);
}

/*
 * Route a config request like the hardware would: the root bus reaches the
 * root ports, any other bus the endpoint below the port whose secondary bus
 * number it is (only device 0 sits on a PCIe link).
 */
static struct devsec_fn *devsec_lookup(struct devsec_hb *dhb, u8 busnr,
				       unsigned int devfn)
{
	unsigned int slot = PCI_SLOT(devfn), func = PCI_FUNC(devfn);

	lockdep_assert_held(&dhb->lock);
	if (!dhb->fns)
		return NULL;
	if (busnr == dhb->root_busnr) {
		if (slot >= nr_endpoints || func)
			return NULL;
		return &dhb->fns[slot * fns_per_port()];
	}
	if (slot || func >= nr_functions)
		return NULL;
	for (unsigned int p = 0; p < nr_endpoints; p++) {
		struct devsec_fn *port = &dhb->fns[p * fns_per_port()];

		if (port->cfg[PCI_SECONDARY_BUS] == busnr)
			return port + 1 + func;
	}
	return NULL;
}

static bool devsec_cfg_valid(int where, int size)
{
	return (size == 1 || size == 2 || size == 4) && !(where & (size - 1)) &&
	       where >= 0 && where + size <= PCI_CFG_SPACE_EXP_SIZE;
}

/*
 * Config accessors. They may run with interrupts disabled (user config
 * access holds pci_lock), hence the irq-safe spinlock; explicit lock and
 * unlock rather than guard() keep sparse's context tracking accurate.
 */
static int devsec_cfg_read(struct pci_bus *bus, unsigned int devfn, int where,
			   int size, u32 *val)
{
	struct devsec_hb *dhb = bus_to_devsec_hb(bus);
	int rc = PCIBIOS_DEVICE_NOT_FOUND;
	struct devsec_fn *fn;
	unsigned long flags;

	PCI_SET_ERROR_RESPONSE(val);
	if (!devsec_cfg_valid(where, size))
		return PCIBIOS_BAD_REGISTER_NUMBER;

	spin_lock_irqsave(&dhb->lock, flags);
	fn = devsec_lookup(dhb, bus->number, devfn);
	if (fn) {
		*val = get_le(fn->cfg, where, size);
		rc = PCIBIOS_SUCCESSFUL;
	}
	spin_unlock_irqrestore(&dhb->lock, flags);
	return rc;
}

static int devsec_cfg_write(struct pci_bus *bus, unsigned int devfn, int where,
			    int size, u32 val)
{
	struct devsec_hb *dhb = bus_to_devsec_hb(bus);
	int rc = PCIBIOS_DEVICE_NOT_FOUND;
	struct devsec_fn *fn;
	unsigned long flags;

	if (!devsec_cfg_valid(where, size))
		return PCIBIOS_BAD_REGISTER_NUMBER;

	spin_lock_irqsave(&dhb->lock, flags);
	fn = devsec_lookup(dhb, bus->number, devfn);
	if (fn) {
		u16 bctl = get_le(fn->cfg, PCI_BRIDGE_CONTROL, 2);
		bool pending;

		devsec_fn_write(fn, where, size, val);
		pending = fn->error_pending;
		/* a root port asserting Secondary Bus Reset resets its endpoint */
		if (!fn->tmpl->endpoint && !(bctl & PCI_BRIDGE_CTL_BUS_RESET) &&
		    (get_le(fn->cfg, PCI_BRIDGE_CONTROL, 2) &
		     PCI_BRIDGE_CTL_BUS_RESET)) {
			for (unsigned int f = 0; f < nr_functions; f++) {
				devsec_flr(fn + 1 + f, DEVSEC_TDISP_ERR_BUS_RESET);
				pending |= fn[1 + f].error_pending;
			}
		}
		if (pending)
			queue_work(system_wq, &dhb->error_work);
		rc = PCIBIOS_SUCCESSFUL;
	}
	spin_unlock_irqrestore(&dhb->lock, flags);
	return rc;
}

static struct pci_ops devsec_pci_ops = {
	.read = devsec_cfg_read,
	.write = devsec_cfg_write,
};

/* ---- TDISP ERROR reports to the devsec TSM ---- */

/*
 * Take @fn's pending ERROR report. Return: the PCI device to report it for
 * (referenced), or NULL when nothing is pending or the device is gone.
 */
static struct pci_dev *devsec_take_error(struct devsec_hb *dhb, unsigned int p,
					 unsigned int f)
{
	struct devsec_fn *port, *fn;
	unsigned long flags;
	bool pending = false;
	u8 busnr = 0;

	spin_lock_irqsave(&dhb->lock, flags);
	if (dhb->fns) {
		port = &dhb->fns[p * fns_per_port()];
		fn = port + 1 + f;
		pending = fn->error_pending;
		fn->error_pending = false;
		busnr = port->cfg[PCI_SECONDARY_BUS];
	}
	spin_unlock_irqrestore(&dhb->lock, flags);
	if (!pending)
		return NULL;
	return pci_get_domain_bus_and_slot(dhb->sd.domain, busnr,
					   PCI_DEVFN(0, f));
}

/*
 * Report each function that entered ERROR to the devsec TSM, if it is
 * loaded. The modules share no symbol dependency (any load order), so the
 * handler is looked up at report time; symbol_get() pins devsec_tsm for the
 * call and fails while it unloads (its unregistration unlocks everything).
 * devsec_remove_bridge() cancels this work once the devices are gone.
 */
static void devsec_error_work(struct work_struct *work)
{
	struct devsec_hb *dhb = container_of(work, struct devsec_hb, error_work);
	void (*report)(struct pci_dev *pdev);
	struct pci_dev *pdev;

	for (unsigned int p = 0; p < nr_endpoints; p++) {
		for (unsigned int f = 0; f < nr_functions; f++) {
			pdev = devsec_take_error(dhb, p, f);
			if (!pdev)
				continue;
			report = symbol_get(ptsm_devsec_tdisp_error);
			if (report) {
				report(pdev);
				symbol_put(ptsm_devsec_tdisp_error);
			} else {
				pci_dbg(pdev, "TDISP ERROR: no devsec TSM to tell\n");
			}
			pci_dev_put(pdev);
		}
	}
}

/* ---- host bridge sysfs ---- */

static ssize_t available_secure_streams_show(struct device *dev,
					     struct device_attribute *attr,
					     char *buf)
{
	struct devsec_hb *dhb = pci_host_bridge_priv(to_pci_host_bridge(dev));
	unsigned int used = 0;

	scoped_guard(spinlock_irqsave, &dhb->lock) {
		for (unsigned int p = 0; dhb->fns && p < nr_endpoints; p++) {
			struct devsec_fn *port = &dhb->fns[p * fns_per_port()];
			u16 ctl = port->tmpl->ide_pos + DEVSEC_IDE_SEL +
				  DEVSEC_IDE_SEL_CTL;

			if (get_le(port->cfg, ctl, 4) & DEVSEC_IDE_SEL_CTL_EN)
				used++;
		}
	}
	return sysfs_emit(buf, "%u\n", DEVSEC_HB_STREAMS - min_t(unsigned int, used,
								  DEVSEC_HB_STREAMS));
}
static DEVICE_ATTR_RO(available_secure_streams);

/* ---- host bridge lifetime ---- */

static void devsec_kvfree(void *p)
{
	kvfree(p);
}

static void devsec_release_mem(void *res)
{
	remove_resource(res);
}

/*
 * ORDER: the attribute goes first (the link TSM and readers use the
 * emulation), then the PCI devices (their removal lets pci_tsm disconnect
 * and unlock through config space), then the emulation itself; last, no
 * ERROR report may still run (it would reach the freed bridge).
 */
static void devsec_remove_bridge(void *data)
{
	struct devsec_hb *dhb = data;

	device_remove_file(&dhb->bridge->dev, &dev_attr_available_secure_streams);
	pci_lock_rescan_remove();
	pci_stop_root_bus(dhb->bus);
	pci_remove_root_bus(dhb->bus);
	pci_unlock_rescan_remove();
	scoped_guard(spinlock_irqsave, &dhb->lock)
		dhb->fns = NULL;
	cancel_work_sync(&dhb->error_work);
}

static resource_size_t devsec_port_window(void)
{
	return roundup_pow_of_two(max_t(resource_size_t, SZ_1M,
					(resource_size_t)nr_functions * bar_size));
}

static int devsec_init_fns(struct device *dev, struct devsec_hb *dhb)
{
	unsigned int nr = nr_endpoints * fns_per_port();
	struct devsec_fn *fns = kvcalloc(nr, sizeof(*fns), GFP_KERNEL);
	int rc;

	if (!fns)
		return -ENOMEM;
	rc = devm_add_action_or_reset(dev, devsec_kvfree, fns);
	if (rc)
		return rc;

	for (unsigned int p = 0; p < nr_endpoints; p++) {
		struct devsec_fn *port = &fns[p * fns_per_port()];
		u8 secondary = dhb->root_busnr + 1 + p;

		devsec_fn_init(port, &devsec_tmpls[DEVSEC_ROLE_PORT]);
		port->cfg[PCI_PRIMARY_BUS] = dhb->root_busnr;
		port->cfg[PCI_SECONDARY_BUS] = secondary;
		port->cfg[PCI_SUBORDINATE_BUS] = secondary;
		for (unsigned int f = 0; f < nr_functions; f++)
			devsec_fn_init(port + 1 + f,
				       &devsec_tmpls[f ? DEVSEC_ROLE_EPN :
						     DEVSEC_ROLE_EP0]);
	}
	dhb->fns = fns;
	return 0;
}

static int devsec_alloc_window(struct device *dev, struct devsec_hb *dhb, int i)
{
	resource_size_t win = devsec_port_window();
	int rc;

	dhb->mem = (struct resource) {
		.name = devsec_mem_names[i],
		.flags = IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64,
	};
	/* room for every port window at its natural alignment, twice over */
	rc = allocate_resource(&iomem_resource, &dhb->mem,
			       2 * win * nr_endpoints, SZ_4G,
			       iomem_resource.end, win, NULL, NULL);
	if (rc) {
		dev_err(dev, "no room for a %#llx byte MMIO window: %d\n",
			(unsigned long long)(2 * win * nr_endpoints), rc);
		return rc;
	}
	return devm_add_action_or_reset(dev, devsec_release_mem, &dhb->mem);
}

static int devsec_scan(struct devsec_hb *dhb)
{
	struct pci_host_bridge *bridge = dhb->bridge;
	int rc;

	pci_lock_rescan_remove();
	rc = pci_scan_root_bus_bridge(bridge);
	if (!rc) {
		dhb->bus = bridge->bus;
		pci_assign_unassigned_bus_resources(dhb->bus);
		pci_bus_add_devices(dhb->bus);
	}
	pci_unlock_rescan_remove();
	return rc;
}

static int devsec_add_bridge(struct device *dev, int i)
{
	struct pci_host_bridge *bridge;
	struct devsec_hb *dhb;
	int rc;

	bridge = devm_pci_alloc_host_bridge(dev, sizeof(*dhb));
	if (!bridge)
		return -ENOMEM;
	dhb = pci_host_bridge_priv(bridge);
	spin_lock_init(&dhb->lock);
	INIT_WORK(&dhb->error_work, devsec_error_work);
	dhb->bridge = bridge;
	dhb->root_busnr = i * (nr_endpoints + 1);

	rc = devsec_init_fns(dev, dhb);
	if (rc)
		return rc;
	rc = devsec_alloc_window(dev, dhb, i);
	if (rc)
		return rc;

	dhb->busnr = (struct resource) {
		.name = devsec_busnr_names[i],
		.start = dhb->root_busnr,
		.end = dhb->root_busnr + nr_endpoints,
		.flags = IORESOURCE_BUS,
	};
	pci_add_resource(&bridge->windows, &dhb->busnr);
	pci_add_resource(&bridge->windows, &dhb->mem);

	dhb->sd.domain = DEVSEC_DOMAIN_BASE + i;
	dhb->sd.node = NUMA_NO_NODE;
	bridge->sysdata = &dhb->sd;
	bridge->ops = &devsec_pci_ops;
	/* no port services (AER, PME, hotplug...): nothing would signal them */
	bridge->native_aer = 0;
	bridge->native_pcie_hotplug = 0;
	bridge->native_shpc_hotplug = 0;
	bridge->native_pme = 0;
	bridge->native_ltr = 0;
	bridge->native_dpc = 0;

	rc = devsec_scan(dhb);
	if (rc)
		return rc;
	rc = devm_add_action_or_reset(dev, devsec_remove_bridge, dhb);
	if (rc)
		return rc;
	return device_create_file(&bridge->dev, &dev_attr_available_secure_streams);
}

static int __init devsec_bus_probe(struct platform_device *pdev)
{
	for (int i = 0; i < DEVSEC_NR_HOST_BRIDGES; i++) {
		int rc = devsec_add_bridge(&pdev->dev, i);

		if (rc)
			return rc;
	}
	return 0;
}

static struct platform_driver devsec_bus_driver = {
	.driver = {
		.name = "devsec_bus",
	},
};

static int __init devsec_check_params(void)
{
	if (!nr_endpoints || nr_endpoints > DEVSEC_MAX_ENDPOINTS ||
	    !nr_functions || nr_functions > DEVSEC_MAX_FUNCTIONS ||
	    !is_power_of_2(bar_size) || bar_size < SZ_16K || bar_size > SZ_1G) {
		pr_err("invalid parameters: nr_endpoints=%u nr_functions=%u bar_size=%#lx\n",
		       nr_endpoints, nr_functions, bar_size);
		return -EINVAL;
	}
	return 0;
}

static int __init devsec_bus_init(void)
{
	struct platform_device *pdev;
	int rc = devsec_check_params();

	if (rc)
		return rc;

	devsec_tmpls = kvcalloc(DEVSEC_NR_ROLES, sizeof(*devsec_tmpls),
				GFP_KERNEL);
	if (!devsec_tmpls)
		return -ENOMEM;
	tmpl_port(&devsec_tmpls[DEVSEC_ROLE_PORT]);
	tmpl_endpoint(&devsec_tmpls[DEVSEC_ROLE_EP0], true);
	tmpl_endpoint(&devsec_tmpls[DEVSEC_ROLE_EPN], false);

	pdev = platform_create_bundle(&devsec_bus_driver, devsec_bus_probe,
				      NULL, 0, NULL, 0);
	if (IS_ERR(pdev)) {
		kvfree(devsec_tmpls);
		return PTR_ERR(pdev);
	}
	devsec_pdev = pdev;
	return 0;
}
module_init(devsec_bus_init);

static void __exit devsec_bus_exit(void)
{
	platform_device_unregister(devsec_pdev);
	platform_driver_unregister(&devsec_bus_driver);
	kvfree(devsec_tmpls);
}
module_exit(devsec_bus_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pci-tsm devsec sample: emulated TEE-capable PCI hardware");
