/*
 * Unit tests for the event loop: timer order, changes made from inside
 * callbacks (the owner-frees-itself patterns the daemon relies on), EINTR.
 * Build with --enable-sanitizers to turn any use-after-free into a
 * failure. The connections on top of it are tested in test_rconn.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "loop.h"

/* Every test that runs the loop arms this so a bug hangs for 5 s at most. */
#define WATCHDOG_MS	5000

static bool watchdog_fired;

static void
watchdog_cb(void *arg)
{
	watchdog_fired = true;
	loop_stop(arg);
}

static struct loop *
new_loop(struct loop_timer *wd)
{
	struct loop *l = loop_new();

	assert_non_null(l);
	watchdog_fired = false;
	loop_timer_init(wd, watchdog_cb, l);
	loop_timer_arm(l, wd, WATCHDOG_MS);
	return l;
}

static void
run_loop(struct loop *l, struct loop_timer *wd)
{
	assert_int_equal(loop_run(l), 0);
	assert_false(watchdog_fired);
	loop_timer_cancel(l, wd);
}

/* ---- timers ------------------------------------------------------------ */

struct rec {
	struct loop *l;
	int order[16];
	int n;
};

struct tmr {
	struct loop_timer t;
	struct rec *rec;
	int id;
	int rearm;		/* times left to re-arm with delay 0 */
	struct tmr *cancel;	/* cancel this one when firing */
	bool stop;
};

static void
tmr_cb(void *arg)
{
	struct tmr *t = arg;

	t->rec->order[t->rec->n++] = t->id;
	if (t->cancel)
		loop_timer_cancel(t->rec->l, &t->cancel->t);
	if (t->rearm-- > 0)
		loop_timer_arm(t->rec->l, &t->t, 0);
	if (t->stop)
		loop_stop(t->rec->l);
}

static void
test_timer_order(void **state)
{
	struct loop_timer wd;
	struct rec rec = { .l = new_loop(&wd) };
	struct tmr t[5] = {
		{ .id = 1, .stop = true }, { .id = 2 }, { .id = 3 },
		{ .id = 4 }, { .id = 5 },
	};
	static const uint64_t delay[4] = { 30, 10, 20, 10 };
	uint64_t start = loop_now();

	(void)state;
	for (int i = 0; i < 5; i++) {
		t[i].rec = &rec;
		loop_timer_init(&t[i].t, tmr_cb, &t[i]);
	}
	for (int i = 0; i < 4; i++)
		loop_timer_arm(rec.l, &t[i].t, delay[i]);
	loop_timer_arm_at(rec.l, &t[4].t, start - 5);	/* already due */
	run_loop(rec.l, &wd);
	assert_int_equal(rec.n, 5);
	assert_int_equal(rec.order[0], 5);
	assert_int_equal(rec.order[1], 2);	/* 10 ms, armed first */
	assert_int_equal(rec.order[2], 4);	/* 10 ms, armed second */
	assert_int_equal(rec.order[3], 3);
	assert_int_equal(rec.order[4], 1);
	assert_true(loop_now() - start >= 30);
	for (int i = 0; i < 5; i++)
		assert_false(t[i].t.armed);
	loop_free(rec.l);
}

static void
test_timer_rearm_cancel(void **state)
{
	struct loop_timer wd;
	struct rec rec = { .l = new_loop(&wd) };
	struct tmr a = { .id = 1, .rearm = 3 }, b = { .id = 2 };
	struct tmr c = { .id = 3, .stop = true }, d = { .id = 4 };
	uint64_t past = loop_now() - 10;

	(void)state;
	a.rec = b.rec = c.rec = d.rec = &rec;
	loop_timer_init(&a.t, tmr_cb, &a);
	loop_timer_init(&b.t, tmr_cb, &b);
	loop_timer_init(&c.t, tmr_cb, &c);
	loop_timer_init(&d.t, tmr_cb, &d);
	/* a and b are both due in the first iteration; a cancels b before
	 * b's turn comes. */
	a.cancel = &b;
	loop_timer_arm_at(rec.l, &a.t, past);
	loop_timer_arm_at(rec.l, &b.t, past);
	/* d is armed then re-armed later, then cancelled: never fires. */
	loop_timer_arm(rec.l, &d.t, 1);
	loop_timer_arm(rec.l, &d.t, 1000);
	loop_timer_cancel(rec.l, &d.t);
	loop_timer_cancel(rec.l, &d.t);		/* idempotent */
	loop_timer_arm(rec.l, &c.t, 20);
	run_loop(rec.l, &wd);
	/* a fired 4 times (once + 3 zero-delay re-arms), each in its own
	 * iteration, then c stopped the loop. */
	assert_int_equal(rec.n, 5);
	for (int i = 0; i < 4; i++)
		assert_int_equal(rec.order[i], 1);
	assert_int_equal(rec.order[4], 3);
	loop_free(rec.l);
}

