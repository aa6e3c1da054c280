/*
 * rconn end to end: against a throw-away redis-server on a loopback port
 * (skipped visibly if it cannot be started; $VIPD_REDIS_SERVER names
 * another server binary, e.g. valkey-server), and against small in-process
 * peers that send what a hostile or broken server would: an unsolicited
 * reply, a reply larger than the cap, a reset before the first reply, odd
 * pub/sub shapes. Every case must cost at most the connection. Build with
 * --enable-sanitizers to turn a use-after-free into a failure.
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
#include <sys/wait.h>

#include "loop.h"
#include "rconn.h"

#define WATCHDOG_MS	5000

/* ---- a redis-server ---------------------------------------------------- */

struct redis_srv {
	pid_t pid;
	int port;
};

/* A free loopback port: bind to 0 and let the kernel choose. Racy in
 * theory; the caller retries if the server cannot bind it. */
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

/* 1: running, 0: the server binary is missing, -1: it exited. */
static int
srv_try_start(struct redis_srv *srv, const char *password)
{
	const char *bin = getenv("VIPD_REDIS_SERVER");
	char port[16];
	int status;

	if (!bin || !*bin)
		bin = "redis-server";
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
		execlp(bin, bin, "--port", port, "--bind", "127.0.0.1",
		    "--save", "", "--appendonly", "no", "--daemonize", "no",
		    "--requirepass", password ? password : "", (char *)NULL);
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
srv_start(void **state, const char *password)
{
	struct redis_srv *srv = calloc(1, sizeof(*srv));
	int r = -1;

	if (!srv)
		return -1;
	for (int tries = 0; tries < 3 && r < 0; tries++)
		r = srv_try_start(srv, password);
	if (r <= 0) {
		if (srv->pid > 0) {
			kill(srv->pid, SIGKILL);
			waitpid(srv->pid, NULL, 0);
		}
		fprintf(stderr, "# redis-server %s: skipping\n", r == 0 ?
		    "not installed" : "could not be started on loopback");
		srv->pid = 0;
	}
	*state = srv;
	return 0;
}

static int
srv_setup(void **state)
{
	return srv_start(state, NULL);
}

static int
srv_setup_auth(void **state)
{
	return srv_start(state, "s3cret");
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

#define SKIP_WITHOUT_SERVER(srv) do {		\
	if ((srv)->pid <= 0)			\
		skip();				\
} while (0)

/* ---- what one connection saw ------------------------------------------- */

struct obs {
	struct loop *l;
	struct rconn c;
	int ups, downs, replies, pushes;
	bool refused_at_down;
	char why[200];
	long long last_int;
	char last_str[64];
	bool stop_on_up, stop_on_down, stop_on_push;
	bool answer_on_push;		/* a push answers rconn_expect() */
	int stop_after_replies;
	void (*on_up)(struct obs *o);
};

static void
obs_up(void *arg)
{
	struct obs *o = arg;

	o->ups++;
	if (o->on_up)
		o->on_up(o);
	if (o->stop_on_up)
		loop_stop(o->l);
}

static void
obs_down(void *arg, uint64_t since, const char *why)
{
	struct obs *o = arg;

	(void)since;
	o->downs++;
	o->refused_at_down = o->c.refused;
	snprintf(o->why, sizeof(o->why), "%s", why);
	if (o->stop_on_down) {
		rconn_close(&o->c);
		loop_stop(o->l);
	}
}

static void
obs_push(void *arg, const redisReply *r)
{
	struct obs *o = arg;

	o->pushes++;
	if (o->answer_on_push)
		rconn_answered(&o->c);
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
	    r->element[2]->type == REDIS_REPLY_STRING)
		snprintf(o->last_str, sizeof(o->last_str), "%s",
		    r->element[2]->str);
	if (o->stop_on_push)
		loop_stop(o->l);
}

