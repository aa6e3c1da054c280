/*
 * redis_loop: hiredis async adapter for struct loop (see redis_loop.h).
 *
 * hiredis tells us through five hooks which directions it wants; we keep
 * one loop_io per context whose epoll mask is the union of the two. Facts
 * relied on (reference B.3, B.5, hiredis v0.14.1 async.c):
 *  - redisAsyncHandleRead/Write may free the context, and with it, through
 *    the cleanup hook, our struct: nothing may be touched after either call.
 *  - cleanup runs before onDisconnect, and hiredis closes the fd after it.
 *  - the connection is established when the socket first becomes writable,
 *    before the read interest is ever added.
 *  - hiredis keeps no limit on the size of a reply (see RL_MAX_REPLY).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/read.h>

#include "log.h"
#include "loop.h"
#include "redis_loop.h"

/* The most one reply may cost us. vipd expects only small replies (ROLE,
 * SENTINEL get-master-addr-by-name, Sentinel event messages: a few KB at
 * most), but hiredis has no limit of its own, in two ways:
 *  - it buffers an unfinished reply until it is complete, so a bulk that
 *    announces $2000000000 and streams it grows the daemon by GBs before
 *    command-timeout ends it: the bytes buffered and not yet parsed are
 *    checked before each read, which adds at most 16 KB (hiredis's read
 *    size);
 *  - it allocates what the header of an array announces: "*2000000000"
 *    (13 bytes) is a lazily mapped 16 GB pointer array in 0.14.1, and
 *    freeing that reply reads all of it (measured: 87 s of CPU, RSS
 *    15 GB): every object the reader builds is charged to its reply,
 *    before it is allocated (rl_charge).
 * Past the limit the connection is dropped as a protocol error: a hostile
 * or broken peer costs one connection, never the daemon. */
#define RL_MAX_REPLY		(1024 * 1024)
#define RL_MAX_REPLY_TEXT	"reply larger than 1 MiB"

struct redis_loop {
	struct loop *loop;
	redisAsyncContext *ac;
	struct loop_io io;
	bool reading, writing;
	/* The reader's object functions: hiredis's own (plain), wrapped to
	 * charge each object to the reply being built. */
	redisReplyObjectFunctions *plain;
	redisReplyObjectFunctions counted;
	size_t reply_bytes;		/* charged to the current reply */
	bool too_large;			/* a charge was refused */
#if HIREDIS_MAJOR >= 1
	struct loop_timer timer;	/* 1.x command/connect timeout */
#endif
};

/* Charge `bytes` to the reply `t` belongs to; false once it is over the
 * limit. The reader hands every task its privdata (ours) and a NULL parent
 * only to the first object of a reply. A refused object makes the reader
 * fail with "Out of memory"; rl_cleanup() puts the real reason in. */
static bool
rl_charge(const redisReadTask *t, size_t bytes)
{
	struct redis_loop *rl = t->privdata;

	if (!t->parent)
		rl->reply_bytes = 0;
	if (bytes > RL_MAX_REPLY - rl->reply_bytes) {
		rl->too_large = true;
		return false;
	}
	rl->reply_bytes += bytes;
	return true;
}

#define RL_OBJ	sizeof(redisReply)
#define RL_PLAIN(t)	(((struct redis_loop *)(t)->privdata)->plain)

/* An array of n elements. n comes from the peer: saturate rather than
 * overflow. */
static size_t
rl_array_cost(size_t n)
{
	if (n > RL_MAX_REPLY / sizeof(void *))
		return SIZE_MAX;
	return RL_OBJ + n * sizeof(void *);
}

static void *
rl_create_string(const redisReadTask *t, char *s, size_t len)
{
	return rl_charge(t, RL_OBJ + len) ?
	    RL_PLAIN(t)->createString(t, s, len) : NULL;
}

static void *
rl_create_integer(const redisReadTask *t, long long v)
{
	return rl_charge(t, RL_OBJ) ? RL_PLAIN(t)->createInteger(t, v) : NULL;
}

static void *
rl_create_nil(const redisReadTask *t)
{
	return rl_charge(t, RL_OBJ) ? RL_PLAIN(t)->createNil(t) : NULL;
}