/* Many timers, armed, re-armed and cancelled in a random order: those
 * left armed fire by deadline, equal deadlines in the order of their last
 * arming, and the cancelled ones not at all (the heap's removals from the
 * middle as well as from the top). */
#define MANY	2000

struct many {
	struct loop_timer t;
	uint64_t when;
	unsigned int armed_at;	/* order of the last arming */
	bool armed;
};

static struct many many[MANY];
static int many_fired[MANY], many_nfired;

static void
many_cb(void *arg)
{
	many_fired[many_nfired++] = (int)((struct many *)arg - many);
}

static void stop_cb(void *arg);

static void
test_timer_many(void **state)
{
	struct loop_timer wd, stop;
	struct loop *l = new_loop(&wd);
	uint64_t base = loop_now() - 1000;
	unsigned int order = 0;
	int expect_n = 0;

	(void)state;
	srandom(7);
	many_nfired = 0;
	for (int i = 0; i < MANY; i++)
		loop_timer_init(&many[i].t, many_cb, &many[i]);
	for (int step = 0; step < 4 * MANY; step++) {
		struct many *m = &many[random() % MANY];

		if (random() % 4 == 0) {
			loop_timer_cancel(l, &m->t);
			m->armed = false;
		} else {
			/* 50 distinct deadlines: many ties. */
			m->when = base + (uint64_t)(random() % 50);
			loop_timer_arm_at(l, &m->t, m->when);
			m->armed = true;
			m->armed_at = order++;
		}
	}
	loop_timer_init(&stop, stop_cb, l);
	loop_timer_arm_at(l, &stop, base + 50);
	run_loop(l, &wd);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(many[i].t.armed, false);
		if (many[i].armed)
			expect_n++;
	}
	assert_int_equal(many_nfired, expect_n);
	for (int k = 1; k < many_nfired; k++) {
		const struct many *a = &many[many_fired[k - 1]];
		const struct many *b = &many[many_fired[k]];

		assert_true(a->armed && b->armed);
		assert_true(a->when < b->when ||
		    (a->when == b->when && a->armed_at < b->armed_at));
	}
	loop_free(l);
}

/* A timer re-arming itself with delay 0 forever must not starve fds. */
struct spin {
	struct loop *l;
	struct loop_timer t;
	struct loop_io io;
	int fires;
};

static void
spin_timer_cb(void *arg)
{
	struct spin *s = arg;

	s->fires++;
	loop_timer_arm(s->l, &s->t, 0);
}

static void
spin_io_cb(void *arg, uint32_t events)
{
	struct spin *s = arg;

	assert_true(events & EPOLLIN);
	loop_stop(s->l);
}