static void
obs_reply(void *arg, const redisReply *r, uintptr_t tag)
{
	struct obs *o = arg;

	/* Replies come back in the order their requests went out. */
	assert_int_equal((uintptr_t)o->replies, tag);
	o->replies++;
	if (r->type == REDIS_REPLY_INTEGER)
		o->last_int = r->integer;
	if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING ||
	    r->type == REDIS_REPLY_ERROR)
		snprintf(o->last_str, sizeof(o->last_str), "%s", r->str);
	if (o->stop_after_replies && o->replies == o->stop_after_replies)
		loop_stop(o->l);
}

static void
watchdog_cb(void *arg)
{
	fail_msg("the loop ran for %d ms: a callback never came", WATCHDOG_MS);
	loop_stop(arg);
}

static void
obs_open(struct obs *o, struct loop *l, int port)
{
	struct hostport hp;
	char a[32];

	memset(o, 0, sizeof(*o));
	o->l = l;
	snprintf(a, sizeof(a), "127.0.0.1:%d", port);
	assert_int_equal(hostport_parse(a, &hp), 0);
	rconn_init(&o->c, l, &hp, 300, "test", obs_up, obs_down, o);
	o->c.on_push = obs_push;
	rconn_start(&o->c);
}

static void
run(struct loop *l)
{
	struct loop_timer wd;

	loop_timer_init(&wd, watchdog_cb, l);
	loop_timer_arm(l, &wd, WATCHDOG_MS);
	assert_int_equal(loop_run(l), 0);
	loop_timer_cancel(l, &wd);
}

/* ---- against a real server ------------------------------------------------ */

static void
pipeline_100(struct obs *o)
{
	for (uintptr_t i = 0; i < 100; i++)
		assert_int_equal(rconn_command(&o->c, obs_reply, i,
		    "ECHO %d", (int)i), 0);
}

static void
test_pipeline_in_order(void **state)
{
	struct redis_srv *srv = *state;
	struct loop *l;
	struct obs o;

	SKIP_WITHOUT_SERVER(srv);
	l = loop_new();
	obs_open(&o, l, srv->port);
	o.on_up = pipeline_100;
	o.stop_after_replies = 100;
	run(l);
	assert_int_equal(o.ups, 1);
	assert_int_equal(o.downs, 0);
	assert_int_equal(o.replies, 100);
	assert_string_equal(o.last_str, "99");
	assert_int_equal(rconn_pending(&o.c), 0);
	rconn_close(&o.c);
	loop_free(l);
}

static void
test_refused(void **state)
{
	struct loop *l = loop_new();
	struct obs o;

	(void)state;
	obs_open(&o, l, free_port());
	o.stop_on_down = true;
	run(l);
	assert_int_equal(o.ups, 0);
	assert_int_equal(o.downs, 1);
	assert_true(o.refused_at_down);
	assert_string_equal(o.why, "connect failed: Connection refused");
	assert_string_equal(o.c.last_error, o.why);
	loop_free(l);
}

/* CLIENT KILL, as Sentinel's promotion does: down (not refused), then an
 * immediate reconnect that comes up again. */
struct kill_ctx {
	struct obs victim, killer;
	long long id;
};

static void
killer_reply(void *arg, const redisReply *r, uintptr_t tag)
{
	(void)arg;
	(void)tag;
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_int_equal(r->integer, 1);
}

static void
victim_id(void *arg, const redisReply *r, uintptr_t tag)
{
	struct obs *o = arg;
	struct kill_ctx *k = (struct kill_ctx *)tag;

	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	k->id = r->integer;
	o->replies++;
	assert_int_equal(rconn_command(&k->killer.c, killer_reply, 0,
	    "CLIENT KILL ID %lld", k->id), 0);
}

static struct kill_ctx *kill_ctx;

static void
victim_up(struct obs *o)
{
	if (o->ups == 1)
		assert_int_equal(rconn_command(&o->c, victim_id,
		    (uintptr_t)kill_ctx, "CLIENT ID"), 0);
	else
		loop_stop(o->l);	/* the reconnect */
}

