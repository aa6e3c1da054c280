/* rconn: a managed connection on a non-blocking redisContext (see rconn.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/read.h>

#include "log.h"
#include "rconn.h"
#include "resolve.h"
#include "tls.h"

#define RECONNECT_MAX	1000	/* ms */
#define RESOLVE_POLL	50	/* ms between looks at a pending lookup */

static void rconn_connect(void *arg);
static void session(struct rconn *c);
static void handshake(struct rconn *c);
static void tls_failed(struct rconn *c, int r, const char *why);

const char *
rconn_state_name(enum rconn_state s)
{
	switch (s) {
	case RCONN_RESOLVING:
		return "resolving";
	case RCONN_CONNECTING:
		return "connecting";
	case RCONN_AUTHENTICATING:
		return "authenticating";
	case RCONN_UP:
		return "up";
	case RCONN_DOWN:
		return "down";
	case RCONN_IDLE:
		break;
	}
	return "idle";
}

static unsigned int
backoff(unsigned int failures)
{
	if (failures == 0)
		return 0;
	if (failures > 4)
		return RECONNECT_MAX;
	return 100u << (failures - 1);
}

/* ---- deadlines ---------------------------------------------------------- */

/* Since when we have been waiting for the peer: the oldest request on
 * the wire (or the subscriber's expected answer), 0 for none. A request
 * still in our output buffer is not waited for yet (see flush()). */
static uint64_t
oldest_wait(const struct rconn *c)
{
	uint64_t t = c->expect_since;

	if (c->req_count) {
		uint64_t s = c->reqs[c->req_head].sent;

		if (s && (!t || s < t))
			t = s;
	}
	return t;
}

static void
rearm_watchdog(struct rconn *c)
{
	uint64_t t;

	if (c->state == RCONN_CONNECTING)
		return;		/* armed once when the connect began */
	t = oldest_wait(c);
	if (t)
		loop_timer_arm_at(c->loop, &c->watchdog, t + c->timeout);
	else
		loop_timer_cancel(c->loop, &c->watchdog);
}

/* ---- tearing down ---------------------------------------------------------- */

static void
close_socket(struct rconn *c)
{
	loop_io_del(c->loop, &c->io);
	loop_defer_cancel(c->loop, &c->flusher);
	if (c->ctx) {
		redisFree(c->ctx);	/* closes the fd */
		c->ctx = NULL;
	} else if (c->fd >= 0) {
		close(c->fd);
	}
	c->fd = -1;
	c->tlsc = NULL;		/* freed with the context */
	c->req_count = 0;
	c->req_head = 0;
	c->expect_since = 0;
	c->subscribed = false;
	c->answered_once = false;
	c->epoch++;
	loop_timer_cancel(c->loop, &c->watchdog);
}

/* Forget the connection, tell the owner, schedule the reconnect. */
static void
rconn_down(struct rconn *c, const char *why)
{
	uint64_t since = oldest_wait(c);

	if (!since)
		since = loop_now();
	/* A name with several addresses: the next attempt tries the next. */
	if (c->state == RCONN_CONNECTING)
		c->addr_next++;
	/* Look the name up again in the background: the reconnect uses what
	 * is known now (a DNS outage must not cut a peer that did not move),
	 * the next one what the lookup finds (a peer that did move). */
	if (c->target.name[0] && c->resolver)
		resolver_refresh(c->resolver, c->target.name);
	close_socket(c);
	c->state = RCONN_DOWN;
	/* The first loss after a good exchange is news; the reconnect
	 * attempts that follow it, once a second, are not. */
	(c->failures == 0 ? log_info : log_debug)("%s: down: %s", c->label,
	    why);
	snprintf(c->last_error, sizeof(c->last_error), "%s", why);
	loop_timer_arm(c->loop, &c->reconnect, backoff(c->failures));
	c->failures++;
	c->on_down(c->arg, since, why);
}

static void on_readable(struct rconn *c);
static void connect_done(struct rconn *c);
static bool flush(struct rconn *c);