static void
test_timer_no_starvation(void **state)
{
	struct loop_timer wd;
	struct spin s = { .l = new_loop(&wd) };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	loop_timer_init(&s.t, spin_timer_cb, &s);
	loop_timer_arm(s.l, &s.t, 0);
	assert_int_equal(loop_io_add(s.l, &s.io, p[0], EPOLLIN, spin_io_cb,
	    &s), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	run_loop(s.l, &wd);
	assert_true(s.fires >= 1 && s.fires <= 2);
	loop_io_del(s.l, &s.io);
	loop_timer_cancel(s.l, &s.t);
	close(p[0]);
	close(p[1]);
	loop_free(s.l);
}

/* ---- fd watchers ------------------------------------------------------- */

struct pipe_owner {
	struct loop *l;
	struct loop_io io;
	int fds[2];
	struct pipe_owner **peer;	/* delete *peer when dispatched */
	bool free_peer;			/* ... and free it */
	bool free_self;
	int *calls;
};

static struct pipe_owner *
pipe_owner_new(struct loop *l, int *calls)
{
	struct pipe_owner *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	o->l = l;
	o->calls = calls;
	assert_int_equal(pipe2(o->fds, O_NONBLOCK), 0);
	assert_int_equal(write(o->fds[1], "x", 1), 1);
	return o;
}

static void
pipe_owner_free(struct pipe_owner *o)
{
	loop_io_del(o->l, &o->io);
	close(o->fds[0]);
	close(o->fds[1]);
	/* Poison: a stale dispatch would call through garbage even
	 * without ASan. */
	memset(o, 0xa5, sizeof(*o));
	free(o);
}

static void
pipe_owner_cb(void *arg, uint32_t events)
{
	struct pipe_owner *o = arg;
	char c;

	assert_true(events & EPOLLIN);
	(*o->calls)++;
	assert_int_equal(read(o->fds[0], &c, 1), 1);
	if (o->peer && *o->peer) {
		if (o->free_peer) {
			pipe_owner_free(*o->peer);
			*o->peer = NULL;
		} else {
			loop_io_del(o->l, &(*o->peer)->io);
		}
	}
	if (o->free_self)
		pipe_owner_free(o);
}

static void
stop_cb(void *arg)
{
	loop_stop(arg);
}

/* Two pipes readable in the same batch; whichever is dispatched first
 * deletes the other's watcher and, with free_peer, frees it. Without
 * free_peer a stale dispatch is caught by the call count; with it, by ASan
 * (or the poison). */
static void
io_deleted_in_batch(bool free_peer)
{
	struct loop_timer wd, stop;
	struct loop *l = new_loop(&wd);
	struct pipe_owner *o[2];
	int calls = 0;

	for (int i = 0; i < 2; i++) {
		o[i] = pipe_owner_new(l, &calls);
		o[i]->free_peer = free_peer;
	}
	o[0]->peer = &o[1];
	o[1]->peer = &o[0];
	for (int i = 0; i < 2; i++)
		assert_int_equal(loop_io_add(l, &o[i]->io, o[i]->fds[0],
		    EPOLLIN, pipe_owner_cb, o[i]), 0);
	loop_timer_init(&stop, stop_cb, l);
	loop_timer_arm(l, &stop, 30);
	run_loop(l, &wd);
	assert_int_equal(calls, 1);
	if (free_peer) {
		assert_true(!o[0] != !o[1]);
		pipe_owner_free(o[0] ? o[0] : o[1]);
	} else {
		pipe_owner_free(o[0]);
		pipe_owner_free(o[1]);
	}
	loop_free(l);
}

static void
test_io_deleted_in_batch(void **state)
{
	(void)state;
	io_deleted_in_batch(false);
}

static void
test_io_freed_in_batch(void **state)
{
	(void)state;
	io_deleted_in_batch(true);
}

/* Each callback frees its own owner: both still run. */
static void
test_io_self_free(void **state)
{
	struct loop_timer wd, stop;
	struct loop *l = new_loop(&wd);
	int calls = 0;

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct pipe_owner *o = pipe_owner_new(l, &calls);

		o->free_self = true;
		assert_int_equal(loop_io_add(l, &o->io, o->fds[0], EPOLLIN,
		    pipe_owner_cb, o), 0);
	}
	loop_timer_init(&stop, stop_cb, l);
	loop_timer_arm(l, &stop, 30);
	run_loop(l, &wd);
	assert_int_equal(calls, 3);
	loop_free(l);
}

struct modder {
	struct loop *l;
	struct loop_io io[2];
	int calls[2];
};

