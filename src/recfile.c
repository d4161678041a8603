// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The dirtyscope recording file: JSON Lines, see recfile.h */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <json-c/json.h>
#include "dirty_ops.h"
#include "dirtyscope.h"
#include "json.h"
#include "perfscript.h"
#include "recfile.h"

void ds_rec_header_init(struct ds_rec_header *h)
{
	struct timespec mono, real;
	struct utsname u;

	memset(h, 0, sizeof(*h));
	h->version = DS_REC_VERSION;
	snprintf(h->dirtyscope, sizeof(h->dirtyscope), "%s", DS_VERSION);
	if (!uname(&u)) {
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
		snprintf(h->machine, sizeof(h->machine), "%s", u.machine);
		snprintf(h->hostname, sizeof(h->hostname), "%s", u.nodename);
	}
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	h->start_ns = mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	h->clock_base_ns = (__s64)(real.tv_sec * 1000000000ULL + real.tv_nsec) -
			   (__s64)h->start_ns;
}

/* one object per line, keys in insertion order; drops o */
static int ds_rec_put(FILE *f, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = fprintf(f, "%s\n", s) < 0 ? -1 : 0;

	json_object_put(o);
	return ret;
}

int ds_rec_write_header(FILE *f, const struct ds_rec_header *h,
			char *const *command, int ncommand)
{
	struct json_object *o = json_object_new_object();
	int i;

	json_object_object_add(o, "format", json_object_new_string(DS_REC_FORMAT));
	json_object_object_add(o, "version", json_object_new_int(h->version));
	json_object_object_add(o, "dirtyscope", json_object_new_string(h->dirtyscope));
	json_object_object_add(o, "kernel", json_object_new_string(h->kernel));
	json_object_object_add(o, "machine", json_object_new_string(h->machine));
	json_object_object_add(o, "hostname", json_object_new_string(h->hostname));
	json_object_object_add(o, "clock", json_object_new_string(DS_REC_CLOCK));
	json_object_object_add(o, "clock_base_ns", json_object_new_int64(h->clock_base_ns));
	json_object_object_add(o, "start_ns", ds_json_u64(h->start_ns));
	if (command && ncommand > 0) {
		struct json_object *a = json_object_new_array();

		for (i = 0; i < ncommand; i++)
			json_object_array_add(a, json_object_new_string(command[i]));
		json_object_object_add(o, "command", a);
	}
	return ds_rec_put(f, o);
}

int ds_rec_write_event(FILE *f, const struct ds_dirty_event *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ts_ns", ds_json_u64(e->ts_ns));
	json_object_object_add(o, "op", json_object_new_string(ds_op_name(e->op)));
	json_object_object_add(o, "domain_id", ds_json_u64(e->domain_id));
	json_object_object_add(o, "iova", ds_json_u64(e->iova));
	json_object_object_add(o, "size", ds_json_u64(e->size));
	json_object_object_add(o, "pgsize", ds_json_u64(e->pgsize));
	json_object_object_add(o, "leaves", ds_json_u64(e->leaves));
	json_object_object_add(o, "dirty", ds_json_u64(e->dirty));
	json_object_object_add(o, "flags", ds_json_u64(e->flags));
	json_object_object_add(o, "ret", json_object_new_int(e->ret));
	json_object_object_add(o, "duration_ns", ds_json_u64(e->duration_ns));
	return ds_rec_put(f, o);
}

int ds_rec_write_trailer(FILE *f, const struct ds_rec_trailer *t)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "end_ns", ds_json_u64(t->end_ns));
	json_object_object_add(o, "events", ds_json_u64(t->events));
	if (t->has_bitmaps) {
		json_object_object_add(o, "bitmaps", ds_json_u64(t->bitmaps));
		json_object_object_add(o, "bitmaps_lost", ds_json_u64(t->bitmaps_lost));
	}
	json_object_object_add(o, "dropped", ds_json_u64(t->dropped));
	return ds_rec_put(f, o);
}

