/* loop: epoll fd watchers and a sorted timer list (see loop.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "loop.h"

/* Events fetched per epoll_wait. More ready fds than this are simply
 * reported again by the next call (level-triggered). */
#define LOOP_BATCH	64

struct loop {
	int epfd;
	bool running;
	bool stop;
	/* Armed timers, sorted by deadline (ties: arming order). */
	struct loop_timer *timers;
	/* Timers taken off `timers` because they are due in this iteration
	 * and not yet fired; cancel/re-arm unlink them through pprev like any
	 * other armed timer. */
	struct loop_timer *expired;
	/* The batch being dispatched. epoll_event.data.ptr is the loop_io
	 * itself, which a callback may free: loop_io_del() clears the
	 * not-yet-dispatched entries that point at it (at most LOOP_BATCH, so
	 * the scan is cheap and only happens during dispatch). */
	struct epoll_event batch[LOOP_BATCH];
	int nbatch;
	int cur;
};

uint64_t
loop_now(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid clock id and pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *
loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;

		free(l);
		errno = e;
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}

int
loop_io_add(struct loop *l, struct loop_io *io, int fd, uint32_t events,
    loop_io_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	if (io->active)
		return -EEXIST;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	io->fd = fd;
	io->events = events;
	io->cb = cb;
	io->arg = arg;
	io->active = true;
	return 0;
}

int
loop_io_mod(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	if (!io->active)
		return -ENOENT;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -errno;
	io->events = events;
	return 0;
}

void
loop_io_del(struct loop *l, struct loop_io *io)
{
	if (!io->active)
		return;
	/* Fails only if the fd was closed first (the kernel then already
	 * dropped it, unless a dup keeps the file open): nothing to undo. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->active = false;
	for (int i = l->cur + 1; i < l->nbatch; i++) {
		if (l->batch[i].data.ptr == io)
			l->batch[i].data.ptr = NULL;
	}
}

void
loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

static void
timer_unlink(struct loop_timer *t)
{
	if (t->next)
		t->next->pprev = t->pprev;
	*t->pprev = t->next;
	t->next = NULL;
	t->pprev = NULL;
	t->armed = false;
}

void
loop_timer_arm_at(struct loop *l, struct loop_timer *t, uint64_t when)
{
	struct loop_timer **pp = &l->timers;

	if (t->armed)
		timer_unlink(t);
	/* Linear insert: a few hundred timers at most (one per connection and
	 * VIP), and most are re-armed with the same period, landing near the
	 * tail. `<=` keeps equal deadlines in arming order. */
	while (*pp && (*pp)->when <= when)
		pp = &(*pp)->next;
	t->when = when;
	t->next = *pp;
	t->pprev = pp;
	if (*pp)
		(*pp)->pprev = &t->next;
	*pp = t;
	t->armed = true;
}

void
loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t delay)
{
	uint64_t now = loop_now();

	loop_timer_arm_at(l, t, delay > UINT64_MAX - now ? UINT64_MAX :
	    now + delay);
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	(void)l;
	if (t->armed)
		timer_unlink(t);
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

/* epoll_wait timeout: until the nearest deadline, -1 without timers. */
static int
next_timeout(const struct loop *l)
{
	uint64_t now;

	if (!l->timers)
		return -1;
	now = loop_now();
	if (l->timers->when <= now)
		return 0;
	if (l->timers->when - now > INT_MAX)
		return INT_MAX;
	return (int)(l->timers->when - now);
}

static void
dispatch_batch(struct loop *l)
{
	for (l->cur = 0; l->cur < l->nbatch; l->cur++) {
		struct epoll_event *ev = &l->batch[l->cur];
		struct loop_io *io = ev->data.ptr;
		uint32_t events;

		if (!io)
			continue;	/* deleted by an earlier callback */
		/* A loop_io_mod earlier in the batch may have dropped the
		 * interest this event was reported for. */
		events = ev->events & (io->events | EPOLLERR | EPOLLHUP);
		if (events)
			io->cb(io->arg, events);
	}
	l->nbatch = 0;
	l->cur = 0;
}

static void
run_timers(struct loop *l)
{
	uint64_t now = loop_now();
	struct loop_timer *t, **pp = &l->timers;

	/* Move the due prefix onto `expired` first, so that timers re-armed
	 * by these callbacks (even with delay 0) wait for the next
	 * iteration. */
	while (*pp && (*pp)->when <= now)
		pp = &(*pp)->next;
	if (pp == &l->timers)
		return;
	l->expired = l->timers;
	l->expired->pprev = &l->expired;
	l->timers = *pp;
	if (l->timers)
		l->timers->pprev = &l->timers;
	*pp = NULL;

	while ((t = l->expired) != NULL) {
		timer_unlink(t);
		t->cb(t->arg);
	}
}

int
loop_run(struct loop *l)
{
	if (l->running)
		return -EBUSY;
	l->running = true;
	l->stop = false;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, l->batch, LOOP_BATCH,
		    next_timeout(l));

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			l->running = false;
			return -e;
		}
		l->nbatch = n;
		dispatch_batch(l);
		run_timers(l);
	}
	l->running = false;
	return 0;
}