static void
modder_cb0(void *arg, uint32_t events)
{
	struct modder *m = arg;

	(void)events;
	m->calls[0]++;
	/* Drop io[1]'s interest in EPOLLOUT: its pending event from this
	 * batch must not be delivered. */
	assert_int_equal(loop_io_mod(m->l, &m->io[1], EPOLLIN), 0);
	loop_io_del(m->l, &m->io[0]);
	loop_stop(m->l);
}

static void
modder_cb1(void *arg, uint32_t events)
{
	struct modder *m = arg;

	(void)events;
	m->calls[1]++;
	loop_io_mod(m->l, &m->io[0], 0);
	loop_io_del(m->l, &m->io[1]);
	loop_stop(m->l);
}

static void
test_io_mod_in_batch(void **state)
{
	struct loop_timer wd;
	struct modder m = { .l = new_loop(&wd) };
	int a[2], b[2];

	(void)state;
	/* Two write ends, both writable. */
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(loop_io_add(m.l, &m.io[0], a[1], EPOLLOUT,
	    modder_cb0, &m), 0);
	assert_int_equal(loop_io_add(m.l, &m.io[1], b[1], EPOLLOUT,
	    modder_cb1, &m), 0);
	run_loop(m.l, &wd);
	assert_int_equal(m.calls[0] + m.calls[1], 1);
	loop_io_del(m.l, &m.io[0]);
	loop_io_del(m.l, &m.io[1]);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
	loop_free(m.l);
}

static void
test_io_errors(void **state)
{
	struct loop *l = loop_new();
	struct loop_io io = { 0 }, io2 = { 0 };
	int p[2];

	(void)state;
	assert_non_null(l);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_io_mod(l, &io, EPOLLIN), -ENOENT);
	loop_io_del(l, &io);			/* inactive: no-op */
	assert_int_equal(loop_io_add(l, &io, -1, EPOLLIN, NULL, NULL),
	    -EBADF);
	assert_false(io.active);
	assert_int_equal(loop_io_add(l, &io, p[0], EPOLLIN, NULL, NULL), 0);
	assert_int_equal(loop_io_add(l, &io, p[0], EPOLLIN, NULL, NULL),
	    -EEXIST);
	/* The same fd twice in one epoll set is refused by the kernel. */
	assert_int_equal(loop_io_add(l, &io2, p[0], EPOLLIN, NULL, NULL),
	    -EEXIST);
	assert_int_equal(loop_io_mod(l, &io, EPOLLIN | EPOLLOUT), 0);
	assert_int_equal(io.events, EPOLLIN | EPOLLOUT);
	loop_io_del(l, &io);
	assert_false(io.active);
	assert_int_equal(loop_io_add(l, &io, p[0], EPOLLIN, NULL, NULL), 0);
	loop_io_del(l, &io);
	close(p[0]);
	close(p[1]);
	loop_free(l);
	loop_free(NULL);
}

/* ---- loop_stop, re-entry, EINTR ---------------------------------------- */

struct nested {
	struct loop *l;
	int ret;
};

static void
nested_cb(void *arg)
{
	struct nested *n = arg;

	n->ret = loop_run(n->l);
	loop_stop(n->l);
}

static void
test_stop_and_rerun(void **state)
{
	struct loop_timer wd, t;
	struct nested n = { .l = new_loop(&wd), .ret = 1 };

	(void)state;
	loop_timer_init(&t, nested_cb, &n);
	loop_timer_arm(n.l, &t, 1);
	run_loop(n.l, &wd);
	assert_int_equal(n.ret, -EBUSY);
	/* A stopped loop can be run again. */
	loop_timer_arm(n.l, &wd, WATCHDOG_MS);
	loop_timer_init(&t, stop_cb, n.l);
	loop_timer_arm(n.l, &t, 1);
	run_loop(n.l, &wd);
	loop_free(n.l);
}

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void
test_eintr(void **state)
{
	struct loop_timer wd, t;
	struct loop *l = new_loop(&wd);
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { .it_interval = { 0, 5000 },
	    .it_value = { 0, 5000 } }, off = { { 0, 0 }, { 0, 0 } };

	(void)state;
	/* No SA_RESTART; epoll_wait is never restarted anyway (signal(7)). */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	alarms = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	loop_timer_init(&t, stop_cb, l);
	loop_timer_arm(l, &t, 60);
	run_loop(l, &wd);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_true(alarms >= 2);
	loop_free(l);
}