static void
test_client_kill(void **state)
{
	struct redis_srv *srv = *state;
	struct kill_ctx k;
	struct loop *l;

	SKIP_WITHOUT_SERVER(srv);
	l = loop_new();
	kill_ctx = &k;
	obs_open(&k.killer, l, srv->port);
	obs_open(&k.victim, l, srv->port);
	k.victim.on_up = victim_up;
	run(l);
	assert_int_equal(k.victim.downs, 1);
	assert_false(k.victim.refused_at_down);
	assert_string_equal(k.victim.why, "server closed the connection");
	assert_int_equal(k.victim.ups, 2);
	rconn_close(&k.victim.c);
	rconn_close(&k.killer.c);
	loop_free(l);
}

/* A request that is not answered in time drops the connection. */
static void
block_forever(struct obs *o)
{
	assert_int_equal(rconn_command(&o->c, obs_reply, 0,
	    "BLPOP vipd-test.nokey 5"), 0);
}

static void
test_deadline(void **state)
{
	struct redis_srv *srv = *state;
	struct loop *l;
	struct obs o;
	uint64_t t0;

	SKIP_WITHOUT_SERVER(srv);
	l = loop_new();
	obs_open(&o, l, srv->port);
	o.on_up = block_forever;
	o.stop_on_down = true;
	t0 = loop_now();
	run(l);
	assert_int_equal(o.downs, 1);
	assert_int_equal(o.replies, 0);
	assert_string_equal(o.why, "no answer within command-timeout");
	assert_true(loop_now() - t0 >= 300);
	loop_free(l);
}

/* Our own loop busy past the deadline is not the peer's silence: a PING
 * is queued, and in the turn that writes it another callback stalls the
 * loop for longer than command-timeout (300 ms), as a few hundred VIPs
 * deciding at once do. Whichever of the two the batch runs first, the
 * server's answer is in time: counted from the write, and read before the
 * deadline is judged. */
#define STALL_MS	500

struct stall {
	int fds[2];
	struct loop_io io;
	struct obs *o;
};
static struct stall stall;

static void
stall_cb(void *arg, uint32_t events)
{
	struct stall *st = arg;
	char b;

	(void)events;
	assert_int_equal(read(st->fds[0], &b, 1), 1);
	loop_io_del(st->o->l, &st->io);
	usleep(STALL_MS * 1000);
}

static void
ping_then_stall(struct obs *o)
{
	assert_int_equal(rconn_command(&o->c, obs_reply, 0, "PING"), 0);
	assert_int_equal(write(stall.fds[1], "x", 1), 1);
}

/* The same with 100 answers of 2000 bytes: more than one read's worth
 * (16 KiB) is waiting when the deadline is judged. */
static void
echo_100_then_stall(struct obs *o)
{
	static char big[2001];

	memset(big, 'x', sizeof(big) - 1);
	for (uintptr_t i = 0; i < 100; i++)
		assert_int_equal(rconn_command(&o->c, obs_reply, i, "ECHO %s",
		    big), 0);
	assert_int_equal(write(stall.fds[1], "x", 1), 1);
}

static void
busy_loop_case(void **state, void (*on_up)(struct obs *), int replies)
{
	struct redis_srv *srv = *state;
	struct loop *l;
	struct obs o;
	uint64_t t0;

	SKIP_WITHOUT_SERVER(srv);
	l = loop_new();
	memset(&stall, 0, sizeof(stall));
	assert_int_equal(pipe(stall.fds), 0);
	obs_open(&o, l, srv->port);
	stall.o = &o;
	assert_int_equal(loop_io_add(l, &stall.io, stall.fds[0], EPOLLIN,
	    stall_cb, &stall), 0);
	o.on_up = on_up;
	o.stop_after_replies = replies;
	t0 = loop_now();
	run(l);
	assert_true(loop_now() - t0 >= STALL_MS);
	assert_int_equal(o.replies, replies);
	assert_int_equal(o.downs, 0);
	rconn_close(&o.c);
	close(stall.fds[0]);
	close(stall.fds[1]);
	loop_free(l);
}

static void
test_busy_loop_is_no_timeout(void **state)
{
	busy_loop_case(state, ping_then_stall, 1);
}

static void
test_busy_loop_long_answer(void **state)
{
	busy_loop_case(state, echo_100_then_stall, 100);
}

