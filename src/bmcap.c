// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* record --bitmaps: chunks to bitmaps, lines in time order; see bmcap.h */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bmcap.h"
#include "recfile.h"

/* a queued line: an event or a whole bitmap */
struct bmcap_line {
	__u64 ts_ns;
	__u64 order;		/* arrival: equal timestamps keep it */
	bool bitmap;
	union {
		struct ds_dirty_event ev;
		struct ds_rec_bitmap bm;
	};
};

/* a call whose records are coming */
struct bmcap_call {
	__u64 id;
	struct ds_rec_bitmap bm;	/* bits allocated at record 0 */
	__u64 nbytes;
	__u32 next;			/* record expected next */
	__u32 nchunks;
	__u64 last_ns;			/* when a record last came */
};

struct ds_bmcap {
	FILE *f;
	struct bmcap_line *heap;	/* min-heap on (ts_ns, order) */
	size_t nheap, capheap;
	struct bmcap_call *calls;
	size_t ncalls, capcalls;
	__u64 order;
	__u64 last_bm_ts;		/* of the last bitmap written */
	struct ds_bmcap_stats st;
};

struct ds_bmcap *ds_bmcap_new(FILE *f)
{
	struct ds_bmcap *c = calloc(1, sizeof(*c));

	if (c)
		c->f = f;
	return c;
}

void ds_bmcap_free(struct ds_bmcap *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nheap; i++)
		if (c->heap[i].bitmap)
			free(c->heap[i].bm.bits);
	for (i = 0; i < c->ncalls; i++)
		free(c->calls[i].bm.bits);
	free(c->heap);
	free(c->calls);
	free(c);
}

const struct ds_bmcap_stats *ds_bmcap_stats(const struct ds_bmcap *c)
{
	return &c->st;
}

/* the heap */

static bool bmcap_before(const struct bmcap_line *a, const struct bmcap_line *b)
{
	return a->ts_ns < b->ts_ns || (a->ts_ns == b->ts_ns && a->order < b->order);
}

static void bmcap_swap(struct bmcap_line *a, struct bmcap_line *b)
{
	struct bmcap_line t = *a;

	*a = *b;
	*b = t;
}

