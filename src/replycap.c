/* replycap: a cap on what one reply may cost (see replycap.h). */
#include <stdint.h>

#include <hiredis/read.h>

#include "replycap.h"

/* Charge `bytes` to the reply `t` belongs to; false once it is over the
 * limit. The reader hands every task its privdata (ours) and a NULL
 * parent only to the first object of a reply. */
static bool
charge(const redisReadTask *t, size_t bytes)
{
	struct replycap *rc = t->privdata;

	if (!t->parent)
		rc->bytes = 0;
	if (bytes > REPLYCAP_MAX - rc->bytes) {
		rc->exceeded = true;
		return false;
	}
	rc->bytes += bytes;
	return true;
}

#define OBJ	sizeof(redisReply)
#define PLAIN(t)	(((struct replycap *)(t)->privdata)->plain)

/* An array of n elements. n comes from the peer: saturate rather than
 * overflow. */
static size_t
array_cost(size_t n)
{
	if (n > REPLYCAP_MAX / sizeof(void *))
		return SIZE_MAX;
	return OBJ + n * sizeof(void *);
}

static void *
create_string(const redisReadTask *t, char *s, size_t len)
{
	return charge(t, OBJ + len) ? PLAIN(t)->createString(t, s, len) : NULL;
}

static void *
create_integer(const redisReadTask *t, long long v)
{
	return charge(t, OBJ) ? PLAIN(t)->createInteger(t, v) : NULL;
}

static void *
create_nil(const redisReadTask *t)
{
	return charge(t, OBJ) ? PLAIN(t)->createNil(t) : NULL;
}

#if HIREDIS_MAJOR >= 1
static void *
create_array(const redisReadTask *t, size_t n)
{
	return charge(t, array_cost(n)) ? PLAIN(t)->createArray(t, n) : NULL;
}

static void *
create_double(const redisReadTask *t, double d, char *s, size_t len)
{
	return charge(t, OBJ + len) ?
	    PLAIN(t)->createDouble(t, d, s, len) : NULL;
}

static void *
create_bool(const redisReadTask *t, int b)
{
	return charge(t, OBJ) ? PLAIN(t)->createBool(t, b) : NULL;
}
#else
static void *
create_array(const redisReadTask *t, int n)
{
	/* A negative count other than -1 (nil, never passed here) costs as
	 * much as an oversized one. */
	return charge(t, n < 0 ? SIZE_MAX : array_cost((size_t)n)) ?
	    PLAIN(t)->createArray(t, n) : NULL;
}
#endif

void
replycap_attach(struct replycap *rc, redisReader *r)
{
	redisReplyObjectFunctions *f = r ? r->fn : NULL;

	rc->bytes = 0;
	rc->exceeded = false;
	if (!f || !f->createString || !f->createArray || !f->createInteger ||
	    !f->createNil)
		return;
	rc->plain = f;
	rc->counted = *f;
	rc->counted.createString = create_string;
	rc->counted.createArray = create_array;
	rc->counted.createInteger = create_integer;
	rc->counted.createNil = create_nil;
#if HIREDIS_MAJOR >= 1
	if (f->createDouble)
		rc->counted.createDouble = create_double;
	if (f->createBool)
		rc->counted.createBool = create_bool;
#endif
	r->privdata = rc;
	r->fn = &rc->counted;
}

/* reader->len - reader->pos is the unconsumed part of its buffer, in
 * 0.14.1 and 1.x alike (read.h). */
bool
replycap_over(const redisReader *r)
{
	return r != NULL && r->buf != NULL && r->len > r->pos &&
	    r->len - r->pos > REPLYCAP_MAX;
}