/* Has the peer answered while our own loop was busy? A timer that fires
 * after a long turn (many VIPs deciding at once) runs before the turn that
 * would read the socket, and a turn reads one buffer's worth: what has
 * already arrived is read first, so the deadline measures the peer, not
 * us. True when it did answer in time (the connection may have gone down
 * meanwhile: then c->epoch moved). At most DRAIN_READS reads, the reply
 * cap's worth of data. */
#define DRAIN_READS	64

static bool
answered_meanwhile(struct rconn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN | POLLOUT };
	unsigned int epoch = c->epoch;
	uint64_t t;

	if (c->fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	if (c->state == RCONN_CONNECTING) {
		/* With TLS the connect is not done before the handshake,
		 * which this deadline bounds as it stands. */
		if (c->tls || !(p.revents & (POLLOUT | POLLERR | POLLHUP)))
			return false;
		connect_done(c);
		return true;
	}
	for (int i = 0; i < DRAIN_READS && c->ctx &&
	    (p.revents & (POLLIN | POLLERR | POLLHUP)); i++) {
		on_readable(c);
		if (c->epoch != epoch)
			return true;
		t = oldest_wait(c);
		if (!t || loop_now() < t + c->timeout)
			return true;
		if (poll(&p, 1, 0) <= 0)
			p.revents = 0;
	}
	/* Still in our buffer (the write waits for the end of the turn, or
	 * for EPOLLOUT, and a turn handles at most one batch of ready
	 * sockets): what the peer has not been sent cannot be late. It goes
	 * now, its deadline from now. */
	if (c->ctx && c->ctx->obuf && sdslen(c->ctx->obuf) > 0 &&
	    (p.revents & POLLOUT)) {
		if (!flush(c) || c->epoch != epoch)
			return true;
		t = oldest_wait(c);
		return !t || loop_now() < t + c->timeout;
	}
	return false;
}

static void
rconn_watchdog(void *arg)
{
	struct rconn *c = arg;
	char why[200];

	if (answered_meanwhile(c))
		return;
	if (c->state == RCONN_CONNECTING && c->tlsc) {
		tls_explain_timeout(c->tlsc, why, sizeof(why));
		rconn_down(c, why);
		return;
	}
	rconn_down(c, c->state == RCONN_CONNECTING ? "connect timed out" :
	    "no answer within command-timeout");
}

/* ---- writing ------------------------------------------------------------------ */

static void
update_events(struct rconn *c)
{
	uint32_t ev = EPOLLIN;
	int r;

	if (c->ctx && c->ctx->obuf && sdslen(c->ctx->obuf) > 0)
		ev |= EPOLLOUT;
	if (ev == c->io.events)
		return;
	r = loop_io_mod(c->loop, &c->io, ev);
	if (r < 0)
		log_warn("%s: epoll: %s", c->label, strerror(-r));
}

/* The requests queued since the last write go on the wire now: their
 * command-timeout counts from here. A loop turn that runs long (many VIPs
 * deciding at once) delays the write, and the peer cannot answer what it
 * has not been sent. The same holds for the subscriber's heartbeat, the
 * only thing written on a subscribed link. */
static void
stamp_sent(struct rconn *c)
{
	uint64_t now = loop_now();
	size_t i = c->req_count;

	while (i > 0) {
		struct rconn_request *r =
		    &c->reqs[(c->req_head + i - 1) % c->req_cap];

		if (r->sent)
			break;
		r->sent = now;
		i--;
	}
	if (c->expect_since && c->subscribed)
		c->expect_since = now;
	rearm_watchdog(c);
}

static void
deferred_flush(void *arg)
{
	struct rconn *c = arg;

	if (c->ctx)
		flush(c);
}

/* Write what can be written now; false when the connection went away. */
static bool
flush(struct rconn *c)
{
	int done = 0;

	if (c->ctx->obuf && sdslen(c->ctx->obuf) > 0)
		stamp_sent(c);
	if (redisBufferWrite(c->ctx, &done) != REDIS_OK) {
		char why[160];

		snprintf(why, sizeof(why), "write failed: %s", c->ctx->errstr);
		rconn_down(c, why);
		return false;
	}
	update_events(c);
	return true;
}

