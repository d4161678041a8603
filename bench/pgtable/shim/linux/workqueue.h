/* SPDX-License-Identifier: GPL-2.0-only */
/* bench/pgtable stand-in: see ds_kernel.h */
#include "../ds_kernel.h"