/* bitmaps */

static const char *const ds_bm_uapis[] = {
	[DS_BM_IOMMUFD] = "iommufd",
	[DS_BM_TYPE1] = "type1",
};

static const char *const ds_bm_ops[] = {
	[DS_BM_GET] = "bitmap_get",
	[DS_BM_GET_NOCLEAR] = "bitmap_get_noclear",
	[DS_BM_CLEAR] = "bitmap_clear",
};

#define DS_BM_NR_UAPIS	(sizeof(ds_bm_uapis) / sizeof(ds_bm_uapis[0]))
#define DS_BM_NR_KINDS	(sizeof(ds_bm_ops) / sizeof(ds_bm_ops[0]))

const char *ds_bm_uapi_name(__u32 uapi)
{
	return uapi < DS_BM_NR_UAPIS ? ds_bm_uapis[uapi] : NULL;
}

const char *ds_bm_kind_op(__u32 kind)
{
	return kind < DS_BM_NR_KINDS ? ds_bm_ops[kind] : NULL;
}

__u64 ds_rec_bitmap_npages(const struct ds_rec_bitmap *b)
{
	return b->pgsize ? b->size / b->pgsize : 0;
}

size_t ds_rec_bitmap_words(const struct ds_rec_bitmap *b)
{
	__u64 npages = ds_rec_bitmap_npages(b);

	return npages / 64 + !!(npages % 64);
}

/* the bytes of the bitmap: ceil(npages / 8) */
static __u64 ds_bm_nbytes(__u64 npages)
{
	return npages / 8 + !!(npages % 8);
}

/* byte i of the bitmap in memory order (u64 words little-endian) */
static unsigned int ds_bm_byte(const __u64 *bits, __u64 i)
{
	return (bits[i / 8] >> (8 * (i % 8))) & 0xff;
}

/* pgsize, size and iova of a bitmap line; 0 or -1 with the reason */
static int ds_bm_check_range(char *reason, size_t len, __u64 iova, __u64 size,
			     __u64 pgsize)
{
	if (!pgsize || (pgsize & (pgsize - 1))) {
		snprintf(reason, len, "\"pgsize\": %llu is not a power of two",
			 pgsize);
		return -1;
	}
	if (!size) {
		snprintf(reason, len, "\"size\": 0 (a bitmap covers at least one page)");
		return -1;
	}
	if (size % pgsize) {
		snprintf(reason, len, "\"size\": %llu is not a multiple of pgsize %llu",
			 size, pgsize);
		return -1;
	}
	if (iova + (size - 1) < iova) {
		snprintf(reason, len, "\"size\": iova + size beyond 2^64");
		return -1;
	}
	return 0;
}

/* the first set bit at or beyond npages in the last word, or 0 */
static __u64 ds_bm_stray_bit(const __u64 *bits, __u64 npages)
{
	__u64 last;
	int b;

	if (!(npages % 64))
		return 0;
	last = bits[npages / 64] >> (npages % 64);
	for (b = 0; b < 64; b++)
		if (last & (1ULL << b))
			return npages + b;
	return 0;
}

int ds_rec_bitmap_check(const struct ds_rec_bitmap *b, char *reason,
			size_t len)
{
	__u64 stray;

	if (!ds_bm_uapi_name(b->uapi)) {
		snprintf(reason, len, "\"uapi\": unknown uapi %u", b->uapi);
		return -EINVAL;
	}
	if (!ds_bm_kind_op(b->kind)) {
		snprintf(reason, len, "\"op\": unknown bitmap kind %u", b->kind);
		return -EINVAL;
	}
	if (ds_bm_check_range(reason, len, b->iova, b->size, b->pgsize))
		return -EINVAL;
	if (!b->bits) {
		snprintf(reason, len, "\"bits\": missing");
		return -EINVAL;
	}
	stray = ds_bm_stray_bit(b->bits, ds_rec_bitmap_npages(b));
	if (stray) {
		snprintf(reason, len, "\"bits\": bit %llu set beyond the %llu pages",
			 stray, ds_rec_bitmap_npages(b));
		return -EINVAL;
	}
	return 0;
}

