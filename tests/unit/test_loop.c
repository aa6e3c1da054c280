/*
 * Unit tests for loop and redis_loop: timer order, changes made from inside
 * callbacks (the owner-frees-itself patterns the daemon relies on), EINTR,
 * and the hiredis adapter end to end against a throw-away redis-server on a
 * loopback port (skipped visibly if redis-server cannot be started). Build
 * with --enable-sanitizers to turn any use-after-free into a failure.
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

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "loop.h"
#include "redis_loop.h"

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

/* ---- hiredis adapter --------------------------------------------------- */

struct redis_srv {
	pid_t pid;
	int port;
};

/* A free loopback port: bind to 0 and let the kernel choose. Racy in
 * theory; the caller retries if redis-server cannot bind it. */
static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(s, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

static bool
port_open(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = s >= 0 && connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	if (s >= 0)
		close(s);
	return ok;
}

/* 1: running, 0: redis-server missing, -1: it exited. */
static int
srv_try_start(struct redis_srv *srv)
{
	char port[16];
	int status;

	srv->port = free_port();
	if (srv->port < 0)
		return -1;
	snprintf(port, sizeof(port), "%d", srv->port);
	srv->pid = fork();
	if (srv->pid < 0)
		return -1;
	if (srv->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("redis-server", "redis-server", "--port", port,
		    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		    "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		if (waitpid(srv->pid, &status, WNOHANG) == srv->pid) {
			srv->pid = 0;
			return WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			    0 : -1;
		}
		if (port_open(srv->port))
			return 1;
		usleep(10000);
	}
	return -1;
}

static int
srv_setup(void **state)
{
	struct redis_srv *srv = calloc(1, sizeof(*srv));
	int r = -1;

	if (!srv)
		return -1;
	for (int tries = 0; tries < 3 && r < 0; tries++)
		r = srv_try_start(srv);
	if (r <= 0) {
		if (srv->pid > 0) {
			kill(srv->pid, SIGKILL);
			waitpid(srv->pid, NULL, 0);
		}
		fprintf(stderr, "# redis-server %s: skipping the hiredis "
		    "adapter test\n", r == 0 ? "not installed" :
		    "could not be started on loopback");
		srv->pid = 0;
	}
	*state = srv;
	return 0;
}

static int
srv_teardown(void **state)
{
	struct redis_srv *srv = *state;

	if (srv->pid > 0) {
		kill(srv->pid, SIGTERM);
		waitpid(srv->pid, NULL, 0);
	}
	free(srv);
	return 0;
}

/* What one test observed; ac->data points here. */
struct conn {
	struct loop *l;
	redisAsyncContext *ac;		/* NULL once freed */
	int connected;			/* onConnect status + 1, 0: not yet */
	int disconnected;		/* onDisconnect status + 1 */
	int disc_err;			/* ac->err in onDisconnect */
	int replies, nulls;
	long long client_id;
	struct conn *other;
	bool stop_on_disconnect;
};

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct conn *c = ac->data;

	c->connected = status + 2;	/* REDIS_OK 0 -> 2, REDIS_ERR -1 -> 1 */
	if (status != REDIS_OK) {
		c->ac = NULL;	/* hiredis frees it, no onDisconnect */
		loop_stop(c->l);
	}
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct conn *c = ac->data;

	/* The adapter's cleanup already ran (reference B.3-4). */
	assert_null(ac->ev.data);
	c->disconnected = status + 2;
	c->disc_err = ac->err;
	c->ac = NULL;
	if (c->stop_on_disconnect)
		loop_stop(c->l);
}

static void
conn_open(struct conn *c, struct loop *l, int port)
{
	c->l = l;
	c->ac = redisAsyncConnect("127.0.0.1", port);
	assert_non_null(c->ac);
	assert_int_equal(c->ac->err, 0);
	c->ac->data = c;
	assert_int_equal(redis_loop_attach(l, c->ac), 0);
	assert_int_equal(redis_loop_attach(l, c->ac), -EEXIST);
	assert_int_equal(redisAsyncSetConnectCallback(c->ac, on_connect),
	    REDIS_OK);
	assert_int_equal(redisAsyncSetDisconnectCallback(c->ac,
	    on_disconnect), REDIS_OK);
}