/* A turn dispatches at most one batch of ready sockets (64): with more
 * ready before it, a subscriber's heartbeat may still be in our buffer
 * when its deadline is judged. From a timer (the idle connection is not
 * on epoll's ready list then), 70 pipes become readable and only then is
 * the SUBSCRIBE queued; each pipe's callback stalls 10 ms, so the first
 * batch alone outlasts command-timeout. Not yet sent is not late. */
#define BUSY_PIPES	70

static int busy_fds[BUSY_PIPES][2];
static struct loop_io busy_io[BUSY_PIPES];
static struct loop_timer busy_timer;

static void
busy_cb(void *arg, uint32_t events)
{
	struct loop_io *io = arg;
	char b;

	(void)events;
	assert_int_equal(read(io->fd, &b, 1), 1);
	usleep(10000);
}

static void
many_ready_then_subscribe(void *arg)
{
	struct obs *o = arg;
	const char *ch[1] = { "vipd-test.heartbeat" };

	for (int i = 0; i < BUSY_PIPES; i++)
		assert_int_equal(write(busy_fds[i][1], "x", 1), 1);
	assert_int_equal(rconn_subscribe(&o->c, 1, ch), 0);
	rconn_expect(&o->c);
}

static void
subscribe_later(struct obs *o)
{
	loop_timer_arm(o->l, &busy_timer, 50);
}

static void
test_busy_loop_unsent_heartbeat(void **state)
{
	struct redis_srv *srv = *state;
	struct loop *l;
	struct obs o;

	SKIP_WITHOUT_SERVER(srv);
	l = loop_new();
	obs_open(&o, l, srv->port);
	memset(busy_io, 0, sizeof(busy_io));
	for (int i = 0; i < BUSY_PIPES; i++) {
		assert_int_equal(pipe(busy_fds[i]), 0);
		assert_int_equal(loop_io_add(l, &busy_io[i], busy_fds[i][0],
		    EPOLLIN, busy_cb, &busy_io[i]), 0);
	}
	loop_timer_init(&busy_timer, many_ready_then_subscribe, &o);
	o.on_up = subscribe_later;
	o.answer_on_push = true;
	o.stop_on_push = true;
	run(l);
	assert_int_equal(o.pushes, 1);
	assert_int_equal(o.downs, 0);
	rconn_close(&o.c);
	for (int i = 0; i < BUSY_PIPES; i++) {
		loop_io_del(l, &busy_io[i]);
		close(busy_fds[i][0]);
		close(busy_fds[i][1]);
	}
	loop_free(l);
}

/* A pipeline longer than command-timeout whose answers keep coming: ten
 * BLPOPs that each wait 100 ms for nothing, one after the other on the
 * server, take a second in all with 300 ms allowed. The peer is never
 * silent for 300 ms, so it stays up. */
static void
slow_pipeline(struct obs *o)
{
	for (uintptr_t i = 0; i < 10; i++)
		assert_int_equal(rconn_command(&o->c, obs_reply, i,
		    "BLPOP vipd-test.nokey 0.1"), 0);
}

static void
test_pipeline_progress(void **state)
{
	struct redis_srv *srv = *state;
	struct loop *l;
	struct obs o;
	uint64_t t0;

	SKIP_WITHOUT_SERVER(srv);
	l = loop_new();
	obs_open(&o, l, srv->port);
	o.on_up = slow_pipeline;
	o.stop_after_replies = 10;
	o.stop_on_down = true;
	t0 = loop_now();
	run(l);
	assert_int_equal(o.downs, 0);
	assert_int_equal(o.replies, 10);
	assert_true(loop_now() - t0 >= 900);
	rconn_close(&o.c);
	loop_free(l);
}

/* SUBSCRIBE: confirmations and messages go to on_push. */
static struct obs *publisher;

static void
sub_up(struct obs *o)
{
	const char *ch[] = { "vipd-test.ch" };

	assert_int_equal(rconn_subscribe(&o->c, 1, ch), 0);
	/* a subscribed connection takes no ordinary command */
	assert_int_equal(rconn_command(&o->c, obs_reply, 0, "PING"),
	    -ENOTCONN);
}

