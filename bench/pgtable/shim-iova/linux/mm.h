/* SPDX-License-Identifier: GPL-2.0-only */
/* bench/pgtable stand-in: see highmem.h */
#include "highmem.h"