#define SKIP_WITHOUT_SERVER(srv) do {		\
	if ((srv)->pid <= 0)			\
		skip();				\
} while (0)

static void
ping_cb(redisAsyncContext *ac, void *r, void *priv)
{
	redisReply *reply = r;
	struct conn *c = priv;

	if (!reply) {
		c->nulls++;
		return;
	}
	assert_int_equal(reply->type, REDIS_REPLY_STATUS);
	assert_string_equal(reply->str, "PONG");
	c->replies++;
	/* No replies left pending after this one: disconnects cleanly. */
	if (c->replies == 2)
		redisAsyncDisconnect(ac);
}

static void
test_redis_ping(void **state)
{
	struct redis_srv *srv = *state;
	struct loop_timer wd;
	struct loop *l;
	struct conn c = { .stop_on_disconnect = true };

	SKIP_WITHOUT_SERVER(srv);
	l = new_loop(&wd);
	conn_open(&c, l, srv->port);
	assert_int_equal(redisAsyncCommand(c.ac, ping_cb, &c, "PING"),
	    REDIS_OK);
	assert_int_equal(redisAsyncCommand(c.ac, ping_cb, &c, "PING"),
	    REDIS_OK);
	run_loop(l, &wd);
	assert_int_equal(c.connected, 2);
	assert_int_equal(c.replies, 2);
	assert_int_equal(c.nulls, 0);
	assert_int_equal(c.disconnected, 2);	/* REDIS_OK: we asked */
	assert_null(c.ac);
	loop_free(l);
}

static void
publish_cb(redisAsyncContext *ac, void *r, void *priv)
{
	redisReply *reply = r;
	struct conn *c = priv;

	(void)ac;
	if (!reply) {
		c->nulls++;
		return;
	}
	assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
	assert_int_equal(reply->integer, 1);	/* one subscriber */
	c->replies++;
}

static void
pmessage_cb(redisAsyncContext *ac, void *r, void *priv)
{
	redisReply *reply = r;
	struct conn *c = priv;

	if (!reply) {
		c->nulls++;	/* on free, reference B.3-8 */
		return;
	}
	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	if (strcmp(reply->element[0]->str, "psubscribe") == 0) {
		/* Subscribed: now publish from the other connection. */
		assert_int_equal(redisAsyncCommand(c->other->ac, publish_cb,
		    c->other, "PUBLISH vipd-test.ch %s", "hello"), REDIS_OK);
		return;
	}
	assert_int_equal(reply->elements, 4);
	assert_string_equal(reply->element[0]->str, "pmessage");
	assert_string_equal(reply->element[1]->str, "vipd-test.*");
	assert_string_equal(reply->element[2]->str, "vipd-test.ch");
	assert_string_equal(reply->element[3]->str, "hello");
	c->replies++;
	/* Free from inside its own callback: deferred by hiredis (B.3-6). */
	redisAsyncFree(ac);
	redisAsyncDisconnect(c->other->ac);
}

static void
test_redis_pubsub(void **state)
{
	struct redis_srv *srv = *state;
	struct loop_timer wd;
	struct loop *l;
	struct conn sub = { 0 }, pub = { .stop_on_disconnect = true };

	SKIP_WITHOUT_SERVER(srv);
	l = new_loop(&wd);
	conn_open(&sub, l, srv->port);
	conn_open(&pub, l, srv->port);
	sub.other = &pub;
	assert_int_equal(redisAsyncCommand(sub.ac, pmessage_cb, &sub,
	    "PSUBSCRIBE vipd-test.*"), REDIS_OK);
	run_loop(l, &wd);
	assert_int_equal(sub.replies, 1);
	assert_int_equal(sub.nulls, 1);
	assert_int_equal(sub.disconnected, 2);
	assert_int_equal(pub.replies, 1);
	assert_int_equal(pub.disconnected, 2);
	loop_free(l);
}

static void
kill_cb(redisAsyncContext *ac, void *r, void *priv)
{
	redisReply *reply = r;

	(void)ac;
	(void)priv;
	assert_non_null(reply);
	assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
	assert_int_equal(reply->integer, 1);
}