static int
push_request(struct rconn *c, rconn_reply_cb cb, uintptr_t tag)
{
	struct rconn_request *r;

	if (c->req_count == c->req_cap) {
		size_t cap = c->req_cap ? c->req_cap * 2 : 8;
		struct rconn_request *n = malloc(cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < c->req_count; i++)
			n[i] = c->reqs[(c->req_head + i) % c->req_cap];
		free(c->reqs);
		c->reqs = n;
		c->req_cap = cap;
		c->req_head = 0;
	}
	r = &c->reqs[(c->req_head + c->req_count) % c->req_cap];
	r->cb = cb;
	r->tag = tag;
	r->sent = 0;			/* not on the wire yet: flush() */
	c->req_count++;
	if (c->req_count == 1)
		rearm_watchdog(c);
	return 0;
}

/* The command is in the output buffer: track it and send it. */
static int
queued(struct rconn *c, rconn_reply_cb cb, uintptr_t tag)
{
	int r = push_request(c, cb, tag);

	if (r < 0) {
		rconn_drop(c, "out of memory");
		return r;
	}
	/* Written at the end of this loop turn: commands queued in one turn
	 * (a poll of many masters) leave in one write, and without asking
	 * epoll whether the socket can take them (it nearly always can; if
	 * not, flush() waits for EPOLLOUT). */
	loop_defer(c->loop, &c->flusher);
	return 0;
}

static int
command_argv(struct rconn *c, rconn_reply_cb cb, uintptr_t tag, int argc,
    const char **argv)
{
	if (!c->ctx || c->subscribed)
		return -ENOTCONN;
	if (redisAppendCommandArgv(c->ctx, argc, argv, NULL) != REDIS_OK)
		return -ENOMEM;
	return queued(c, cb, tag);
}

int
rconn_command(struct rconn *c, rconn_reply_cb cb, uintptr_t tag,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	if (c->state != RCONN_UP || c->subscribed)
		return -ENOTCONN;
	va_start(ap, fmt);
	r = redisvAppendCommand(c->ctx, fmt, ap);
	va_end(ap);
	if (r != REDIS_OK)
		return -ENOMEM;
	return queued(c, cb, tag);
}

int
rconn_command_argv(struct rconn *c, rconn_reply_cb cb, uintptr_t tag,
    int argc, const char **argv)
{
	if (c->state != RCONN_UP)
		return -ENOTCONN;
	return command_argv(c, cb, tag, argc, argv);
}

int
rconn_subscribe(struct rconn *c, int argc, const char *const *channels)
{
	const char *argv[64];

	if (c->state != RCONN_UP || c->req_count || !c->on_push)
		return -ENOTCONN;
	if (argc < 1 || argc >= (int)(sizeof(argv) / sizeof(argv[0])))
		return -EINVAL;
	argv[0] = "SUBSCRIBE";
	memcpy(argv + 1, channels, (size_t)argc * sizeof(*argv));
	if (redisAppendCommandArgv(c->ctx, argc + 1, argv, NULL) != REDIS_OK)
		return -ENOMEM;
	c->subscribed = true;
	loop_defer(c->loop, &c->flusher);
	return 0;
}

/* ---- reading -------------------------------------------------------------------- */

static void
rconn_up_now(struct rconn *c)
{
	c->state = RCONN_UP;
	c->on_up(c->arg);
}

static void
auth_cb(void *arg, const redisReply *reply, uintptr_t tag)
{
	struct rconn *c = (struct rconn *)tag;
	char why[400];

	(void)arg;
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "authentication failed: %.*s",
		    (int)(reply->len < 120 ? reply->len : 120), reply->str);
		log_warn("%s: %s", c->label, why);
		rconn_down(c, why);
		return;
	}
	log_debug("%s: authenticated", c->label);
	rconn_up_now(c);
}