#if HIREDIS_MAJOR >= 1
static void *
rl_create_array(const redisReadTask *t, size_t n)
{
	return rl_charge(t, rl_array_cost(n)) ?
	    RL_PLAIN(t)->createArray(t, n) : NULL;
}

static void *
rl_create_double(const redisReadTask *t, double d, char *s, size_t len)
{
	return rl_charge(t, RL_OBJ + len) ?
	    RL_PLAIN(t)->createDouble(t, d, s, len) : NULL;
}

static void *
rl_create_bool(const redisReadTask *t, int b)
{
	return rl_charge(t, RL_OBJ) ? RL_PLAIN(t)->createBool(t, b) : NULL;
}
#else
static void *
rl_create_array(const redisReadTask *t, int n)
{
	/* A negative count other than -1 (nil, never passed here) costs as
	 * much as an oversized one. */
	return rl_charge(t, n < 0 ? SIZE_MAX : rl_array_cost((size_t)n)) ?
	    RL_PLAIN(t)->createArray(t, n) : NULL;
}
#endif

/* Route the reader's allocations through rl_charge(). Only a reader with
 * hiredis's complete set of functions is wrapped (a reader without them
 * builds no objects). */
static void
rl_wrap_reader(struct redis_loop *rl, redisReader *r)
{
	redisReplyObjectFunctions *f = r ? r->fn : NULL;

	if (!f || !f->createString || !f->createArray || !f->createInteger ||
	    !f->createNil)
		return;
	rl->plain = f;
	rl->counted = *f;
	rl->counted.createString = rl_create_string;
	rl->counted.createArray = rl_create_array;
	rl->counted.createInteger = rl_create_integer;
	rl->counted.createNil = rl_create_nil;
#if HIREDIS_MAJOR >= 1
	if (f->createDouble)
		rl->counted.createDouble = rl_create_double;
	if (f->createBool)
		rl->counted.createBool = rl_create_bool;
#endif
	r->privdata = rl;
	r->fn = &rl->counted;
}

/* True when the peer has sent more than RL_MAX_REPLY bytes that the
 * reader has not turned into replies yet. reader->len - reader->pos is the
 * unconsumed part of its buffer, in 0.14.1 and 1.x alike (read.h). */
static bool
rl_over_limit(const redisAsyncContext *ac)
{
	const redisReader *r = ac->c.reader;

	return (ac->c.flags & REDIS_CONNECTED) && r != NULL && r->buf != NULL &&
	    r->len > r->pos && r->len - r->pos > RL_MAX_REPLY;
}

/* Drop the connection the way hiredis drops one whose reply it cannot
 * parse: with the context's error set, redisBufferRead() returns at once
 * and redisAsyncHandleRead() takes hiredis's own error path
 * (__redisAsyncDisconnect: the error is copied to ac->err/ac->errstr,
 * pending callbacks get NULL, cleanup runs, then onDisconnect with
 * REDIS_ERR). redisAsyncFree() would report REDIS_OK instead, as for a
 * close the owner asked for (reference B.3-5). The context and rl are
 * freed when this returns. */
static void
rl_drop_oversized(redisAsyncContext *ac)
{
	redisContext *c = &ac->c;

	c->err = REDIS_ERR_PROTOCOL;
	snprintf(c->errstr, sizeof(c->errstr), "%s", RL_MAX_REPLY_TEXT);
	redisAsyncHandleRead(ac);
}