int ds_rec_write_bitmap(FILE *f, const struct ds_rec_bitmap *b)
{
	static const char hex[] = "0123456789abcdef";
	char reason[128], buf[4096];
	__u64 i, nbytes;
	size_t n = 0;

	if (ds_rec_bitmap_check(b, reason, sizeof(reason))) {
		errno = EINVAL;
		return -1;
	}
	if (fprintf(f, "{\"ts_ns\":%llu,\"op\":\"%s\",\"uapi\":\"%s\",\"iova\":%llu,"
		    "\"size\":%llu,\"pgsize\":%llu,\"ret\":%d,\"duration_ns\":%llu,"
		    "\"bits\":\"", b->ts_ns, ds_bm_kind_op(b->kind),
		    ds_bm_uapi_name(b->uapi), b->iova, b->size, b->pgsize,
		    b->ret, b->duration_ns) < 0)
		return -1;
	nbytes = ds_bm_nbytes(ds_rec_bitmap_npages(b));
	for (i = 0; i < nbytes; i++) {
		unsigned int v = ds_bm_byte(b->bits, i);

		buf[n++] = hex[v >> 4];
		buf[n++] = hex[v & 0xf];
		if (n == sizeof(buf)) {
			if (fwrite(buf, 1, n, f) != n)
				return -1;
			n = 0;
		}
	}
	if (n && fwrite(buf, 1, n, f) != n)
		return -1;
	return fputs("\"}\n", f) < 0 ? -1 : 0;
}

/* reading */

struct ds_rec_ctx {
	char *reason;
	size_t len;
	bool cut;	/* the line failed as it ended inside a value */
};

static int ds_rec_fail(struct ds_rec_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int ds_rec_fail(struct ds_rec_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, c->len, fmt, ap);
	va_end(ap);
	return -1;
}

/* the fields of each kind of line, NULL-terminated */
static const char *const ds_rec_header_fields[] = {
	"format", "version", "dirtyscope", "kernel", "machine", "hostname",
	"clock", "clock_base_ns", "start_ns", NULL,
};
static const char *const ds_rec_header_optional[] = { "command", NULL };

static const char *const ds_rec_event_fields[] = {
	"ts_ns", "op", "domain_id", "iova", "size", "pgsize", "leaves",
	"dirty", "flags", "ret", "duration_ns", NULL,
};

static const char *const ds_rec_bitmap_fields[] = {
	"ts_ns", "op", "uapi", "iova", "size", "pgsize", "ret", "duration_ns",
	"bits", NULL,
};

static const char *const ds_rec_trailer_fields[] = {
	"end_ns", "events", "dropped", NULL,
};

static const char *const ds_rec_trailer2_fields[] = {
	"end_ns", "events", "bitmaps", "bitmaps_lost", "dropped", NULL,
};

static bool ds_rec_in(const char *const *names, const char *key)
{
	for (; names && *names; names++)
		if (!strcmp(*names, key))
			return true;
	return false;
}

/* every key known, every required one present */
static int ds_rec_check_fields(struct ds_rec_ctx *c, struct json_object *o,
			       const char *const *required,
			       const char *const *optional)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (!ds_rec_in(required, key) && !ds_rec_in(optional, key))
			return ds_rec_fail(c, "unknown field \"%s\"", key);
	}
	for (; *required; required++)
		if (!json_object_object_get_ex(o, *required, NULL))
			return ds_rec_fail(c, "\"%s\": missing", *required);
	return 0;
}