static void
publish_when_subscribed(void *arg, const redisReply *r)
{
	struct obs *o = arg;

	obs_push(arg, r);
	if (o->pushes == 1)
		assert_int_equal(rconn_command(&publisher->c, obs_reply, 0,
		    "PUBLISH vipd-test.ch hello"), 0);
	else
		loop_stop(o->l);
}

static void
test_subscribe(void **state)
{
	struct redis_srv *srv = *state;
	struct obs sub, pub;
	struct loop *l;

	SKIP_WITHOUT_SERVER(srv);
	l = loop_new();
	obs_open(&pub, l, srv->port);
	obs_open(&sub, l, srv->port);
	publisher = &pub;
	sub.on_up = sub_up;
	sub.c.on_push = publish_when_subscribed;
	run(l);
	assert_int_equal(sub.pushes, 2);
	assert_string_equal(sub.last_str, "hello");
	assert_int_equal(pub.last_int, 1);
	rconn_close(&sub.c);
	rconn_close(&pub.c);
	loop_free(l);
}

static void
test_auth(void **state)
{
	struct redis_srv *srv = *state;
	struct loop *l;
	struct obs good, bad;

	SKIP_WITHOUT_SERVER(srv);
	l = loop_new();
	obs_open(&good, l, srv->port);
	rconn_set_auth(&good.c, NULL, "s3cret");
	good.stop_on_up = true;
	run(l);
	assert_int_equal(good.ups, 1);
	rconn_close(&good.c);
	obs_open(&bad, l, srv->port);
	rconn_set_auth(&bad.c, NULL, "wrong");
	bad.stop_on_down = true;
	run(l);
	assert_int_equal(bad.ups, 0);
	assert_non_null(strstr(bad.why, "authentication failed: WRONGPASS"));
	loop_free(l);
}

/* ---- against peers that misbehave ------------------------------------------- */

/* A listener on loopback that answers every connection with `script`
 * (sent once the first command arrives, or at once if `eager`) and, with
 * `reset`, aborts it instead (SO_LINGER 0: an RST). */
struct fake {
	struct loop *l;
	int lfd, cfd, port;
	struct loop_io lio, cio;
	const char *script;
	size_t len;
	bool eager, reset;
	int accepted;
};

static void
fake_client(void *arg, uint32_t events)
{
	struct fake *f = arg;
	char buf[512];

	(void)events;
	if (read(f->cfd, buf, sizeof(buf)) <= 0) {
		loop_io_del(f->l, &f->cio);
		close(f->cfd);
		f->cfd = -1;
		return;
	}
	if (f->script && write(f->cfd, f->script, f->len) < 0)
		fail_msg("fake: write: %s", strerror(errno));
	f->script = NULL;
}

static void
fake_accept(void *arg, uint32_t events)
{
	struct fake *f = arg;
	int fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);

	(void)events;
	if (fd < 0)
		return;
	f->accepted++;
	if (f->reset) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		return;
	}
	if (f->cfd >= 0) {
		close(fd);	/* one client at a time is enough here */
		return;
	}
	f->cfd = fd;
	memset(&f->cio, 0, sizeof(f->cio));
	assert_int_equal(loop_io_add(f->l, &f->cio, fd, EPOLLIN, fake_client,
	    f), 0);
	if (f->eager && f->script) {
		if (write(fd, f->script, f->len) < 0)
			fail_msg("fake: write: %s", strerror(errno));
		f->script = NULL;
	}
}

static void
fake_open(struct fake *f, struct loop *l, const char *script, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);

	memset(f, 0, sizeof(*f));
	f->l = l;
	f->cfd = -1;
	f->script = script;
	f->len = len;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sin, &sl), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	f->port = ntohs(sin.sin_port);
	assert_int_equal(loop_io_add(l, &f->lio, f->lfd, EPOLLIN, fake_accept,
	    f), 0);
}

static void
fake_close(struct fake *f)
{
	loop_io_del(f->l, &f->lio);
	close(f->lfd);
	if (f->cfd >= 0) {
		loop_io_del(f->l, &f->cio);
		close(f->cfd);
	}
}

static void
send_ping(struct obs *o)
{
	assert_int_equal(rconn_command(&o->c, obs_reply, 0, "PING"), 0);
}

