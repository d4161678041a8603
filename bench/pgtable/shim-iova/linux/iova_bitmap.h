/* SPDX-License-Identifier: GPL-2.0-only */
/* bench/pgtable: the kernel tree's own <linux/iova_bitmap.h> */
#include "../../shim/ds_kernel.h"
#include DS_IOVA_BITMAP_H
