/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files written atomically: the text goes to a temporary file next to the
 * target (".NAME.tmp.XXXXXX", mode 0644), which commit renames over it, so
 * readers see the old file or the whole new one, never a part.
 */
#ifndef DS_AFILE_H
#define DS_AFILE_H

#include <limits.h>
#include <stdio.h>

struct ds_afile {
	FILE *f;
	char path[PATH_MAX];
	char tmp[PATH_MAX];
};

/* 0, or -errno (nothing to clean up then) */
int ds_afile_open(struct ds_afile *af, const char *path);
/* flush, fsync, rename; 0 or -errno (the temporary file is removed) */
int ds_afile_commit(struct ds_afile *af);
void ds_afile_abort(struct ds_afile *af);

#endif /* DS_AFILE_H */