static int bmcap_push(struct ds_bmcap *c, struct bmcap_line *l)
{
	size_t i;

	if (c->nheap == c->capheap) {
		size_t ncap = c->capheap ? c->capheap * 2 : 1024;
		void *p = realloc(c->heap, ncap * sizeof(*c->heap));

		if (!p)
			return -ENOMEM;
		c->heap = p;
		c->capheap = ncap;
	}
	l->order = c->order++;
	i = c->nheap++;
	c->heap[i] = *l;
	while (i && bmcap_before(&c->heap[i], &c->heap[(i - 1) / 2])) {
		bmcap_swap(&c->heap[i], &c->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return 0;
}

static void bmcap_pop(struct ds_bmcap *c)
{
	size_t i = 0;

	c->heap[0] = c->heap[--c->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < c->nheap && bmcap_before(&c->heap[l], &c->heap[m]))
			m = l;
		if (r < c->nheap && bmcap_before(&c->heap[r], &c->heap[m]))
			m = r;
		if (m == i)
			break;
		bmcap_swap(&c->heap[i], &c->heap[m]);
		i = m;
	}
}

int ds_bmcap_event(struct ds_bmcap *c, const struct ds_dirty_event *e)
{
	struct bmcap_line l = { .ts_ns = e->ts_ns, .ev = *e };

	return bmcap_push(c, &l);
}

/* the calls being assembled */

static struct bmcap_call *bmcap_find(struct ds_bmcap *c, __u64 id, __u64 ts)
{
	size_t i;

	for (i = 0; i < c->ncalls; i++)
		if (c->calls[i].id == id && c->calls[i].bm.ts_ns == ts)
			return &c->calls[i];
	return NULL;
}

static void bmcap_forget(struct ds_bmcap *c, struct bmcap_call *k)
{
	free(k->bm.bits);
	*k = c->calls[--c->ncalls];
}

/* record 0 of a call: check what it announces, allocate its bitmap */
static int bmcap_start(struct ds_bmcap *c, const struct ds_bm_chunk *r,
		       __u64 now_ns)
{
	struct ds_rec_bitmap bm = {
		.ts_ns = r->ts_ns, .duration_ns = r->duration_ns,
		.iova = r->iova, .size = r->size, .pgsize = r->pgsize,
		.uapi = r->uapi, .kind = r->kind, .ret = r->ret,
	};
	struct bmcap_call *k;
	char reason[128];
	__u64 npages, nbytes;

	if (!r->pgsize || (r->pgsize & (r->pgsize - 1)) || !r->size ||
	    r->size % r->pgsize)
		goto malformed;
	npages = r->size / r->pgsize;
	nbytes = npages / 8 + !!(npages % 8);
	if (nbytes > (__u64)DS_BM_MAX_CHUNKS * DS_BM_CHUNK_BYTES ||
	    r->nchunks != (nbytes + DS_BM_CHUNK_BYTES - 1) / DS_BM_CHUNK_BYTES)
		goto malformed;
	if (c->ncalls == c->capcalls) {
		size_t ncap = c->capcalls ? c->capcalls * 2 : 16;
		void *p = realloc(c->calls, ncap * sizeof(*c->calls));

		if (!p)
			return -ENOMEM;
		c->calls = p;
		c->capcalls = ncap;
	}
	bm.bits = calloc(ds_rec_bitmap_words(&bm), sizeof(*bm.bits));
	if (!bm.bits)
		return -ENOMEM;
	/* uapi, kind, iova + size (no bit is set yet) */
	if (ds_rec_bitmap_check(&bm, reason, sizeof(reason))) {
		free(bm.bits);
		goto malformed;
	}
	k = &c->calls[c->ncalls++];
	*k = (struct bmcap_call){
		.id = r->id, .bm = bm, .nbytes = nbytes, .nchunks = r->nchunks,
		.last_ns = now_ns,
	};
	return 0;
malformed:
	c->st.malformed++;
	return 0;
}

/* byte i of the bitmap in memory order: u64 words little-endian */
static void bmcap_put_byte(__u64 *bits, __u64 i, __u8 v)
{
	bits[i / 8] |= (__u64)v << (8 * (i % 8));
}

/* the whole bitmap is there: queue it, bits beyond npages cleared */
static int bmcap_complete(struct ds_bmcap *c, struct bmcap_call *k)
{
	__u64 npages = ds_rec_bitmap_npages(&k->bm);
	struct bmcap_line l = { .ts_ns = k->bm.ts_ns, .bitmap = true,
				.bm = k->bm };
	int err;

	/* user space's buffer may hold anything there; the kernel ignores it */
	if (npages % 64)
		l.bm.bits[npages / 64] &= (1ULL << (npages % 64)) - 1;
	err = bmcap_push(c, &l);
	if (err)
		return err;
	k->bm.bits = NULL;	/* the queue has it now */
	bmcap_forget(c, k);
	return 0;
}

int ds_bmcap_chunk(struct ds_bmcap *c, const void *data, size_t len,
		   __u64 now_ns)
{
	const struct ds_bm_chunk *r = data;
	struct bmcap_call *k;
	__u64 off, want, i;
	int err;

	if (len < sizeof(*r)) {
		c->st.malformed++;
		return 0;
	}
	k = bmcap_find(c, r->id, r->ts_ns);
	if (r->chunk == 0) {
		if (k) {	/* a call that never finished, with the same key */
			c->st.malformed++;
			bmcap_forget(c, k);
		}
		err = bmcap_start(c, r, now_ns);
		if (err)
			return err;
		k = bmcap_find(c, r->id, r->ts_ns);
	}
	if (!k)
		return 0;	/* a call already dropped */
	if (r->err) {		/* the BPF side counted it */
		c->st.incomplete++;
		bmcap_forget(c, k);
		return 0;
	}
	off = (__u64)r->chunk * DS_BM_CHUNK_BYTES;
	want = k->nbytes - off > DS_BM_CHUNK_BYTES ? DS_BM_CHUNK_BYTES :
						    k->nbytes - off;
	if (r->chunk != k->next || r->nchunks != k->nchunks || r->len != want ||
	    r->uapi != k->bm.uapi || r->kind != k->bm.kind ||
	    r->iova != k->bm.iova || r->size != k->bm.size ||
	    r->pgsize != k->bm.pgsize) {
		c->st.malformed++;
		bmcap_forget(c, k);
		return 0;
	}
	for (i = 0; i < want; i++)
		bmcap_put_byte(k->bm.bits, off + i, r->bits[i]);
	k->next++;
	k->last_ns = now_ns;
	if (k->next == k->nchunks)
		return bmcap_complete(c, k);
	return 0;
}

void ds_bmcap_expire(struct ds_bmcap *c, const struct ds_bm_call *inflight,
		     size_t n, __u64 now_ns, bool final)
{
	size_t i = 0, j;

	while (i < c->ncalls) {
		struct bmcap_call *k = &c->calls[i];
		bool running = false;

		for (j = 0; j < n && !final; j++)
			if (inflight[j].id == k->id &&
			    inflight[j].ts_ns == k->bm.ts_ns)
				running = true;
		if (final || (!running && now_ns - k->last_ns > DS_BMCAP_ORPHAN_NS)) {
			c->st.incomplete++;
			bmcap_forget(c, k);	/* moves the last one here */
			continue;
		}
		i++;
	}
}

int ds_bmcap_flush(struct ds_bmcap *c, __u64 limit)
{
	size_t i;

	for (i = 0; i < c->ncalls; i++)
		if (c->calls[i].bm.ts_ns < limit)
			limit = c->calls[i].bm.ts_ns;
	while (c->nheap && c->heap[0].ts_ns < limit) {
		struct bmcap_line l = c->heap[0];
		int err = 0;

		bmcap_pop(c);
		if (!l.bitmap) {
			err = ds_rec_write_event(c->f, &l.ev);
			if (!err)
				c->st.events++;
		} else if (c->st.bitmaps && l.bm.ts_ns < c->last_bm_ts) {
			c->st.late++;
		} else {
			err = ds_rec_write_bitmap(c->f, &l.bm);
			if (!err) {
				c->st.bitmaps++;
				c->last_bm_ts = l.bm.ts_ns;
			}
		}
		if (l.bitmap)
			free(l.bm.bits);
		if (err)
			return -1;
	}
	return 0;
}