static void
victim_cb(redisAsyncContext *ac, void *r, void *priv)
{
	redisReply *reply = r;
	struct conn *c = priv;

	if (!reply) {
		c->nulls++;
		return;
	}
	if (reply->type == REDIS_REPLY_INTEGER) {
		/* CLIENT ID answered: subscribe, like the daemon does. */
		c->client_id = reply->integer;
		assert_int_equal(redisAsyncCommand(ac, victim_cb, c,
		    "PSUBSCRIBE *"), REDIS_OK);
		return;
	}
	/* ["psubscribe", "*", 1]: have the other connection kill us. */
	c->replies++;
	assert_int_equal(redisAsyncCommand(c->other->ac, kill_cb, c->other,
	    "CLIENT KILL ID %lld", c->client_id), REDIS_OK);
}

static void
test_redis_client_kill(void **state)
{
	struct redis_srv *srv = *state;
	struct loop_timer wd;
	struct loop *l;
	struct conn victim = { .stop_on_disconnect = true }, killer = { 0 };

	SKIP_WITHOUT_SERVER(srv);
	l = new_loop(&wd);
	conn_open(&victim, l, srv->port);
	conn_open(&killer, l, srv->port);
	victim.other = &killer;
	assert_int_equal(redisAsyncCommand(victim.ac, victim_cb, &victim,
	    "CLIENT ID"), REDIS_OK);
	run_loop(l, &wd);
	assert_int_equal(victim.replies, 1);
	assert_int_equal(victim.disconnected, 1);	/* REDIS_ERR */
	assert_int_equal(victim.disc_err, REDIS_ERR_EOF);
	assert_null(victim.ac);
	/* The loop keeps serving the surviving connection. With the kill
	 * reply already read, hiredis disconnects at once, from inside
	 * redisAsyncDisconnect (v0.14.1 async.c); otherwise after the reply. */
	killer.stop_on_disconnect = true;
	redisAsyncDisconnect(killer.ac);
	if (!killer.disconnected) {
		loop_timer_arm(l, &wd, WATCHDOG_MS);
		run_loop(l, &wd);
	}
	assert_int_equal(killer.disconnected, 2);
	loop_free(l);
}

/* Our own request deadline on 0.14 (reference B.3-5): redisAsyncFree from
 * a timer while a command is outstanding. */
static void
free_timer_cb(void *arg)
{
	struct conn *c = arg;

	redisAsyncFree(c->ac);
}

static void
test_redis_free_pending(void **state)
{
	struct redis_srv *srv = *state;
	struct loop_timer wd, deadline;
	struct loop *l;
	struct conn c = { .stop_on_disconnect = true };

	SKIP_WITHOUT_SERVER(srv);
	l = new_loop(&wd);
	conn_open(&c, l, srv->port);
	assert_int_equal(redisAsyncCommand(c.ac, ping_cb, &c,
	    "BLPOP vipd-test.nokey 5"), REDIS_OK);
	loop_timer_init(&deadline, free_timer_cb, &c);
	loop_timer_arm(l, &deadline, 50);
	run_loop(l, &wd);
	assert_int_equal(c.nulls, 1);
	assert_int_equal(c.disconnected, 2);
	loop_free(l);
}

/* No server needed: a port nobody listens on. */
static void
test_redis_refused(void **state)
{
	struct loop_timer wd;
	struct loop *l = new_loop(&wd);
	struct conn c = { 0 };
	int port = free_port();

	(void)state;
	assert_true(port > 0);
	conn_open(&c, l, port);
	run_loop(l, &wd);
	assert_int_equal(c.connected, 1);	/* REDIS_ERR */
	assert_int_equal(c.disconnected, 0);	/* not called, B.3-1 */
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_rearm_cancel),
		cmocka_unit_test(test_timer_no_starvation),
		cmocka_unit_test(test_io_deleted_in_batch),
		cmocka_unit_test(test_io_freed_in_batch),
		cmocka_unit_test(test_io_self_free),
		cmocka_unit_test(test_io_mod_in_batch),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_stop_and_rerun),
		cmocka_unit_test(test_eintr),
		cmocka_unit_test(test_redis_refused),
		cmocka_unit_test_setup_teardown(test_redis_ping, srv_setup,
		    srv_teardown),
		cmocka_unit_test_setup_teardown(test_redis_pubsub, srv_setup,
		    srv_teardown),
		cmocka_unit_test_setup_teardown(test_redis_client_kill,
		    srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_redis_free_pending,
		    srv_setup, srv_teardown),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
