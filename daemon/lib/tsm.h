/* SPDX-License-Identifier: GPL-2.0-only */
/* libtsm: umbrella header for the daemon and tsmctl. */
#ifndef TSM_TSM_H
#define TSM_TSM_H

#include "util.h"
#include "spdm_vca.h"
#include "spdm_chain.h"
#include "spdm_meas.h"
#include "tdisp_report.h"
#include "verify.h"
#include "policy.h"
#include "config.h"

#endif /* TSM_TSM_H */
