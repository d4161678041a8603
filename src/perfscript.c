// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* perf script text of the iommu:dirty_* tracepoints as a recording */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dirty_ops.h"
#include "perfscript.h"

#define DS_PS_EVENT	DS_TP_SYSTEM ":dirty_"

/* the fields of the tracepoints' TP_printk, in its order */
enum ds_ps_key {
	PS_DOMAIN, PS_IOVA, PS_SIZE, PS_PGSIZE, PS_LEAVES, PS_DIRTY, PS_FLAGS,
	PS_RET, PS_DURATION, PS_NKEYS
};

static const char *const ds_ps_keys[PS_NKEYS] = {
	[PS_DOMAIN] = "domain", [PS_IOVA] = "iova", [PS_SIZE] = "size",
	[PS_PGSIZE] = "pgsize", [PS_LEAVES] = "leaves", [PS_DIRTY] = "dirty",
	[PS_FLAGS] = "flags", [PS_RET] = "ret", [PS_DURATION] = "duration_ns",
};

struct ds_ps_ctx {
	char *reason;
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static int ds_ps_fail(struct ds_ps_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, c->len, fmt, ap);
	va_end(ap);
	return -1;
}

/* "123.456789012:" -> ns; the fraction has 1 to 9 digits */
static bool ds_ps_time(const char *tok, size_t n, __u64 *ns)
{
	__u64 sec = 0, frac = 0;
	size_t i = 0, digits = 0;

	if (n < 4 || tok[n - 1] != ':')
		return false;
	for (; i < n - 1 && isdigit((unsigned char)tok[i]); i++) {
		if (sec > (UINT64_MAX / 1000000000ULL - 9) / 10)
			return false;
		sec = sec * 10 + (tok[i] - '0');
	}
	if (!i || i >= n - 1 || tok[i++] != '.')
		return false;
	for (; i < n - 1 && isdigit((unsigned char)tok[i]); i++, digits++)
		frac = frac * 10 + (tok[i] - '0');
	if (i != n - 1 || !digits || digits > 9)
		return false;
	for (; digits < 9; digits++)
		frac *= 10;
	*ns = sec * 1000000000ULL + frac;
	return true;
}

/* one "key=value" of the payload */
static int ds_ps_field(struct ds_ps_ctx *c, const char *tok, size_t n,
		       struct ds_dirty_event *e, unsigned int *seen)
{
	const char *eq = memchr(tok, '=', n);
	char val[32], *end;
	size_t klen, vlen;
	long long s;
	__u64 u;
	int k;

	if (!eq)
		return ds_ps_fail(c, "\"%.*s\": not key=value", (int)n, tok);
	klen = eq - tok;
	vlen = n - klen - 1;
	for (k = 0; k < PS_NKEYS; k++)
		if (strlen(ds_ps_keys[k]) == klen &&
		    !memcmp(tok, ds_ps_keys[k], klen))
			break;
	if (k == PS_NKEYS)
		return ds_ps_fail(c, "unknown field \"%.*s\"", (int)klen, tok);
	if (*seen & (1u << k))
		return ds_ps_fail(c, "\"%s\" twice", ds_ps_keys[k]);
	*seen |= 1u << k;
	if (!vlen || vlen >= sizeof(val) || (eq[1] == '-' && k != PS_RET) ||
	    eq[1] == '+')
		return ds_ps_fail(c, "\"%s\": bad value \"%.*s\"", ds_ps_keys[k],
				  (int)vlen, eq + 1);
	memcpy(val, eq + 1, vlen);
	val[vlen] = '\0';
	errno = 0;
	if (k == PS_RET) {
		s = strtoll(val, &end, 10);
		if (errno || *end || s < INT32_MIN || s > INT32_MAX)
			return ds_ps_fail(c, "\"ret\": bad value \"%s\"", val);
		e->ret = (__s32)s;
		return 0;
	}
	u = strtoull(val, &end, 0);
	if (errno || *end)
		return ds_ps_fail(c, "\"%s\": bad value \"%s\"", ds_ps_keys[k], val);
	switch (k) {
	case PS_DOMAIN:
	case PS_FLAGS:
		if (u > UINT32_MAX)
			return ds_ps_fail(c, "\"%s\": %s beyond 32 bits",
					  ds_ps_keys[k], val);
		if (k == PS_DOMAIN)
			e->domain_id = u;
		else
			e->flags = u;
		break;
	case PS_IOVA: e->iova = u; break;
	case PS_SIZE: e->size = u; break;
	case PS_PGSIZE: e->pgsize = u; break;
	case PS_LEAVES: e->leaves = u; break;
	case PS_DIRTY: e->dirty = u; break;
	case PS_DURATION: e->duration_ns = u; break;
	}
	return 0;
}