static void
rl_on_io(void *arg, uint32_t events)
{
	struct redis_loop *rl = arg;
	redisAsyncContext *ac = rl->ac;

	/* Read first and return: the context may be gone afterwards. A still
	 * wanted EPOLLOUT is reported again by the next epoll_wait (level-
	 * triggered). An error or hangup goes to whichever side can notice
	 * it: read() while connected, the connect check (a write) before. */
	if (rl->reading && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
		if (rl_over_limit(ac))
			rl_drop_oversized(ac);
		else
			redisAsyncHandleRead(ac);
		return;
	}
	if (rl->writing && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		redisAsyncHandleWrite(ac);
}

/* Make the epoll registration match reading/writing. With neither wanted
 * the fd is removed: EPOLLERR/EPOLLHUP cannot be masked, and a level-
 * triggered hangup nobody consumes would spin the loop. */
static void
rl_update(struct redis_loop *rl)
{
	uint32_t events = (rl->reading ? EPOLLIN : 0) |
	    (rl->writing ? EPOLLOUT : 0);
	int r;

	if (!events) {
		loop_io_del(rl->loop, &rl->io);
		return;
	}
	if (rl->io.active)
		r = loop_io_mod(rl->loop, &rl->io, events);
	else
		r = loop_io_add(rl->loop, &rl->io, rl->ac->c.fd, events,
		    rl_on_io, rl);
	/* The hooks cannot report failure; the caller's own request deadline
	 * (which it needs anyway on 0.14) frees the stalled context. */
	if (r < 0)
		log_warn("redis: epoll registration of fd %d failed: %s",
		    (int)rl->ac->c.fd, strerror(-r));
}

static void
rl_add_read(void *privdata)
{
	struct redis_loop *rl = privdata;

	rl->reading = true;
	rl_update(rl);
}

static void
rl_del_read(void *privdata)
{
	struct redis_loop *rl = privdata;

	rl->reading = false;
	rl_update(rl);
}

static void
rl_add_write(void *privdata)
{
	struct redis_loop *rl = privdata;

	rl->writing = true;
	rl_update(rl);
}

static void
rl_del_write(void *privdata)
{
	struct redis_loop *rl = privdata;

	rl->writing = false;
	rl_update(rl);
}

static void
rl_cleanup(void *privdata)
{
	struct redis_loop *rl = privdata;
	redisAsyncContext *ac = rl->ac;
	redisReader *r = ac->c.reader;

	/* Before hiredis closes the fd (reference B.3-4). */
	loop_io_del(rl->loop, &rl->io);
#if HIREDIS_MAJOR >= 1
	loop_timer_cancel(rl->loop, &rl->timer);
#endif
	/* The reader outlives us (redisFree() frees it after onDisconnect)
	 * and must not call into rl->counted then. */
	if (r && rl->plain) {
		r->fn = rl->plain;
		r->privdata = NULL;
	}
	/* A refused charge failed the reader with "Out of memory"; the error
	 * is copied to ac before cleanup, onDisconnect comes after it. */
	if (rl->too_large && ac->c.err) {
		ac->c.err = REDIS_ERR_PROTOCOL;
		snprintf(ac->c.errstr, sizeof(ac->c.errstr), "%s",
		    RL_MAX_REPLY_TEXT);
		ac->err = ac->c.err;
		ac->errstr = ac->c.errstr;
	}
	ac->ev.data = NULL;
	free(rl);
}

#if HIREDIS_MAJOR >= 1
static void
rl_on_timer(void *arg)
{
	struct redis_loop *rl = arg;

	/* May free the context and rl. */
	redisAsyncHandleTimeout(rl->ac);
}

static void
rl_schedule_timer(void *privdata, struct timeval tv)
{
	struct redis_loop *rl = privdata;
	uint64_t ms = (uint64_t)tv.tv_sec * 1000 +
	    ((uint64_t)tv.tv_usec + 999) / 1000;

	loop_timer_arm(rl->loop, &rl->timer, ms);
}
#endif

int
redis_loop_attach(struct loop *l, redisAsyncContext *ac)
{
	struct redis_loop *rl;

	if (ac->ev.data)
		return -EEXIST;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return -ENOMEM;
	rl->loop = l;
	rl->ac = ac;
	ac->ev.addRead = rl_add_read;
	ac->ev.delRead = rl_del_read;
	ac->ev.addWrite = rl_add_write;
	ac->ev.delWrite = rl_del_write;
	ac->ev.cleanup = rl_cleanup;
#if HIREDIS_MAJOR >= 1
	loop_timer_init(&rl->timer, rl_on_timer, rl);
	ac->ev.scheduleTimer = rl_schedule_timer;
#endif
	ac->ev.data = rl;
	rl_wrap_reader(rl, ac->c.reader);
	return 0;
}
