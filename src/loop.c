/* loop: epoll fd watchers and a heap of timers (see loop.h). */
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
	/* The root of the heap of armed timers: the nearest deadline (ties:
	 * arming order). */
	struct loop_timer *timers;
	uint64_t seq;
	/* Timers taken out of the heap because they are due in this
	 * iteration and not yet fired, in firing order; cancel/re-arm unlink
	 * them through pprev. */
	struct loop_timer *expired;
	/* Deferred calls, in queuing order (tail: where the next goes). */
	struct loop_defer *deferred, **deferred_tail;
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

/*
 * Armed timers live in a pairing heap, intrusive like the rest of the
 * loop: arming, cancelling and taking the nearest timer cost O(log n)
 * amortised, with no allocation.
 * A sorted list cost O(n) per arm, which one vipd with 1,000 VIPs (a few
 * thousand timers, most re-armed every poll) spent most of its idle time
 * walking.
 */
static bool
timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

/* Two heap roots (no siblings, no parent) into one. */
static struct loop_timer *
heap_meld(struct loop_timer *a, struct loop_timer *b)
{
	struct loop_timer *tmp;

	if (timer_before(b, a)) {
		tmp = a;
		a = b;
		b = tmp;
	}
	b->prev = a;
	b->sibling = a->child;
	if (a->child)
		a->child->prev = b;
	a->child = b;
	return a;
}

/* A detached list of siblings into one heap: meld them in pairs left to
 * right, then the pairs right to left (the two-pass rule that gives the
 * amortised bound). */
static struct loop_timer *
heap_merge_pairs(struct loop_timer *first)
{
	struct loop_timer *pairs = NULL, *a, *b, *next, *acc = NULL;

	while (first) {
		a = first;
		b = a->sibling;
		next = b ? b->sibling : NULL;
		a->sibling = a->prev = NULL;
		if (b) {
			b->sibling = b->prev = NULL;
			a = heap_meld(a, b);
		}
		a->sibling = pairs;	/* a stack of the melded pairs */
		pairs = a;
		first = next;
	}
	while (pairs) {
		next = pairs->sibling;
		pairs->sibling = NULL;
		acc = acc ? heap_meld(pairs, acc) : pairs;
		pairs = next;
	}
	return acc;
}

static void
heap_remove(struct loop *l, struct loop_timer *t)
{
	struct loop_timer *sub;

	if (t == l->timers) {
		l->timers = heap_merge_pairs(t->child);
	} else {
		if (t->prev->child == t)
			t->prev->child = t->sibling;
		else
			t->prev->sibling = t->sibling;
		if (t->sibling)
			t->sibling->prev = t->prev;
		sub = heap_merge_pairs(t->child);
		if (sub)
			l->timers = heap_meld(l->timers, sub);
	}
	t->child = t->sibling = t->prev = NULL;
}

static void
timer_unlink(struct loop *l, struct loop_timer *t)
{
	if (t->due) {
		if (t->next)
			t->next->pprev = t->pprev;
		*t->pprev = t->next;
		t->next = NULL;
		t->pprev = NULL;
		t->due = false;
	} else {
		heap_remove(l, t);
	}
	t->armed = false;
}

void
loop_timer_arm_at(struct loop *l, struct loop_timer *t, uint64_t when)
{
	if (t->armed)
		timer_unlink(l, t);
	t->when = when;
	t->seq = l->seq++;
	l->timers = l->timers ? heap_meld(l->timers, t) : t;
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
	if (t->armed)
		timer_unlink(l, t);
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

/* epoll_wait timeout: until the nearest deadline, -1 without timers, 0
 * with deferred calls waiting (queued before loop_run). */
static int
next_timeout(const struct loop *l)
{
	uint64_t now;

	if (l->deferred)
		return 0;
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

void
loop_defer_init(struct loop_defer *d, loop_timer_cb cb, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->cb = cb;
	d->arg = arg;
}

void
loop_defer(struct loop *l, struct loop_defer *d)
{
	if (d->queued)
		return;
	d->queued = true;
	d->next = NULL;
	if (!l->deferred)
		l->deferred_tail = &l->deferred;
	*l->deferred_tail = d;
	l->deferred_tail = &d->next;
}

void
loop_defer_cancel(struct loop *l, struct loop_defer *d)
{
	struct loop_defer **pp;

	if (!d->queued)
		return;
	for (pp = &l->deferred; *pp != d; pp = &(*pp)->next)
		;
	*pp = d->next;
	if (l->deferred_tail == &d->next)
		l->deferred_tail = pp;
	d->queued = false;
}

static void
run_deferred(struct loop *l)
{
	struct loop_defer *d;

	while ((d = l->deferred) != NULL) {
		l->deferred = d->next;
		if (!l->deferred)
			l->deferred_tail = &l->deferred;
		d->queued = false;
		d->cb(d->arg);
	}
}

static void
run_timers(struct loop *l)
{
	uint64_t now = loop_now();
	struct loop_timer *t, **tail = &l->expired;

	/* Move the due timers onto `expired` first, in order, so that timers
	 * re-armed by these callbacks (even with delay 0) wait for the next
	 * iteration. */
	while ((t = l->timers) != NULL && t->when <= now) {
		heap_remove(l, t);
		t->due = true;
		t->next = NULL;
		t->pprev = tail;
		*tail = t;
		tail = &t->next;
	}
	while ((t = l->expired) != NULL) {
		timer_unlink(l, t);
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
		run_deferred(l);
	}
	l->running = false;
	return 0;
}