/* ---- deferred calls ---------------------------------------------------- */

struct dfr {
	struct loop_defer d;
	struct rec *rec;
	int id;
	struct dfr *queue;	/* queue this one when running */
	struct dfr *cancel;	/* cancel this one when running */
	bool stop;
};

static void
dfr_cb(void *arg)
{
	struct dfr *d = arg;

	d->rec->order[d->rec->n++] = d->id;
	if (d->queue)
		loop_defer(d->rec->l, &d->queue->d);
	if (d->cancel)
		loop_defer_cancel(d->rec->l, &d->cancel->d);
	if (d->stop)
		loop_stop(d->rec->l);
}

/* Timers queue deferred calls: they run after every timer of the turn,
 * once each however often queued, in queuing order; one queued by a
 * deferred call runs in the same pass, a cancelled one not at all. */
static struct dfr *queue_on_fire[4];

static void
tmr_queue_cb(void *arg)
{
	struct tmr *t = arg;

	tmr_cb(arg);
	for (int i = 0; i < 4 && queue_on_fire[i]; i++)
		loop_defer(t->rec->l, &queue_on_fire[i]->d);
}

static void
test_defer_order(void **state)
{
	struct loop_timer wd;
	struct rec rec = { .l = new_loop(&wd) };
	struct tmr t[2] = { { .id = 1 }, { .id = 2 } };
	struct dfr d[4] = {
		{ .id = 10 }, { .id = 11 }, { .id = 12 }, { .id = 13 },
	};
	uint64_t when = loop_now() + 10;

	(void)state;
	for (int i = 0; i < 4; i++) {
		d[i].rec = &rec;
		loop_defer_init(&d[i].d, dfr_cb, &d[i]);
	}
	d[0].queue = &d[2];	/* 10 queues 12: same pass, after 11 */
	d[1].cancel = &d[3];	/* 11 cancels 13, queued by timer 1 */
	d[2].stop = true;
	queue_on_fire[0] = &d[0];
	queue_on_fire[1] = &d[1];
	queue_on_fire[2] = &d[3];
	queue_on_fire[3] = NULL;
	for (int i = 0; i < 2; i++) {
		t[i].rec = &rec;
		loop_timer_init(&t[i].t, tmr_queue_cb, &t[i]);
		loop_timer_arm_at(rec.l, &t[i].t, when);
	}
	run_loop(rec.l, &wd);
	assert_int_equal(rec.n, 5);
	assert_int_equal(rec.order[0], 1);
	assert_int_equal(rec.order[1], 2);
	assert_int_equal(rec.order[2], 10);
	assert_int_equal(rec.order[3], 11);
	assert_int_equal(rec.order[4], 12);
	for (int i = 0; i < 4; i++)
		assert_false(d[i].d.queued);
	loop_free(rec.l);
}

/* A call queued before loop_run runs in the first turn: the loop does not
 * sleep until its next timer (here the 5 s watchdog) first. */
static void
test_defer_before_run(void **state)
{
	struct loop_timer wd;
	struct rec rec = { .l = new_loop(&wd) };
	struct dfr d = { .id = 1, .stop = true, .rec = &rec };

	(void)state;
	loop_defer_init(&d.d, dfr_cb, &d);
	loop_defer(rec.l, &d.d);
	loop_defer(rec.l, &d.d);
	run_loop(rec.l, &wd);
	assert_int_equal(rec.n, 1);
	loop_free(rec.l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_rearm_cancel),
		cmocka_unit_test(test_timer_many),
		cmocka_unit_test(test_timer_no_starvation),
		cmocka_unit_test(test_io_deleted_in_batch),
		cmocka_unit_test(test_io_freed_in_batch),
		cmocka_unit_test(test_io_self_free),
		cmocka_unit_test(test_io_mod_in_batch),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_stop_and_rerun),
		cmocka_unit_test(test_eintr),
		cmocka_unit_test(test_defer_order),
		cmocka_unit_test(test_defer_before_run),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
