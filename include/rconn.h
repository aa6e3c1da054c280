/*
 * rconn: one managed hiredis async connection: connect with a deadline,
 * request deadlines, reconnect with backoff, and a clear "up" / "down"
 * story for its owner.
 *
 * hiredis 0.14 has no timeouts (reference B.4): the owner calls
 * rconn_expect() when it sends a request it needs answered and
 * rconn_answered() when the answer comes; if no answer comes within the
 * timeout, or connect takes longer, rconn frees the context itself and
 * reports down. The first reconnect after a drop is immediate (Sentinel's
 * promotion and demotion kill client connections: a drop is a hint, not a
 * failure), then 100, 200, 400, 800 ms, then every second.
 *
 * With a password, AUTH ([user] password) is the first command on every
 * connection and the owner hears "up" only once it succeeded: a subscriber
 * must not SUBSCRIBE before AUTH is answered (reference B.3-8).
 *
 * Reply callbacks get the owner as privdata and must ignore replies from a
 * context that is no longer current: `if (!reply || !rconn_current(c, ac))`.
 */
#ifndef VIPD_RCONN_H
#define VIPD_RCONN_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/async.h>

#include "loop.h"
#include "netaddr.h"

struct rconn {
	struct loop *loop;
	char label[96];			/* for log lines */
	char ip[INET6_ADDRSTRLEN];
	uint16_t port;
	unsigned int timeout;		/* ms */
	const char *user;		/* borrowed from the config; NULL = none */
	const char *password;		/* NULL = no AUTH */
	void (*on_up)(void *arg);
	/* since: when the peer was last known to answer (ms monotonic) */
	void (*on_down)(void *arg, uint64_t since, const char *why);
	void *arg;

	redisAsyncContext *ac;		/* NULL while disconnected */
	bool connected;
	bool refused;			/* the last connect was refused */
	uint64_t waiting_since;		/* 0 = nothing outstanding */
	unsigned int failures;
	struct loop_timer watchdog;
	struct loop_timer reconnect;
};

void rconn_init(struct rconn *c, struct loop *l, const struct hostport *hp,
    unsigned int timeout, const char *label, void (*on_up)(void *),
    void (*on_down)(void *, uint64_t, const char *), void *arg);
/* Authenticate every connection (user may be NULL; password NULL = off). */
void rconn_set_auth(struct rconn *c, const char *user, const char *password);
void rconn_start(struct rconn *c);	/* connect from the next loop turn */
void rconn_close(struct rconn *c);		/* no callbacks after this */
/* Connection dropped on purpose (e.g. a malformed reply): reports down. */
void rconn_drop(struct rconn *c, const char *why);
void rconn_expect(struct rconn *c);
void rconn_answered(struct rconn *c);
/* A successful exchange: resets the reconnect backoff. */
void rconn_ok(struct rconn *c);

static inline bool
rconn_current(const struct rconn *c, const redisAsyncContext *ac)
{
	return c->ac != NULL && c->ac == ac;
}

static inline bool
rconn_up(const struct rconn *c)
{
	return c->ac != NULL && c->connected;
}

#endif
