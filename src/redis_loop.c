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
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "log.h"
#include "loop.h"
#include "redis_loop.h"

struct redis_loop {
	struct loop *loop;
	redisAsyncContext *ac;
	struct loop_io io;
	bool reading, writing;
#if HIREDIS_MAJOR >= 1
	struct loop_timer timer;	/* 1.x command/connect timeout */
#endif
};

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

	/* Before hiredis closes the fd (reference B.3-4). */
	loop_io_del(rl->loop, &rl->io);
#if HIREDIS_MAJOR >= 1
	loop_timer_cancel(rl->loop, &rl->timer);
#endif
	rl->ac->ev.data = NULL;
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
	return 0;
}