/* an integer member within [min, max] (as signed when min < 0) */
static int ds_rec_int(struct ds_rec_ctx *c, struct json_object *o,
		      const char *key, __s64 min, __u64 max, __u64 *out)
{
	struct json_object *v;
	__s64 s;

	json_object_object_get_ex(o, key, &v);
	if (!json_object_is_type(v, json_type_int))
		return ds_rec_fail(c, "\"%s\": not an integer", key);
	s = json_object_get_int64(v);
	if (min >= 0) {
		if (s < 0)
			return ds_rec_fail(c, "\"%s\": negative", key);
		*out = json_object_get_uint64(v);
		if (*out > max)
			return ds_rec_fail(c, "\"%s\": %llu out of range (at most %llu)",
					   key, *out, max);
		return 0;
	}
	/* json-c clamps integers beyond INT64_MAX to it */
	if (s == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)
		return ds_rec_fail(c, "\"%s\": %llu out of range (%lld..%lld)", key,
				   (unsigned long long)json_object_get_uint64(v),
				   min, (__s64)max);
	if (s < min || s > (__s64)max)
		return ds_rec_fail(c, "\"%s\": %lld out of range (%lld..%lld)", key,
				   s, min, (__s64)max);
	*out = (__u64)s;
	return 0;
}

static int ds_rec_u64(struct ds_rec_ctx *c, struct json_object *o,
		      const char *key, __u64 *out)
{
	return ds_rec_int(c, o, key, 0, UINT64_MAX, out);
}

static int ds_rec_string(struct ds_rec_ctx *c, struct json_object *o,
			 const char *key, char *buf, size_t len)
{
	struct json_object *v;

	json_object_object_get_ex(o, key, &v);
	if (!json_object_is_type(v, json_type_string))
		return ds_rec_fail(c, "\"%s\": not a string", key);
	snprintf(buf, len, "%s", json_object_get_string(v));
	return 0;
}

static int ds_rec_parse_header(struct ds_rec_ctx *c, struct json_object *o,
			       struct ds_rec_header *h)
{
	struct json_object *v;
	char clock[32];
	__u64 ver, base;
	size_t i;

	if (!json_object_object_get_ex(o, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), DS_REC_FORMAT))
		return ds_rec_fail(c, "not a dirtyscope recording (no \"format\": \"%s\" header)",
				   DS_REC_FORMAT);
	if (!json_object_object_get_ex(o, "version", &v) ||
	    !json_object_is_type(v, json_type_int))
		return ds_rec_fail(c, "\"version\": missing or not an integer");
	if (ds_rec_int(c, o, "version", 0, INT32_MAX, &ver))
		return -1;
	if (ver != DS_REC_VERSION && ver != DS_REC_VERSION_BITMAPS)
		return ds_rec_fail(c, "unsupported format version %llu (dirtyscope %s reads %d and %d)",
				   ver, DS_VERSION, DS_REC_VERSION,
				   DS_REC_VERSION_BITMAPS);
	h->version = ver;
	if (ds_rec_check_fields(c, o, ds_rec_header_fields,
				ds_rec_header_optional) ||
	    ds_rec_string(c, o, "dirtyscope", h->dirtyscope, sizeof(h->dirtyscope)) ||
	    ds_rec_string(c, o, "kernel", h->kernel, sizeof(h->kernel)) ||
	    ds_rec_string(c, o, "machine", h->machine, sizeof(h->machine)) ||
	    ds_rec_string(c, o, "hostname", h->hostname, sizeof(h->hostname)) ||
	    ds_rec_string(c, o, "clock", clock, sizeof(clock)) ||
	    ds_rec_int(c, o, "clock_base_ns", INT64_MIN, INT64_MAX, &base) ||
	    ds_rec_u64(c, o, "start_ns", &h->start_ns))
		return -1;
	h->clock_base_ns = (__s64)base;
	if (strcmp(clock, DS_REC_CLOCK))
		return ds_rec_fail(c, "\"clock\": \"%s\" (only %s is known)", clock,
				   DS_REC_CLOCK);
	if (json_object_object_get_ex(o, "command", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return ds_rec_fail(c, "\"command\": not an array");
		for (i = 0; i < json_object_array_length(v); i++)
			if (!json_object_is_type(json_object_array_get_idx(v, i),
						 json_type_string))
				return ds_rec_fail(c, "\"command\": not an array of strings");
	}
	return 0;
}

