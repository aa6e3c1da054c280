/*
 * loop: the event loop. One epoll instance, fd watchers and monotonic
 * millisecond timers (epoll_wait's timeout is the nearest deadline), signals
 * via signalfd registered as an ordinary fd. Single-threaded.
 *
 * Watchers and timers are embedded in their owner's struct; the loop never
 * allocates them or frees them. Callbacks may add, remove or re-arm any
 * watcher or timer, including their own, and may free their owner after
 * removing its watchers and timers.
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
	loop_timer_cb cb;
	void *arg;
	bool armed;
	struct loop_timer *next;
	struct loop_timer **pprev;
};

/* Milliseconds from CLOCK_MONOTONIC. */
uint64_t loop_now(void);

struct loop *loop_new(void);
void loop_free(struct loop *l);		/* NULL-safe */

int loop_io_add(struct loop *l, struct loop_io *io, int fd, uint32_t events,
    loop_io_cb cb, void *arg);
int loop_io_mod(struct loop *l, struct loop_io *io, uint32_t events);
void loop_io_del(struct loop *l, struct loop_io *io);	/* inactive: no-op */

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);
/* (Re)arm to fire once `delay` ms from now / at absolute `when`. */
void loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t delay);
void loop_timer_arm_at(struct loop *l, struct loop_timer *t, uint64_t when);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Run until loop_stop(); returns 0, or -errno if epoll_wait fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
