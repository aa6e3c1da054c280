/* rconn: a managed hiredis async connection (see rconn.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "rconn.h"
#include "redis_loop.h"

#define RECONNECT_MAX	1000	/* ms */

static void rconn_connect(void *arg);

static unsigned int
backoff(unsigned int failures)
{
	if (failures == 0)
		return 0;
	if (failures > 4)
		return RECONNECT_MAX;
	return 100u << (failures - 1);
}

/* Forget the context and tell the owner. `ac` is freed by us when
 * `free_it`, otherwise hiredis is already freeing it. */
static void
rconn_down(struct rconn *c, bool free_it, const char *why)
{
	redisAsyncContext *ac = c->ac;
	uint64_t since = c->waiting_since ? c->waiting_since : loop_now();

	c->ac = NULL;
	c->connected = false;
	c->waiting_since = 0;
	loop_timer_cancel(c->loop, &c->watchdog);
	if (ac) {
		ac->data = NULL;	/* late callbacks find no owner */
		if (free_it)
			redisAsyncFree(ac);
	}
	/* The first loss after a good exchange is news; the reconnect
	 * attempts that follow it, once a second, are not. */
	(c->failures == 0 ? log_info : log_debug)("%s: down: %s", c->label,
	    why);
	loop_timer_arm(c->loop, &c->reconnect, backoff(c->failures));
	c->failures++;
	c->on_down(c->arg, since, why);
}

static void
rconn_watchdog(void *arg)
{
	struct rconn *c = arg;

	rconn_down(c, true, c->connected ? "no answer within command-timeout" :
	    "connect timed out");
}

static void
rconn_auth_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	struct rconn *c = privdata;
	redisReply *reply = r;
	char why[200];

	if (!reply || !rconn_current(c, ac))
		return;
	rconn_answered(c);
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "authentication failed: %.*s",
		    (int)(reply->len < 120 ? reply->len : 120), reply->str);
		log_warn("%s: %s", c->label, why);
		rconn_down(c, true, why);
		return;
	}
	log_debug("%s: authenticated", c->label);
	c->on_up(c->arg);
}

/* AUTH first; the owner hears "up" when it is accepted. */
static void
rconn_auth(struct rconn *c)
{
	const char *argv[3] = { "AUTH" };
	int argc = 1;

	if (c->user)
		argv[argc++] = c->user;
	argv[argc++] = c->password;
	if (redisAsyncCommandArgv(c->ac, rconn_auth_cb, c, argc, argv,
	    NULL) != REDIS_OK) {
		rconn_down(c, true, "cannot queue AUTH");
		return;
	}
	rconn_expect(c);
}

static void
rconn_on_connect(const redisAsyncContext *cac, int status)
{
	struct rconn *c = cac->data;
	char why[160];

	if (!c || cac != c->ac)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context after a failed connect; ac->err is
		 * not set yet inside this callback (reference B.3-1). */
		snprintf(why, sizeof(why), "connect failed: %s", cac->c.errstr);
		/* hiredis 0.14 keeps only strerror()'s text, not errno. */
		c->refused = strcmp(cac->c.errstr, strerror(ECONNREFUSED)) == 0;
		rconn_down(c, false, why);
		return;
	}
	c->connected = true;
	c->refused = false;
	loop_timer_cancel(c->loop, &c->watchdog);
	redisEnableKeepAlive((redisContext *)&cac->c);
	log_debug("%s: connected", c->label);
	if (c->password)
		rconn_auth(c);
	else
		c->on_up(c->arg);
}

static void
rconn_on_disconnect(const redisAsyncContext *cac, int status)
{
	struct rconn *c = cac->data;
	char why[160];

	(void)status;
	if (!c || cac != c->ac)
		return;
	/* hiredis frees the context when this returns (reference B.3-4). */
	snprintf(why, sizeof(why), "%s", cac->errstr ? cac->errstr :
	    "connection closed");
	rconn_down(c, false, why);
}

static void
rconn_connect(void *arg)
{
	struct rconn *c = arg;
	redisAsyncContext *ac;
	char why[160];

	if (c->ac)
		return;
	ac = redisAsyncConnect(c->ip, c->port);
	if (!ac || ac->err || redis_loop_attach(c->loop, ac) < 0) {
		snprintf(why, sizeof(why), "connect failed: %s",
		    ac && ac->err ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		rconn_down(c, false, why);
		return;
	}
	ac->data = c;
	c->ac = ac;
	c->connected = false;
	/* The adapter is attached first: setting the connect callback arms
	 * the write watch that detects the connection (reference B.3-2). */
	redisAsyncSetConnectCallback(ac, rconn_on_connect);
	redisAsyncSetDisconnectCallback(ac, rconn_on_disconnect);
	loop_timer_arm(c->loop, &c->watchdog, c->timeout);
}

void
rconn_init(struct rconn *c, struct loop *l, const struct hostport *hp,
    unsigned int timeout, const char *label, void (*on_up)(void *),
    void (*on_down)(void *, uint64_t, const char *), void *arg)
{
	memset(c, 0, sizeof(*c));
	c->loop = l;
	snprintf(c->label, sizeof(c->label), "%s", label);
	netaddr_fmt(&hp->addr, c->ip, sizeof(c->ip));
	c->port = hp->port;
	c->timeout = timeout;
	c->on_up = on_up;
	c->on_down = on_down;
	c->arg = arg;
	loop_timer_init(&c->watchdog, rconn_watchdog, c);
	loop_timer_init(&c->reconnect, rconn_connect, c);
}

void
rconn_set_auth(struct rconn *c, const char *user, const char *password)
{
	c->user = user;
	c->password = password;
}

void
rconn_start(struct rconn *c)
{
	/* From the loop, not from here: a connect that fails at once reports
	 * down, and the owner may still be under construction. */
	if (!c->ac)
		loop_timer_arm(c->loop, &c->reconnect, 0);
}

void
rconn_close(struct rconn *c)
{
	redisAsyncContext *ac = c->ac;

	loop_timer_cancel(c->loop, &c->watchdog);
	loop_timer_cancel(c->loop, &c->reconnect);
	c->ac = NULL;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
}

void
rconn_drop(struct rconn *c, const char *why)
{
	if (c->ac)
		rconn_down(c, true, why);
}

void
rconn_expect(struct rconn *c)
{
	if (c->waiting_since)
		return;		/* the oldest outstanding request counts */
	c->waiting_since = loop_now();
	loop_timer_arm(c->loop, &c->watchdog, c->timeout);
}

void
rconn_answered(struct rconn *c)
{
	c->waiting_since = 0;
	loop_timer_cancel(c->loop, &c->watchdog);
}

void
rconn_ok(struct rconn *c)
{
	c->failures = 0;
}