/* A reply came: the next request in a pipeline is waited for from now
 * on, not from when the whole pipeline was written. A Sentinel asked
 * about a thousand masters in one write answers them one by one, busy
 * with its own work between its reads: what command-timeout bounds is
 * how long the peer may stay silent while we wait, not the length of a
 * pipeline (at 1,000 masters the whole answer took longer than 200 ms,
 * every Sentinel was dropped as silent, and every reconnect asked again).
 * A peer that stops answering still goes down one command-timeout after
 * its last reply, and on_down's `since` is that reply. */
static void
pipeline_progress(struct rconn *c)
{
	struct rconn_request *next = &c->reqs[c->req_head];
	uint64_t now;

	if (!c->req_count || !next->sent)
		return;
	now = loop_now();
	if (next->sent < now)
		next->sent = now;
}

/* One reply: to the oldest request, or to on_push once subscribed. */
static void
dispatch(struct rconn *c, const redisReply *reply)
{
	struct rconn_request r;

	c->answered_once = true;
	if (c->req_count) {
		r = c->reqs[c->req_head];
		c->req_head = (c->req_head + 1) % c->req_cap;
		c->req_count--;
		pipeline_progress(c);
		rearm_watchdog(c);
		/* (AUTH's callback is ours, with the connection as tag.) */
		r.cb(c->arg, reply, r.tag);
		return;
	}
	if (c->subscribed) {
		c->on_push(c->arg, reply);
		return;
	}
	rconn_drop(c, "unexpected reply with no request pending");
}

/* Why the read failed, and whether it means "nothing listens". */
static void
read_failed(struct rconn *c, int err)
{
	char why[160];

	if (c->tlsc) {
		/* An alert (a refused client certificate arrives with TLS 1.3
		 * on the first read) says more than hiredis's I/O error. */
		tls_explain(c->tlsc, c->ctx, why, sizeof(why));
		if (!c->answered_once && err == ECONNRESET)
			c->refused = true;
	} else if (c->ctx->err == REDIS_ERR_EOF) {
		snprintf(why, sizeof(why), "%s", "server closed the connection");
	} else {
		snprintf(why, sizeof(why), "%s", c->ctx->errstr);
		/* A reset before the first reply of a new connection: the
		 * handshake reached a listening socket whose server was
		 * dying (a crash right after a drop). That is a server gone,
		 * not a blip to ride out. */
		if (!c->answered_once && err == ECONNRESET)
			c->refused = true;
	}
	rconn_down(c, why);
}

/* Read once and dispatch every complete reply. */
static void
on_readable(struct rconn *c)
{
	redisContext *ctx = c->ctx;
	unsigned int epoch = c->epoch;
	void *reply;

	if (replycap_over(ctx->reader)) {
		rconn_drop(c, REPLYCAP_TEXT);
		return;
	}
	errno = 0;
	if (redisBufferRead(ctx) != REDIS_OK) {
		read_failed(c, errno);
		return;
	}
	for (;;) {
		if (redisGetReplyFromReader(ctx, &reply) != REDIS_OK) {
			char why[160];

			snprintf(why, sizeof(why), "%s",
			    replycap_exceeded(&c->cap) ? REPLYCAP_TEXT :
			    ctx->errstr);
			rconn_down(c, why);
			return;
		}
		if (!reply)
			break;
		dispatch(c, reply);
		freeReplyObject(reply);
		if (c->epoch != epoch)
			return;		/* closed or dropped by a callback */
	}
	/* TLS may have wanted this read before it could write. */
	update_events(c);
}

/* ---- connecting ------------------------------------------------------------------- */

static void
start_session(struct rconn *c)
{
	const char *argv[3] = { "AUTH" };
	int argc = 1;

	if (!c->password) {
		rconn_up_now(c);
		return;
	}
	c->state = RCONN_AUTHENTICATING;
	if (c->user)
		argv[argc++] = c->user;
	argv[argc++] = c->password;
	if (command_argv(c, auth_cb, (uintptr_t)c, argc, argv) < 0 &&
	    c->state == RCONN_AUTHENTICATING)
		rconn_drop(c, "cannot queue AUTH");
}

