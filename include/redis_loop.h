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
 *
 * A reply may cost at most 1 MiB, counting both the bytes buffered before
 * it is complete and the objects built for it (an array header is charged
 * for the elements it announces). A peer that goes past that is cut off as
 * a protocol error: onDisconnect(ac, REDIS_ERR) with ac->err
 * REDIS_ERR_PROTOCOL and ac->errstr "reply larger than 1 MiB", as for any
 * reply hiredis cannot parse. The adapter owns the reader's privdata and
 * object functions while attached.
 */
#ifndef VIPD_REDIS_LOOP_H
#define VIPD_REDIS_LOOP_H

#include <hiredis/async.h>

struct loop;

int redis_loop_attach(struct loop *l, redisAsyncContext *ac);

#endif