/* the payload after "iommu:dirty_OP:" */
static int ds_ps_payload(struct ds_ps_ctx *c, const char *p,
			 struct ds_dirty_event *e)
{
	unsigned int seen = 0;
	int k;

	for (;;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		n = strcspn(p, " \t");
		if (ds_ps_field(c, p, n, e, &seen))
			return -1;
		p += n;
	}
	for (k = 0; k < PS_NKEYS; k++)
		if (!(seen & (1u << k)))
			return ds_ps_fail(c, "\"%s\": missing", ds_ps_keys[k]);
	if (e->size && e->iova + (e->size - 1) < e->iova)
		return ds_ps_fail(c, "\"size\": iova + size beyond 2^64");
	return 0;
}

/* "# hostname : guest": the header's hostname, kernel and machine */
static void ds_ps_comment(const char *l, struct ds_rec_header *h)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "# hostname : ", offsetof(struct ds_rec_header, hostname) },
		{ "# os release : ", offsetof(struct ds_rec_header, kernel) },
		{ "# arch : ", offsetof(struct ds_rec_header, machine) },
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strncmp(l, keys[i].key, strlen(keys[i].key)))
			snprintf((char *)h + keys[i].off, 65, "%s",
				 l + strlen(keys[i].key));
}

/*
 * One event line: 0 and *is_event when it is an iommu:dirty_* event (e
 * filled), 0 when it is another event, -1 when it is no event line.
 */
static int ds_ps_line(struct ds_ps_ctx *c, const char *l,
		      struct ds_dirty_event *e, bool *is_event)
{
	const char *p = l, *ev = NULL;
	__u64 ts = 0;
	size_t n;
	int op;

	*is_event = false;
	/* the time is the first token of the form SECONDS.FRACTION: */
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return ds_ps_fail(c, "not a line of perf script (no \"SECONDS.FRACTION:\" time; -F must keep time, event and trace)");
		n = strcspn(p, " \t");
		if (ds_ps_time(p, n, &ts))
			break;
		p += n;
	}
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t");
	if (n < 3 || p[n - 1] != ':' || !memchr(p, ':', n - 1))
		return ds_ps_fail(c, "no \"SYSTEM:EVENT:\" after the time");
	if (n <= strlen(DS_PS_EVENT) ||
	    strncmp(p, DS_PS_EVENT, strlen(DS_PS_EVENT)))
		return 0;	/* another event */
	ev = p + strlen(DS_TP_SYSTEM ":");
	for (op = 0; op < DS_OP_NR; op++)
		if (strlen(ds_op_event(op)) == n - 1 - (ev - p) &&
		    !strncmp(ev, ds_op_event(op), strlen(ds_op_event(op))))
			break;
	if (op == DS_OP_NR)
		return ds_ps_fail(c, "unknown event \"%.*s\" (iommu:dirty_split, _merge, _scan, _clear)",
				  (int)(n - 1), p);
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->ts_ns = ts;
	if (ds_ps_payload(c, p + n, e))
		return -1;
	*is_event = true;
	return 0;
}

int ds_perf_script_read(FILE *f, struct ds_recording *r, size_t *line,
			char *reason, size_t len)
{
	struct ds_ps_ctx c = { .reason = reason, .len = len };
	char *buf = NULL;
	size_t cap = 0, evcap = 0;
	ssize_t got;
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->hdr.version = DS_REC_VERSION;
	r->from_perf = true;
	snprintf(r->hdr.dirtyscope, sizeof(r->hdr.dirtyscope), "perf script");
	*line = 0;
	errno = 0;
	while ((got = getline(&buf, &cap, f)) >= 0) {
		struct ds_dirty_event e;
		const char *l = buf;
		bool is_event;

		++*line;
		if (got && buf[got - 1] == '\n')
			buf[--got] = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l)
			continue;
		if (*l == '#') {
			ds_ps_comment(l, &r->hdr);
			continue;
		}
		if (ds_ps_line(&c, l, &e, &is_event)) {
			err = -1;
			break;
		}
		if (!is_event)
			continue;
		if (!r->n)
			r->hdr.start_ns = e.ts_ns;
		err = ds_rec_push_event(r, &evcap, &e);
		if (err) {
			*line = 0;
			break;
		}
	}
	if (!err && ferror(f)) {
		err = errno ? -errno : -EIO;
		*line = 0;
	}
	free(buf);
	if (err)
		ds_rec_free(r);
	return err;
}