static void
keepalive(int fd)
{
	int on = 1, idle = 15, intvl = 5, cnt = 3;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* The TCP connect finished (writable, or an error/hangup). */
static void
connect_done(struct rconn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	char why[400];

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		c->refused = err == ECONNREFUSED || err == ECONNRESET;
		snprintf(why, sizeof(why), "connect failed: %s", strerror(err));
		rconn_down(c, why);
		return;
	}
	c->ctx = redisConnectFd(c->fd);
	if (!c->ctx || c->ctx->err) {
		rconn_down(c, "out of memory");
		return;
	}
	/* redisConnectFd() assumes a blocking socket; ours is not. */
	c->ctx->flags &= ~REDIS_BLOCK;
	replycap_attach(&c->cap, c->ctx->reader);
	keepalive(c->fd);
	c->refused = false;
	if (c->tls) {
		char host[NETADDR_NAME_MAX];
		int r;

		/* The certificate is checked against the name configured
		 * (or tls-server-name), else the address connected to. */
		if (c->target.name[0])
			snprintf(host, sizeof(host), "%s", c->target.name);
		else
			netaddr_fmt(&c->addr, host, sizeof(host));
		r = tls_start(c->tls, c->ctx, host, &c->tlsc, why, sizeof(why));
		if (r < 0) {
			tls_failed(c, r, why);
			return;
		}
		handshake(c);	/* the connect timeout bounds it */
		return;
	}
	session(c);
}

/* TCP (and TLS) is up: AUTH if configured, then up. */
static void
session(struct rconn *c)
{
	loop_timer_cancel(c->loop, &c->watchdog);
	c->state = RCONN_AUTHENTICATING;	/* not RCONN_CONNECTING: */
	update_events(c);			/* the watchdog follows requests */
	log_debug("%s: connected%s", c->label, c->tlsc ? " (TLS)" : "");
	start_session(c);
}

static void
tls_failed(struct rconn *c, int r, const char *why)
{
	char msg[420];

	/* A transport error keeps its errno: a server that refuses or
	 * resets is gone, as in plain text. */
	c->refused = r == -ECONNREFUSED || r == -ECONNRESET;
	snprintf(msg, sizeof(msg), "TLS: %s", why);
	rconn_down(c, msg);
}

/* One step of the TLS handshake, when the socket is ready as it asked. */
static void
handshake(struct rconn *c)
{
	char why[300];
	int r = tls_handshake(c->tlsc, why, sizeof(why));

	if (r == TLS_DONE) {
		session(c);
	} else if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
		uint32_t ev = r == TLS_WANT_READ ? EPOLLIN : EPOLLOUT;

		if (ev != c->io.events && (r = loop_io_mod(c->loop, &c->io,
		    ev)) < 0) {
			snprintf(why, sizeof(why), "epoll: %s", strerror(-r));
			rconn_down(c, why);
		}
	} else {
		tls_failed(c, r, why);
	}
}

