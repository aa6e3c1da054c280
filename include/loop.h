/*
 * loop: the event loop. One epoll instance (level-triggered), fd watchers
 * and monotonic millisecond timers (epoll_wait's timeout is the nearest
 * deadline), signals via signalfd registered as an ordinary fd.
 * Single-threaded; loop_run() is not re-entrant.
 *
 * Watchers and timers are embedded in their owner's struct; the loop never
 * allocates them or frees them. Callbacks may add, remove or re-arm any
 * watcher or timer, including their own and ones already due in the same
 * iteration, and may free their owner after removing its watchers and
 * timers: an io removed during a batch gets no further events from that
 * batch, a cancelled timer does not fire.
 *
 * A struct loop_io must be zeroed (calloc/memset) before its first
 * loop_io_add(); call loop_io_del() before close()ing its fd. A struct
 * loop_timer must go through loop_timer_init() before first use.
 *
 * One iteration: wait, dispatch the fd events of the batch, fire the
 * timers that were due when the batch ended, then run the deferred calls
 * queued meanwhile. A timer (re-)armed from a callback fires at the
 * earliest in the next iteration, so a zero delay cannot starve the fds.
 * A deferred call runs at the end of the iteration that queued it: work
 * that many callbacks of one iteration ask for (writing what they queued
 * on a connection) is done once, without another epoll_wait.
 *
 * Functions return 0 or -errno.
 */
#ifndef VIPD_LOOP_H
#define VIPD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

typedef void (*loop_io_cb)(void *arg, uint32_t events);	/* EPOLLIN|... */
typedef void (*loop_timer_cb)(void *arg);

struct loop_io {
	int fd;
	uint32_t events;
	loop_io_cb cb;
	void *arg;
	bool active;
};

struct loop_timer {
	uint64_t when;		/* absolute, ms, monotonic */
	uint64_t seq;		/* arming order, for equal deadlines */
	loop_timer_cb cb;
	void *arg;
	bool armed;
	bool due;		/* on the loop's due list, not in the heap */
	/* The loop's: links in its pairing heap (prev is the parent for a
	 * first child, the left sibling otherwise) or on its due list. */
	struct loop_timer *child, *sibling, *prev;
	struct loop_timer *next;
	struct loop_timer **pprev;
};

struct loop_defer {
	loop_timer_cb cb;
	void *arg;
	bool queued;
	struct loop_defer *next;	/* the loop's */
};

/* Milliseconds from CLOCK_MONOTONIC. */
uint64_t loop_now(void);

struct loop *loop_new(void);		/* NULL (errno set) on failure */
void loop_free(struct loop *l);		/* NULL-safe; not from a callback */

/* `events` is an EPOLLIN/EPOLLOUT/... mask; EPOLLERR and EPOLLHUP are always
 * reported (epoll(7)) and passed to the callback as received.
 * loop_io_add on an active io: -EEXIST. loop_io_mod on an inactive one:
 * -ENOENT. */
int loop_io_add(struct loop *l, struct loop_io *io, int fd, uint32_t events,
    loop_io_cb cb, void *arg);
int loop_io_mod(struct loop *l, struct loop_io *io, uint32_t events);
void loop_io_del(struct loop *l, struct loop_io *io);	/* inactive: no-op */

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);
/* (Re)arm to fire once `delay` ms from now / at absolute `when`. Timers with
 * the same deadline fire in the order they were armed. */
void loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t delay);
void loop_timer_arm_at(struct loop *l, struct loop_timer *t, uint64_t when);
/* Cancelling an unarmed timer is a no-op. */
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Queue `d` to run at the end of this iteration (of the next one when
 * called outside loop_run); queuing one already queued is a no-op. A call
 * queued by a deferred call runs in the same pass. */
void loop_defer_init(struct loop_defer *d, loop_timer_cb cb, void *arg);
void loop_defer(struct loop *l, struct loop_defer *d);
void loop_defer_cancel(struct loop *l, struct loop_defer *d);	/* no-op if not queued */

/* Run until loop_stop(); returns 0 (after the iteration in which loop_stop
 * was called has finished its callbacks), -EBUSY if already running, or
 * -errno if epoll_wait fails. EINTR is not a failure. A loop_stop() made
 * while the loop is not running is forgotten by the next loop_run(). */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
