/*
 * redis_loop: hiredis async adapter for struct loop (hiredis's five hooks:
 * addRead, delRead, addWrite, delWrite, cleanup).
 *
 * Works with hiredis 0.14.1 (no timer hook: callers keep their own
 * deadlines and call redisAsyncFree() when one passes) and compiles against
 * 1.x. Attach right after redisAsyncConnect() and before setting the connect
 * callback (reference B.3-2). Returns 0, or -ENOMEM / -EEXIST.
 */
#ifndef VIPD_REDIS_LOOP_H
#define VIPD_REDIS_LOOP_H

#include <hiredis/async.h>

struct loop;

int redis_loop_attach(struct loop *l, redisAsyncContext *ac);

#endif
