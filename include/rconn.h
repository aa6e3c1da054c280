/*
 * rconn: one managed connection to a Redis server or a Sentinel.
 *
 * It runs a non-blocking hiredis redisContext from the event loop and uses
 * hiredis only for what hiredis does well: formatting commands, parsing
 * RESP (with the reply cap of replycap.h) and, on hiredis 1.x, TLS. The
 * socket, the connect, the reply dispatch and every deadline are ours:
 * hiredis's async layer asserts on replies it does not expect (an
 * unsolicited reply on a command connection, a pub/sub message of an odd
 * shape), which would let any peer on a Redis or Sentinel port abort the
 * daemon. Here anything unexpected costs that one connection.
 *
 * Life cycle: rconn_start() connects from the next loop turn (resolving a
 * DNS name through the resolver first), authenticates when a password is
 * set (AUTH [user] password, before anything else: a subscriber must not
 * SUBSCRIBE before AUTH is answered) and then calls on_up. Whenever the
 * connection is lost, on_down(since, why) runs once and a reconnect is
 * scheduled: the first one at once (Sentinel's promotion and demotion kill
 * client connections on purpose: a drop is a hint, not a failure), then
 * after 100, 200, 400, 800 ms, then every second.
 *
 * Requests: rconn_command() queues a command and its callback; replies come
 * back in order, each to its own callback, and are valid only inside it.
 * A request unanswered for `timeout` ms drops the connection ("no answer
 * within command-timeout"). A reply that arrives with nothing pending is a
 * protocol violation and drops the connection, except after
 * rconn_subscribe(), when every reply goes to on_push (the owner checks its
 * shape and calls rconn_drop() if it is wrong); a subscriber's own
 * deadlines use rconn_expect()/rconn_answered().
 *
 * Refused: a connect refused (or reset before the first reply of a new
 * connection: the server's listening socket was still there while it died)
 * means nothing is listening; `refused` is set for on_down to read. A
 * connection closed after it answered (CLIENT KILL) is not refused.
 *
 * Callbacks may call any rconn function on their own connection, including
 * rconn_close() and rconn_drop(); nothing is delivered after those.
 */
#ifndef VIPD_RCONN_H
#define VIPD_RCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "loop.h"
#include "netaddr.h"
#include "replycap.h"

struct resolver;
struct tls_ctx;
struct tls_conn;

/* What a connection is doing, for status displays. */
enum rconn_state {
	RCONN_IDLE = 0,		/* not started */
	RCONN_RESOLVING,	/* waiting for a DNS answer */
	RCONN_CONNECTING,	/* TCP (and TLS) connect in progress */
	RCONN_AUTHENTICATING,
	RCONN_UP,
	RCONN_DOWN,		/* waiting to reconnect; see last_error */
};

typedef void (*rconn_reply_cb)(void *arg, const redisReply *reply,
    uintptr_t tag);

struct rconn_request {
	rconn_reply_cb cb;
	uintptr_t tag;
	uint64_t sent;			/* ms monotonic */
};

struct rconn {
	struct loop *loop;
	char label[300];		/* for log lines */
	struct hostport target;
	struct resolver *resolver;	/* NULL: IP literals only */
	struct tls_ctx *tls;		/* NULL: plain text */
	unsigned int timeout;		/* ms */
	const char *user;		/* borrowed; NULL = none */
	const char *password;		/* borrowed; NULL = no AUTH */
	void (*on_up)(void *arg);
	/* since: when the peer was last known to answer (ms monotonic) */
	void (*on_down)(void *arg, uint64_t since, const char *why);
	/* every reply after rconn_subscribe(); NULL: such replies drop */
	void (*on_push)(void *arg, const redisReply *reply);
	void *arg;

	enum rconn_state state;
	redisContext *ctx;		/* NULL while not connected */
	struct tls_conn *tlsc;		/* TLS on ctx (NULL: plain text) */
	int fd;				/* -1 when closed */
	struct loop_io io;
	struct replycap cap;
	struct netaddr addr;		/* the address connected to */
	unsigned int addr_next;		/* next address of a name to try */
	bool subscribed;
	bool answered_once;		/* this connection sent a reply */
	bool refused;			/* nothing listens (see above) */
	unsigned int epoch;		/* bumped when the connection ends */

	struct rconn_request *reqs;	/* ring of pending requests */
	size_t req_head, req_count, req_cap;
	uint64_t expect_since;		/* rconn_expect(), 0 = none */

	unsigned int failures;
	char last_error[160];		/* why it last went down, "" if never */
	struct loop_timer watchdog;
	struct loop_timer reconnect;
	struct loop_defer flusher;	/* writes what this turn queued */
};

void rconn_init(struct rconn *c, struct loop *l, const struct hostport *target,
    unsigned int timeout, const char *label, void (*on_up)(void *),
    void (*on_down)(void *, uint64_t, const char *), void *arg);
/* Settings; they apply from the next connect (timeout: at once). */
void rconn_set_auth(struct rconn *c, const char *user, const char *password);
void rconn_set_resolver(struct rconn *c, struct resolver *r);
void rconn_set_tls(struct rconn *c, struct tls_ctx *tls);
void rconn_set_timeout(struct rconn *c, unsigned int timeout);

void rconn_start(struct rconn *c);	/* connect from the next loop turn */
void rconn_close(struct rconn *c);	/* no callbacks after this */
/* Drop the connection on purpose (e.g. a malformed reply): reports down. */
void rconn_drop(struct rconn *c, const char *why);

/* Queue a command (printf-like, hiredis's format). 0, or -ENOTCONN when
 * the connection is not up, -ENOMEM. */
int rconn_command(struct rconn *c, rconn_reply_cb cb, uintptr_t tag,
    const char *fmt, ...);
int rconn_command_argv(struct rconn *c, rconn_reply_cb cb, uintptr_t tag,
    int argc, const char **argv);
/* SUBSCRIBE to `argc` channels and hand every reply from now on to
 * on_push. 0 or -errno. */
int rconn_subscribe(struct rconn *c, int argc, const char *const *channels);

/* A subscriber's own deadline: expect an answer within the timeout. */
void rconn_expect(struct rconn *c);
void rconn_answered(struct rconn *c);
/* A successful exchange: resets the reconnect backoff. */
void rconn_ok(struct rconn *c);

static inline bool
rconn_up(const struct rconn *c)
{
	return c->state == RCONN_UP;
}

static inline size_t
rconn_pending(const struct rconn *c)
{
	return c->req_count;
}

const char *rconn_state_name(enum rconn_state s);

#endif
