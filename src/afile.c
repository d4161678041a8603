// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Atomically written files (afile.h). */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "afile.h"

int ds_afile_open(struct ds_afile *af, const char *path)
{
	char dir[PATH_MAX], base[PATH_MAX];
	int fd;

	memset(af, 0, sizeof(*af));
	if (snprintf(af->path, sizeof(af->path), "%s", path) >=
	    (int)sizeof(af->path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	if (snprintf(af->tmp, sizeof(af->tmp), "%s/.%s.tmp.XXXXXX",
		     dirname(dir), basename(base)) >= (int)sizeof(af->tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(af->tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) || !(af->f = fdopen(fd, "w"))) {
		int err = -errno;

		close(fd);
		unlink(af->tmp);
		return err;
	}
	return 0;
}

void ds_afile_abort(struct ds_afile *af)
{
	if (!af->f)
		return;
	fclose(af->f);
	af->f = NULL;
	unlink(af->tmp);
}

int ds_afile_commit(struct ds_afile *af)
{
	int err = 0;

	errno = 0;
	if (fflush(af->f) || ferror(af->f) || fsync(fileno(af->f)))
		err = errno ? -errno : -EIO;
	if (fclose(af->f) && !err)
		err = -errno;
	af->f = NULL;
	if (!err && rename(af->tmp, af->path))
		err = -errno;
	if (err)
		unlink(af->tmp);
	return err;
}
