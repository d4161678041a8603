/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/pgtable: the kernel tree's own include/linux/io-pgtable.h (the
 * ops and cfg layouts must be those of the file under test), reached
 * through the path the Makefile passes in DS_IO_PGTABLE_H.
 */
#include "../ds_kernel.h"
#include DS_IO_PGTABLE_H