static int ds_rec_parse_event(struct ds_rec_ctx *c, struct json_object *o,
			      struct ds_dirty_event *e, int version)
{
	struct json_object *v;
	__u64 x;
	int op;

	if (ds_rec_check_fields(c, o, ds_rec_event_fields, NULL))
		return -1;
	json_object_object_get_ex(o, "op", &v);
	if (!json_object_is_type(v, json_type_string))
		return ds_rec_fail(c, "\"op\": not a string");
	op = ds_op_parse(json_object_get_string(v));
	if (op < 0)
		return ds_rec_fail(c, "\"op\": unknown operation \"%s\" (split, merge, scan, clear%s)",
				   json_object_get_string(v),
				   version >= DS_REC_VERSION_BITMAPS ?
				   ", bitmap_get, bitmap_get_noclear, bitmap_clear" : "");
	memset(e, 0, sizeof(*e));
	e->op = op;
	if (ds_rec_u64(c, o, "ts_ns", &e->ts_ns) ||
	    ds_rec_u64(c, o, "iova", &e->iova) ||
	    ds_rec_u64(c, o, "size", &e->size) ||
	    ds_rec_u64(c, o, "pgsize", &e->pgsize) ||
	    ds_rec_u64(c, o, "leaves", &e->leaves) ||
	    ds_rec_u64(c, o, "dirty", &e->dirty) ||
	    ds_rec_u64(c, o, "duration_ns", &e->duration_ns))
		return -1;
	if (ds_rec_int(c, o, "domain_id", 0, UINT32_MAX, &x))
		return -1;
	e->domain_id = x;
	if (ds_rec_int(c, o, "flags", 0, UINT32_MAX, &x))
		return -1;
	e->flags = x;
	if (ds_rec_int(c, o, "ret", INT32_MIN, INT32_MAX, &x))
		return -1;
	e->ret = (__s32)x;
	if (e->size && e->iova + (e->size - 1) < e->iova)
		return ds_rec_fail(c, "\"size\": iova + size beyond 2^64");
	return 0;
}

/* "bitmap_get" -> DS_BM_GET; -1 when s is not a bitmap op */
static int ds_bm_op_parse(const char *s)
{
	__u32 k;

	for (k = 0; k < DS_BM_NR_KINDS; k++)
		if (!strcmp(s, ds_bm_ops[k]))
			return k;
	return -1;
}

/* the hex digit's value, -1 when not a lowercase hex digit */
static int ds_bm_xdigit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static int ds_rec_parse_bits(struct ds_rec_ctx *c, struct json_object *o,
			     struct ds_rec_bitmap *b)
{
	__u64 npages = ds_rec_bitmap_npages(b), nbytes = ds_bm_nbytes(npages);
	struct json_object *v;
	const char *s;
	__u64 i, stray;
	size_t len;

	json_object_object_get_ex(o, "bits", &v);
	if (!json_object_is_type(v, json_type_string))
		return ds_rec_fail(c, "\"bits\": not a string");
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	/* nbytes <= 2^61: no overflow */
	if (len != 2 * nbytes)
		return ds_rec_fail(c, "\"bits\": %zu hex digits, %llu pages need %llu",
				   len, npages, 2 * nbytes);
	for (i = 0; i < len; i++) {
		if (ds_bm_xdigit(s[i]) >= 0)
			continue;
		if (s[i] > ' ' && s[i] < 0x7f)
			return ds_rec_fail(c, "\"bits\": '%c' at offset %llu is not a lowercase hex digit",
					   s[i], i);
		return ds_rec_fail(c, "\"bits\": byte 0x%02x at offset %llu is not a lowercase hex digit",
				   (unsigned char)s[i], i);
	}
	b->bits = calloc(ds_rec_bitmap_words(b), sizeof(*b->bits));
	if (!b->bits)
		return -ENOMEM;
	for (i = 0; i < nbytes; i++) {
		__u64 byte = ds_bm_xdigit(s[2 * i]) << 4 | ds_bm_xdigit(s[2 * i + 1]);

		b->bits[i / 8] |= byte << (8 * (i % 8));
	}
	stray = ds_bm_stray_bit(b->bits, npages);
	if (stray)
		return ds_rec_fail(c, "\"bits\": bit %llu set beyond the %llu pages",
				   stray, npages);
	return 0;
}