/* `script` in answer to PING; the connection must go down saying `why`. */
static void
expect_drop(const char *script, size_t len, bool subscribe, bool eager,
    const char *why)
{
	struct loop *l = loop_new();
	struct fake f;
	struct obs o;

	fake_open(&f, l, script, len);
	f.eager = eager;
	obs_open(&o, l, f.port);
	/* A peer that speaks first is answered by no request of ours. */
	o.on_up = subscribe ? sub_up : eager ? NULL : send_ping;
	o.stop_on_down = true;
	run(l);
	assert_int_equal(o.downs, 1);
	if (!strstr(o.why, why))
		fail_msg("went down with \"%s\", wanted \"%s\"", o.why, why);
	fake_close(&f);
	loop_free(l);
}

#define S(lit)	lit, sizeof(lit) - 1

static void
test_unsolicited_reply(void **state)
{
	(void)state;
	/* Two replies to one PING: hiredis's async layer asserts on the
	 * second; here it costs the connection. */
	expect_drop(S("+PONG\r\n+OK\r\n"), false, false,
	    "unexpected reply with no request pending");
	/* A reply before anything was asked. */
	expect_drop(S(":1\r\n"), false, true,
	    "unexpected reply with no request pending");
}

static void
test_reply_cap(void **state)
{
	(void)state;
	/* 13 bytes announcing 2e9 elements: refused before allocation. */
	expect_drop(S("*2000000000\r\n"), false, false, REPLYCAP_TEXT);
	/* (A streamed 1 GiB bulk is tests/net/hostile.sh's.) */
}

static void
test_protocol_error(void **state)
{
	(void)state;
	expect_drop(S("garbage\r\n"), false, false, "Protocol error");
}

/* Whatever shape a subscribed connection receives goes to the owner,
 * which checks it (proto_parse_pubsub); rconn itself never chokes. */
static void
test_subscriber_shapes(void **state)
{
	static const struct { const char *s; size_t len; } shapes[] = {
		{ S("*0\r\n") },
		{ S("*1\r\n$7\r\nmessage\r\n") },
		{ S("*3\r\n:1\r\n:2\r\n:3\r\n") },
		{ S("+OK\r\n") },
		{ S(":7\r\n") },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct loop *l = loop_new();
		struct fake f;
		struct obs o;

		fake_open(&f, l, shapes[i].s, shapes[i].len);
		obs_open(&o, l, f.port);
		o.on_up = sub_up;
		o.stop_on_push = true;
		run(l);
		assert_int_equal(o.pushes, 1);
		rconn_close(&o.c);
		fake_close(&f);
		loop_free(l);
	}
}

/* A reset before the first reply: the server's listening socket was there
 * while it died. That is "nothing listens", as a refused connect is. */
static void
test_reset_is_refused(void **state)
{
	struct loop *l = loop_new();
	struct fake f;
	struct obs o;

	(void)state;
	fake_open(&f, l, NULL, 0);
	f.reset = true;
	obs_open(&o, l, f.port);
	o.on_up = send_ping;
	o.stop_on_down = true;
	run(l);
	assert_int_equal(o.downs, 1);
	assert_true(o.refused_at_down);
	fake_close(&f);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_unsolicited_reply),
		cmocka_unit_test(test_reply_cap),
		cmocka_unit_test(test_protocol_error),
		cmocka_unit_test(test_subscriber_shapes),
		cmocka_unit_test(test_reset_is_refused),
		cmocka_unit_test_setup_teardown(test_pipeline_in_order,
		    srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_client_kill, srv_setup,
		    srv_teardown),
		cmocka_unit_test_setup_teardown(test_deadline, srv_setup,
		    srv_teardown),
		cmocka_unit_test_setup_teardown(test_busy_loop_is_no_timeout,
		    srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_busy_loop_long_answer,
		    srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_busy_loop_unsent_heartbeat,
		    srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_progress,
		    srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_subscribe, srv_setup,
		    srv_teardown),
		cmocka_unit_test_setup_teardown(test_auth, srv_setup_auth,
		    srv_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("rconn", tests, NULL, NULL);
}
