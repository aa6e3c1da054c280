/*
 * fake_rconn: rconn.h without sockets, for the tests of the real node.c
 * and sentinel.c (test_node.c, test_sentinel.c), on the virtual clock of
 * fake_loop.h. The test plays the peer.
 *
 * What it keeps of rconn.h's contract, because the watchers rely on it:
 *  - rconn_start() connects from the next loop turn: the connection is
 *    then "connecting" until the test accepts it (fake_rconn_accept(),
 *    which answers AUTH first when a password is set, as a peer that
 *    takes it) or refuses it (fake_rconn_refuse()).
 *  - Commands are queued only while the connection is up (not on a
 *    subscribed one), recorded as their words joined by single spaces,
 *    and answered in order by fake_rconn_reply(); a reply with nothing
 *    pending goes to on_push once subscribed, else drops the connection.
 *  - A request (or an rconn_expect()) unanswered for the timeout drops
 *    the connection with "no answer within command-timeout".
 *  - A lost connection calls on_down once with the time of the oldest
 *    unanswered request (or now), forgets what was pending and schedules
 *    a reconnect: at once after a good exchange (rconn_ok), else after a
 *    second. Nothing is delivered after rconn_close() or rconn_drop().
 * Backoff steps, DNS names and TLS are rconn.c's own business and tested
 * in test_rconn.c; here they are not modelled.
 */
#ifndef VIPD_TEST_FAKE_RCONN_H
#define VIPD_TEST_FAKE_RCONN_H

#include <stdbool.h>
#include <stddef.h>

#include "fake_loop.h"
#include "rconn.h"

struct watch_env;

void fake_rconn_reset(void);
/* cmocka set-up and tear-down, with a struct watch_env as the state
 * (cmocka_unit_test_prestate_setup_teardown). Before a test: the loop,
 * the log and the connections reset, the watch_env empty on the fake
 * loop. After it: everything still watched freed (watch_close), which
 * must leave no connection open. */
int fake_watch_setup(void **state);
int fake_watch_teardown(void **state);
/* The last user of everything in `w` has just left: nothing is closed in
 * this loop turn, every connection is at the next, and no timer of what
 * was freed fires afterwards (a use after free under valgrind or ASan). */
void fake_watch_freed_next_turn(struct watch_env *w);

/* The live (initialised, not closed) connection with this label, e.g.
 * "redis 192.0.2.11:6379", "sentinel 192.0.2.21:26379 (events)": the test
 * fails if there is none. Two live ones with the same label are a test
 * bug. */
struct rconn *fake_rconn(const char *label);
/* The live connection behind a const pointer a module hands out. */
struct rconn *fake_rconn_live(const struct rconn *c);
size_t fake_rconns(void);			/* live connections */
extern unsigned int fake_rconn_closes;		/* rconn_close() calls */

/* The peer accepts the connect in progress (AUTH answered +OK first when
 * a password is set): up, on_up runs. */
void fake_rconn_accept(struct rconn *c);
/* The next loop turn (which starts the connect rconn_start() asked for)
 * and fake_rconn_accept(): what the owner sent at once, as
 * fake_rconn_take() gives it. */
const char *fake_rconn_connect(struct rconn *c);
/* Nothing listens: the connect is refused (`refused` set for on_down). */
void fake_rconn_refuse(struct rconn *c);
/* The connection is lost (the peer closed it, a reset ...). */
void fake_rconn_lose(struct rconn *c, const char *why);
unsigned int fake_rconn_connects(const struct rconn *c); /* attempts */

/* How many commands were sent since the connection was initialised, each
 * as its words: "ROLE", "SENTINEL get-master-addr-by-name mymaster",
 * "SUBSCRIBE a b". */
size_t fake_rconn_sent(const struct rconn *c);
/* How many of them are exactly `cmd`. */
size_t fake_rconn_sent_count(const struct rconn *c, const char *cmd);
/* The commands sent since the last call (or the start), joined by " | "
 * ("" if none): what reached the peer since the test last looked. */
const char *fake_rconn_take(struct rconn *c);
/* The oldest command waiting for its reply, NULL if none. */
const char *fake_rconn_next(const struct rconn *c);

/* The peer sends one reply, RESP text ("+OK\r\n", "-NOAUTH ...\r\n",
 * fake_resp_bulks(...)). */
void fake_rconn_reply(struct rconn *c, const char *resp);

/* "192.0.2.11:6379" as a struct hostport (a test's own typo fails it). */
struct hostport fake_hostport(const char *s);

/* RESP text of an array of bulk strings, the fields separated by '|':
 * fake_resp_bulks("192.0.2.12|6379"). The result lives until the
 * eighth call after this one. */
const char *fake_resp_bulks(const char *fields);

#endif
