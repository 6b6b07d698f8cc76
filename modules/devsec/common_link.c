// SPDX-License-Identifier: GPL-2.0-only
/* common.c, built once per sample TSM module (kbuild wants one object per module) */
#include "common.c"