/* a bitmap line; b->bits allocated on success (and maybe on failure) */
static int ds_rec_parse_bitmap(struct ds_rec_ctx *c, struct json_object *o,
			       struct ds_rec_bitmap *b, int kind,
			       const struct ds_rec_header *h)
{
	struct json_object *v;
	const char *uapi;
	__u64 x;

	memset(b, 0, sizeof(*b));
	if (h->version < DS_REC_VERSION_BITMAPS)
		return ds_rec_fail(c, "\"op\": \"%s\" needs format version %d (the header says %d)",
				   ds_bm_ops[kind], DS_REC_VERSION_BITMAPS,
				   h->version);
	if (ds_rec_check_fields(c, o, ds_rec_bitmap_fields, NULL))
		return -1;
	b->kind = kind;
	json_object_object_get_ex(o, "uapi", &v);
	if (!json_object_is_type(v, json_type_string))
		return ds_rec_fail(c, "\"uapi\": not a string");
	uapi = json_object_get_string(v);
	if (!strcmp(uapi, ds_bm_uapis[DS_BM_IOMMUFD]))
		b->uapi = DS_BM_IOMMUFD;
	else if (!strcmp(uapi, ds_bm_uapis[DS_BM_TYPE1]))
		b->uapi = DS_BM_TYPE1;
	else
		return ds_rec_fail(c, "\"uapi\": unknown uapi \"%s\" (iommufd, type1)",
				   uapi);
	if (ds_rec_u64(c, o, "ts_ns", &b->ts_ns) ||
	    ds_rec_u64(c, o, "iova", &b->iova) ||
	    ds_rec_u64(c, o, "size", &b->size) ||
	    ds_rec_u64(c, o, "pgsize", &b->pgsize) ||
	    ds_rec_u64(c, o, "duration_ns", &b->duration_ns) ||
	    ds_rec_int(c, o, "ret", INT32_MIN, INT32_MAX, &x))
		return -1;
	b->ret = (__s32)x;
	if (ds_bm_check_range(c->reason, c->len, b->iova, b->size, b->pgsize))
		return -1;
	return ds_rec_parse_bits(c, o, b);
}

static int ds_rec_parse_trailer(struct ds_rec_ctx *c, struct json_object *o,
				struct ds_rec_trailer *t,
				const struct ds_rec_header *h)
{
	t->has_bitmaps = h->version >= DS_REC_VERSION_BITMAPS;
	if (ds_rec_check_fields(c, o, t->has_bitmaps ? ds_rec_trailer2_fields :
				ds_rec_trailer_fields, NULL) ||
	    ds_rec_u64(c, o, "end_ns", &t->end_ns) ||
	    ds_rec_u64(c, o, "events", &t->events) ||
	    ds_rec_u64(c, o, "dropped", &t->dropped))
		return -1;
	if (t->has_bitmaps &&
	    (ds_rec_u64(c, o, "bitmaps", &t->bitmaps) ||
	     ds_rec_u64(c, o, "bitmaps_lost", &t->bitmaps_lost)))
		return -1;
	if (t->end_ns < h->start_ns)
		return ds_rec_fail(c, "\"end_ns\": %llu before start_ns %llu",
				   t->end_ns, h->start_ns);
	t->present = true;
	return 0;
}

