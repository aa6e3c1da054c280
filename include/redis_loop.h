/*
 * redis_loop: hiredis async adapter for struct loop (hiredis's five hooks:
 * addRead, delRead, addWrite, delWrite, cleanup).
 *
 * Works with hiredis 0.14.1 (no timer hook: callers keep their own
 * deadlines and call redisAsyncFree() when one passes) and compiles against
 * 1.x, where the scheduleTimer hook is wired to a loop timer as well, so
 * redisAsyncSetTimeout() works there.
 * Attach right after redisAsyncConnect() and before setting the connect
 * callback (reference B.3-2). The adapter state lives in ac->ev.data and is
 * freed by hiredis's cleanup hook, i.e. whenever the context is freed: the
 * caller has nothing to release. Returns 0, or -ENOMEM, or -EEXIST when
 * the context already has an adapter.
 */
#ifndef VIPD_REDIS_LOOP_H
#define VIPD_REDIS_LOOP_H

#include <hiredis/async.h>

struct loop;

int redis_loop_attach(struct loop *l, redisAsyncContext *ac);

#endif