static void
rconn_on_io(void *arg, uint32_t events)
{
	struct rconn *c = arg;
	unsigned int epoch = c->epoch;

	if (c->state == RCONN_CONNECTING) {
		if (c->tlsc)
			handshake(c);
		else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			connect_done(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		on_readable(c);
		if (c->epoch != epoch)
			return;
	}
	if ((events & EPOLLOUT) && c->ctx)
		flush(c);
}

/* The address to connect to, or false (and the connection down or
 * waiting for the resolver). */
static bool
pick_address(struct rconn *c)
{
	const struct resolve_result *res;
	char why[400];

	if (c->target.addr.family) {
		c->addr = c->target.addr;
		return true;
	}
	if (!c->resolver) {
		rconn_down(c, "host names need the resolver");
		return false;
	}
	res = resolver_get(c->resolver, c->target.name);
	if (res->state == RESOLVE_PENDING) {
		c->state = RCONN_RESOLVING;
		loop_timer_arm(c->loop, &c->reconnect, RESOLVE_POLL);
		return false;
	}
	if (res->n == 0) {
		snprintf(why, sizeof(why), "cannot resolve %s: %s",
		    c->target.name, res->error);
		rconn_down(c, why);
		return false;
	}
	/* A failed refresh keeps the last good answer: a DNS outage must
	 * not cut a peer whose address has not changed. */
	c->addr = res->addrs[c->addr_next % res->n];
	return true;
}

static void
rconn_connect(void *arg)
{
	struct rconn *c = arg;
	struct sockaddr_storage ss;
	socklen_t sl;
	char why[400];
	int r;

	if (c->fd >= 0 || !pick_address(c))
		return;
	memset(&ss, 0, sizeof(ss));
	if (c->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(c->target.port);
		sin->sin_addr = c->addr.u.v4;
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(c->target.port);
		sin6->sin6_addr = c->addr.u.v6;
		sl = sizeof(*sin6);
	}
	c->fd = socket(c->addr.family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_TCP);
	if (c->fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		rconn_down(c, why);
		return;
	}
	r = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &r, sizeof(r));
	c->state = RCONN_CONNECTING;
	c->refused = false;
	if (connect(c->fd, (struct sockaddr *)&ss, sl) < 0 &&
	    errno != EINPROGRESS) {
		c->refused = errno == ECONNREFUSED;
		snprintf(why, sizeof(why), "connect failed: %s",
		    strerror(errno));
		rconn_down(c, why);
		return;
	}
	memset(&c->io, 0, sizeof(c->io));
	r = loop_io_add(c->loop, &c->io, c->fd, EPOLLOUT, rconn_on_io, c);
	if (r < 0) {
		snprintf(why, sizeof(why), "epoll: %s", strerror(-r));
		rconn_down(c, why);
		return;
	}
	loop_timer_arm(c->loop, &c->watchdog, c->timeout);
}

/* ---- the owner's side ------------------------------------------------------------ */

void
rconn_init(struct rconn *c, struct loop *l, const struct hostport *target,
    unsigned int timeout, const char *label, void (*on_up)(void *),
    void (*on_down)(void *, uint64_t, const char *), void *arg)
{
	memset(c, 0, sizeof(*c));
	c->loop = l;
	c->fd = -1;
	snprintf(c->label, sizeof(c->label), "%s", label);
	c->target = *target;
	c->timeout = timeout;
	c->on_up = on_up;
	c->on_down = on_down;
	c->arg = arg;
	loop_timer_init(&c->watchdog, rconn_watchdog, c);
	loop_timer_init(&c->reconnect, rconn_connect, c);
	loop_defer_init(&c->flusher, deferred_flush, c);
}

void
rconn_set_auth(struct rconn *c, const char *user, const char *password)
{
	c->user = user;
	c->password = password;
}

void
rconn_set_resolver(struct rconn *c, struct resolver *r)
{
	c->resolver = r;
}

void
rconn_set_tls(struct rconn *c, struct tls_ctx *tls)
{
	c->tls = tls;
}

void
rconn_set_timeout(struct rconn *c, unsigned int timeout)
{
	if (c->timeout == timeout)
		return;
	c->timeout = timeout;
	rearm_watchdog(c);
}

void
rconn_start(struct rconn *c)
{
	/* From the loop, not from here: a connect that fails at once reports
	 * down, and the owner may still be under construction. */
	if (c->fd < 0 && c->state != RCONN_RESOLVING) {
		if (c->target.name[0] && c->resolver)
			resolver_refresh(c->resolver, c->target.name);
		loop_timer_arm(c->loop, &c->reconnect, 0);
	}
}

void
rconn_close(struct rconn *c)
{
	close_socket(c);
	loop_timer_cancel(c->loop, &c->reconnect);
	c->state = RCONN_IDLE;
	free(c->reqs);
	c->reqs = NULL;
	c->req_cap = 0;
}

void
rconn_drop(struct rconn *c, const char *why)
{
	if (c->fd >= 0)
		rconn_down(c, why);
}

void
rconn_expect(struct rconn *c)
{
	if (c->expect_since)
		return;		/* the oldest outstanding request counts */
	c->expect_since = loop_now();
	rearm_watchdog(c);
}

void
rconn_answered(struct rconn *c)
{
	c->expect_since = 0;
	rearm_watchdog(c);
}

void
rconn_ok(struct rconn *c)
{
	c->failures = 0;
}