/* one line into a JSON object; NULL with the reason */
static struct json_object *ds_rec_parse_line(struct ds_rec_ctx *c,
					     struct json_tokener *tok,
					     const char *s, size_t len)
{
	enum json_tokener_error jerr;
	struct json_object *o;
	size_t end;

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
		       s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len) {
		ds_rec_fail(c, "empty line");
		return NULL;
	}
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, len);
	jerr = json_tokener_get_error(tok);
	c->cut = !o && jerr == json_tokener_continue;
	if (!o) {
		if (c->cut)
			ds_rec_fail(c, "invalid JSON (the line ends inside a value)");
		else
			ds_rec_fail(c, "invalid JSON (%s at column %zu)",
				    json_tokener_error_desc(jerr),
				    json_tokener_get_parse_end(tok) + 1);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	if (end < len) {
		ds_rec_fail(c, "invalid JSON (text after the object at column %zu)",
			    end + 1);
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		ds_rec_fail(c, "not a JSON object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

int ds_rec_push_event(struct ds_recording *r, size_t *cap,
		      const struct ds_dirty_event *e)
{
	if (r->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		void *p = realloc(r->ev, ncap * sizeof(*r->ev));

		if (!p)
			return -ENOMEM;
		r->ev = p;
		*cap = ncap;
	}
	r->ev[r->n++] = *e;
	return 0;
}

static int ds_rec_push_bitmap(struct ds_recording *r, size_t *cap,
			      const struct ds_rec_bitmap *b)
{
	if (r->nbm == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(r->bm, ncap * sizeof(*r->bm));

		if (!p)
			return -ENOMEM;
		r->bm = p;
		*cap = ncap;
	}
	r->bm[r->nbm++] = *b;
	return 0;
}

/* nothing after the line just read: a peek at the stream */
static bool ds_rec_at_end(FILE *f)
{
	int ch = getc(f);

	if (ch == EOF)
		return !ferror(f);
	ungetc(ch, f);
	return false;
}

/* the op of an event or bitmap line: a bitmap kind, or -1 (an event) */
static int ds_rec_line_kind(struct json_object *o)
{
	struct json_object *v;

	json_object_object_get_ex(o, "op", &v);
	if (!json_object_is_type(v, json_type_string))
		return -1;
	return ds_bm_op_parse(json_object_get_string(v));
}

int ds_rec_read(FILE *f, struct ds_recording *r, size_t *line, char *reason,
		size_t len)
{
	struct ds_rec_ctx c = { reason, len, false };
	struct json_tokener *tok;
	struct json_object *o;
	char *buf = NULL;
	size_t bufsz = 0, cap = 0, bmcap = 0, trailer_line = 0;
	ssize_t n;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	*line = 0;
	reason[0] = '\0';
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);

	while ((n = getline(&buf, &bufsz, f)) >= 0) {
		struct ds_rec_bitmap b = {};
		struct ds_dirty_event e;
		bool event = false, bitmap = false;
		int err, kind;

		(*line)++;
		if (r->end.present) {
			ds_rec_fail(&c, "line after the trailer");
			goto out;
		}
		o = ds_rec_parse_line(&c, tok, buf, n);
		/*
		 * A recorder killed while writing a line leaves the file's
		 * last line cut inside a value: the end of the recording,
		 * not an error (the header must be whole, though).
		 */
		if (!o && c.cut && *line > 1 && ds_rec_at_end(f)) {
			r->cut_line = *line;
			reason[0] = '\0';
			break;
		}
		if (!o)
			goto out;
		if (*line == 1)
			err = ds_rec_parse_header(&c, o, &r->hdr);
		else if (json_object_object_get_ex(o, "end_ns", NULL))
			err = ds_rec_parse_trailer(&c, o, &r->end, &r->hdr);
		else if (json_object_object_get_ex(o, "op", NULL) &&
			 (kind = ds_rec_line_kind(o)) >= 0) {
			bitmap = true;
			err = ds_rec_parse_bitmap(&c, o, &b, kind, &r->hdr);
			if (!err && r->nbm && b.ts_ns < r->bm[r->nbm - 1].ts_ns)
				err = ds_rec_fail(&c, "\"ts_ns\": %llu before the previous bitmap's %llu",
						  b.ts_ns, r->bm[r->nbm - 1].ts_ns);
		} else if ((event = json_object_object_get_ex(o, "op", NULL)))
			err = ds_rec_parse_event(&c, o, &e, r->hdr.version);
		else if (json_object_object_get_ex(o, "format", NULL))
			err = ds_rec_fail(&c, "a second header");
		else
			err = ds_rec_fail(&c, "neither an event (\"op\") nor the trailer (\"end_ns\")");
		json_object_put(o);
		if (err || (bitmap && ds_rec_push_bitmap(r, &bmcap, &b))) {
			free(b.bits);
			if (err == -1)
				goto out;
			*line = 0;
			ret = -ENOMEM;
			goto out;
		}
		if (r->end.present && !trailer_line)
			trailer_line = *line;
		if (event && ds_rec_push_event(r, &cap, &e)) {
			*line = 0;
			ret = -ENOMEM;
			goto out;
		}
	}
	if (ferror(f)) {
		*line = 0;
		ret = errno ? -errno : -EIO;
		goto out;
	}
	if (*line == 0) {
		*line = 1;
		ds_rec_fail(&c, "empty file (no dirtyscope recording header)");
		goto out;
	}
	if (r->end.present && r->end.events != r->n) {
		*line = trailer_line;
		ds_rec_fail(&c, "the trailer counts %llu events, the file has %zu",
			    r->end.events, r->n);
		goto out;
	}
	if (r->end.present && r->end.bitmaps != r->nbm) {
		*line = trailer_line;
		ds_rec_fail(&c, "the trailer counts %llu bitmaps, the file has %zu",
			    r->end.bitmaps, r->nbm);
		goto out;
	}
	*line = 0;
	ret = 0;
out:
	free(buf);
	json_tokener_free(tok);
	return ret;
}

void ds_rec_free(struct ds_recording *r)
{
	size_t i;

	free(r->ev);
	r->ev = NULL;
	r->n = 0;
	for (i = 0; i < r->nbm; i++)
		free(r->bm[i].bits);
	free(r->bm);
	r->bm = NULL;
	r->nbm = 0;
}

__u64 ds_rec_end_ns(const struct ds_recording *r)
{
	__u64 end = r->hdr.start_ns;
	size_t i;

	if (r->end.present)
		return r->end.end_ns;
	for (i = 0; i < r->n; i++)
		if (r->ev[i].ts_ns > end)
			end = r->ev[i].ts_ns;
	if (r->nbm && r->bm[r->nbm - 1].ts_ns > end)
		end = r->bm[r->nbm - 1].ts_ns;
	return end;
}

int ds_rec_load(const char *path, struct ds_recording *r, char *msg,
		size_t len)
{
	char reason[256];
	size_t line = 0;
	FILE *f;
	int err, ch;

	memset(r, 0, sizeof(*r));
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		err = -errno;
		snprintf(msg, len, "cannot open %s: %s", path, strerror(-err));
		return err;
	}
	/* a recording starts with its JSON header, perf script text does not */
	ch = getc(f);
	while (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
		ch = getc(f);
	if (ch != EOF)
		ungetc(ch, f);
	if (ch == EOF || ch == '{')
		err = ds_rec_read(f, r, &line, reason, sizeof(reason));
	else
		err = ds_perf_script_read(f, r, &line, reason, sizeof(reason));
	if (f != stdin)
		fclose(f);
	if (err && line)
		snprintf(msg, len, "%s:%zu: %s", path, line, reason);
	else if (err)
		snprintf(msg, len, "cannot read %s: %s", path, strerror(-err));
	else if (r->cut_line)
		fprintf(stderr, "dirtyscope: %s:%zu: warning: the last line ends inside a value (the recorder was killed while writing it): ignored\n",
			path, r->cut_line);
	return err;
}
