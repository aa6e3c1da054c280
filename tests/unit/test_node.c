/*
 * node.c as its users see it: one connection per data node whoever asks,
 * ROLE on connect and at the shortest interval anyone asks for, INFO only
 * while someone wants it, what an error, a silence or a dropped
 * connection makes of the node's state, and a connection that outlives a
 * reload. The real node.c and watch.c run on the fake rconn of
 * fake_rconn.h (the test answers as the data node would) and the virtual
 * clock of fake_loop.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fake_rconn.h"
#include "node.h"

#define ADDR		"192.0.2.11:6379"
#define LABEL		"redis " ADDR
#define REPLID		"1111111111111111111111111111111111111111"
#define RUN_ID		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

#define NOAUTH		"-NOAUTH Authentication required.\r\n"
#define ROLE_MASTER	"*3\r\n$6\r\nmaster\r\n:100\r\n*0\r\n"
#define ROLE_REPLICA	"*5\r\n$5\r\nslave\r\n$10\r\n192.0.2.12\r\n" \
			":6379\r\n$9\r\nconnected\r\n:100\r\n"

static struct watch_env w;

/* One VIP (or peer watch) using the node. */
struct user {
	struct node_user u;
	unsigned int changed;		/* its `changed` callback ran */
	bool detach_when_told;		/* ... and detaches from it */
};

static void
on_changed(void *arg)
{
	struct user *x = arg;

	x->changed++;
	if (x->detach_when_told)
		node_detach(&x->u);
}

static struct node *
attach_as(struct user *x, const char *addr, const char *password,
    unsigned int interval)
{
	struct hostport h = fake_hostport(addr);
	struct watch_creds cr = { .password = password };

	x->u.changed = on_changed;
	x->u.arg = x;
	x->u.interval = interval;
	if (!x->u.timeout)
		x->u.timeout = 200;
	return node_attach(&w, &h, &cr, &x->u);
}

static struct node *
attach(struct user *x, unsigned int interval)
{
	return attach_as(x, ADDR, NULL, interval);
}

static struct rconn *
conn(void)
{
	return fake_rconn(LABEL);
}

/* Attached, connected, and the node said master. */
static void
watched(struct user *x, unsigned int interval)
{
	attach(x, interval);
	assert_string_equal(fake_rconn_connect(conn()), "ROLE");
	fake_rconn_reply(conn(), ROLE_MASTER);
}

static const char *
bulk(const char *text)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "$%zu\r\n%s\r\n", strlen(text), text);
	return buf;
}

static const struct node_state *
state(const struct user *x)
{
	return node_state(x->u.node);
}

/* ---- polling ----------------------------------------------------------- */

/* ms from now to the next multiple of `iv` on the clock: when a node
 * polled every `iv` asks next. */
static uint64_t
to_tick(unsigned int iv)
{
	uint64_t now = loop_now();

	return (now / iv + 1) * iv - now;
}

/* Nothing is asked until `ms` from now, then ROLE, which gets `reply`. */
static void
asks_in(uint64_t ms, const char *reply)
{
	if (ms > 1) {
		fake_advance(ms - 1);
		assert_string_equal(fake_rconn_take(conn()), "");
		ms = 1;
	}
	fake_advance(ms);
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
	if (reply)
		fake_rconn_reply(conn(), reply);
}

static void
test_role_on_connect_then_every_interval(void **unused)
{
	struct user a = { 0 }, b = { 0 };

	(void)unused;
	attach(&a, 1000);
	attach(&b, 300);
	assert_int_equal(fake_rconn_connects(conn()), 0);
	assert_string_equal(fake_rconn_connect(conn()), "ROLE");
	fake_rconn_reply(conn(), ROLE_MASTER);
	assert_int_equal(state(&a)->role, NODE_ROLE_MASTER);
	assert_true(state(&a)->reachable);

	/* the shortest interval anyone asks for, at its next multiple on the
	 * clock (so that nodes with one interval poll in the same turn):
	 * never more than an interval after the answer */
	assert_true(to_tick(300) <= 300);
	asks_in(to_tick(300), ROLE_MASTER);
	asks_in(300, NULL);
	fake_advance(10);		/* answered late: the grid stays */
	fake_rconn_reply(conn(), ROLE_MASTER);

	/* the user who asked for 300 ms leaves: the round already planned
	 * happens, the next ones at the 1000 ms the other asks for */
	node_detach(&b.u);
	asks_in(290, ROLE_MASTER);
	asks_in(to_tick(1000), ROLE_MASTER);
	asks_in(1000, ROLE_MASTER);

	/* a newcomer in a hurry does not wait for the slow round */
	attach(&b, 100);
	fake_advance(100);
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
}

/* Nodes polled at one interval ask in the same turn, whenever each
 * answered: their answers then come back together. */
static void
test_nodes_with_one_interval_poll_together(void **unused)
{
	struct user a = { 0 }, b = { 0 };
	struct rconn *c2;

	(void)unused;
	watched(&a, 1000);
	fake_advance(to_tick(1000) / 2);
	attach_as(&b, "192.0.2.12:6379", NULL, 1000);
	c2 = fake_rconn("redis 192.0.2.12:6379");
	assert_string_equal(fake_rconn_connect(c2), "ROLE");
	fake_rconn_reply(c2, ROLE_MASTER);
	fake_advance(to_tick(1000));
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
	assert_string_equal(fake_rconn_take(c2), "ROLE");
}

static void
test_no_new_role_while_one_is_unanswered(void **unused)
{
	struct user a = { 0 };

	(void)unused;
	a.u.timeout = 5000;
	attach(&a, 100);
	assert_string_equal(fake_rconn_connect(conn()), "ROLE");
	fake_advance(1000);	/* slow, but within command-timeout */
	assert_string_equal(fake_rconn_take(conn()), "");
	node_poke(a.u.node);
	assert_string_equal(fake_rconn_take(conn()), "");
	fake_rconn_reply(conn(), ROLE_MASTER);
	fake_advance(100);
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
}

static void
test_info_replication_only_while_someone_wants_it(void **unused)
{
	struct user a = { 0 }, b = { 0 };
	const char *info = "# Replication\r\nrole:master\r\n"
	    "connected_slaves:1\r\n"
	    "slave0:ip=192.0.2.12,port=6379,state=online,offset=1,lag=0\r\n"
	    "master_replid:" REPLID "\r\n"
	    "master_replid2:0000000000000000000000000000000000000000\r\n";

	(void)unused;
	watched(&a, 1000);
	assert_false(state(&a)->have_repl);

	/* someone wants the replication history: asked at once */
	b.u.want_repl = true;
	attach(&b, 1000);
	assert_string_equal(fake_rconn_take(conn()),
	    "ROLE | INFO replication");
	fake_rconn_reply(conn(), ROLE_MASTER);
	a.changed = b.changed = 0;
	fake_rconn_reply(conn(), bulk(info));
	assert_true(state(&a)->have_repl);
	assert_string_equal(state(&a)->repl.replid, REPLID);
	assert_int_equal(state(&a)->repl.n_replicas, 1);
	assert_int_equal(a.changed, 1);
	assert_int_equal(b.changed, 1);

	fake_advance(1000);
	assert_string_equal(fake_rconn_take(conn()),
	    "ROLE | INFO replication");
	fake_rconn_reply(conn(), ROLE_MASTER);
	fake_rconn_reply(conn(), bulk(info));
	assert_int_equal(a.changed, 1);		/* nothing new */

	/* ... and no longer once nobody does */
	node_detach(&b.u);
	fake_advance(1000);
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
}

static void
test_run_id_only_when_wanted(void **unused)
{
	struct user a = { 0 }, b = { 0 };

	(void)unused;
	attach(&a, 1000);
	assert_string_equal(fake_rconn_connect(conn()), "ROLE");
	fake_rconn_reply(conn(), ROLE_REPLICA);
	b.u.want_run_id = true;
	attach(&b, 1000);
	fake_advance(1000);
	assert_string_equal(fake_rconn_take(conn()), "ROLE | INFO server");
	fake_rconn_reply(conn(), ROLE_REPLICA);
	fake_rconn_reply(conn(), bulk("# Server\r\nredis_version:7.0.15\r\n"
	    "run_id:" RUN_ID "\r\ntcp_port:6379\r\n"));
	assert_string_equal(state(&a)->run_id, RUN_ID);
	/* seen as a replica with it: a later master with the same run id is
	 * the same process promoted, not a restart */
	assert_string_equal(state(&a)->replica_run_id, RUN_ID);

	node_detach(&b.u);
	fake_advance(1000);
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
}

static void
test_role_change_tells_every_user(void **unused)
{
	struct user a = { 0 }, b = { 0 };

	(void)unused;
	attach(&a, 1000);
	attach(&b, 1000);
	fake_rconn_connect(conn());
	fake_rconn_reply(conn(), ROLE_MASTER);
	assert_int_equal(a.changed, 1);
	assert_int_equal(b.changed, 1);

	fake_advance(1000);
	fake_rconn_reply(conn(), ROLE_MASTER);
	assert_int_equal(a.changed, 1);		/* the same: no news */
	assert_int_equal(b.changed, 1);

	fake_advance(1000);
	fake_rconn_reply(conn(), ROLE_REPLICA);
	assert_int_equal(state(&a)->role, NODE_ROLE_REPLICA);
	assert_int_equal(a.changed, 2);
	assert_int_equal(b.changed, 2);
}

static void
test_user_may_leave_from_its_own_callback(void **unused)
{
	struct user a = { 0 }, b = { 0 };

	(void)unused;
	attach(&a, 1000);
	attach(&b, 1000);
	b.detach_when_told = true;	/* a peer watch that expires */
	fake_rconn_connect(conn());
	fake_rconn_reply(conn(), ROLE_MASTER);
	assert_int_equal(a.changed, 1);
	assert_int_equal(b.changed, 1);
	assert_null(b.u.node);
	fake_advance(1000);
	fake_rconn_reply(conn(), ROLE_REPLICA);
	assert_int_equal(a.changed, 2);
	assert_int_equal(b.changed, 1);
}

/* ---- failures ---------------------------------------------------------- */

static void
test_error_reply_is_unreachable_and_logged_once(void **unused)
{
	struct user a = { 0 };
	uint64_t first;

	(void)unused;
	watched(&a, 1000);
	assert_true(state(&a)->reachable);

	fake_advance(1000);
	first = loop_now();
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
	fake_rconn_reply(conn(), NOAUTH);
	assert_false(state(&a)->reachable);
	assert_false(state(&a)->refused);
	assert_int_equal(state(&a)->unreachable_since, first);
	assert_string_equal(state(&a)->error,
	    "ROLE answered: NOAUTH Authentication required.");
	assert_int_equal(a.changed, 2);
	assert_log(1, "warning: " LABEL ": ROLE answered: NOAUTH", NULL);

	/* the same again: news to the debug log only, counted */
	for (int i = 0; i < 2; i++) {
		fake_advance(1000);
		assert_string_equal(fake_rconn_take(conn()), "ROLE");
		fake_rconn_reply(conn(), NOAUTH);
	}
	assert_log(1, "warning: " LABEL ": ROLE answered: NOAUTH", NULL);
	assert_log(1, "debug: ", "NOAUTH Authentication required. "
	    "(again, 1 times)");
	assert_log(1, "debug: ", "NOAUTH Authentication required. "
	    "(again, 2 times)");
	assert_int_equal(state(&a)->unreachable_since, first);
	assert_int_equal(a.changed, 2);

	/* another error is news */
	fake_advance(1000);
	fake_rconn_reply(conn(), "-LOADING Redis is loading the dataset in "
	    "memory\r\n");
	assert_string_equal(state(&a)->error, "ROLE answered: LOADING Redis "
	    "is loading the dataset in memory");
	assert_log(1, "warning: " LABEL ": ROLE answered: LOADING", NULL);

	/* a good answer clears it */
	fake_advance(1000);
	fake_rconn_reply(conn(), ROLE_MASTER);
	assert_true(state(&a)->reachable);
	assert_string_equal(state(&a)->error, "");
	assert_int_equal(a.changed, 3);
	/* ... and the connection stayed: an error is an answer */
	assert_int_equal(fake_rconn_connects(conn()), 1);
}

/* An ACL that refuses INFO while ROLE works: logged once, not at every
 * poll; the node stays reachable, with no error to show. */
static void
test_refused_info_is_logged_once(void **unused)
{
	struct user a = { 0 };
	const char *noperm = "-NOPERM this user has no permissions to run "
	    "the 'info' command\r\n";

	(void)unused;
	a.u.want_repl = true;
	a.u.want_run_id = true;
	attach(&a, 1000);
	for (int i = 0; i < 3; i++) {
		if (i == 0) {
			assert_string_equal(fake_rconn_connect(conn()),
			    "ROLE | INFO replication | INFO server");
		} else {
			fake_advance(1000);
			assert_string_equal(fake_rconn_take(conn()),
			    "ROLE | INFO replication | INFO server");
		}
		fake_rconn_reply(conn(), ROLE_MASTER);
		fake_rconn_reply(conn(), noperm);
		fake_rconn_reply(conn(), noperm);
	}
	assert_log(1, "warning: " LABEL ": INFO replication answered: NOPERM",
	    NULL);
	assert_log(1, "warning: " LABEL ": INFO server answered: NOPERM", NULL);
	assert_true(state(&a)->reachable);
	assert_string_equal(state(&a)->error, "");
	assert_false(state(&a)->have_repl);
}

static void
test_silence_is_unreachable_since_the_request(void **unused)
{
	struct user a = { 0 };
	uint64_t asked;

	(void)unused;
	watched(&a, 1000);

	fake_advance(1000);
	asked = loop_now();
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
	fake_advance(199);
	assert_true(state(&a)->reachable);
	fake_advance(1);	/* command-timeout */
	assert_false(state(&a)->reachable);
	assert_false(state(&a)->refused);
	assert_int_equal(state(&a)->unreachable_since, asked);
	assert_string_equal(state(&a)->error,
	    "no answer within command-timeout");
	assert_int_equal(a.changed, 2);

	/* a drop is a hint: the reconnect is immediate, ROLE goes first */
	fake_advance(0);
	fake_rconn_accept(conn());
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
	fake_rconn_reply(conn(), ROLE_REPLICA);
	assert_true(state(&a)->reachable);
	assert_int_equal(state(&a)->role, NODE_ROLE_REPLICA);
	assert_string_equal(state(&a)->error, "");
}

static void
test_dropped_connection_with_nothing_pending(void **unused)
{
	struct user a = { 0 };
	uint64_t lost;

	(void)unused;
	watched(&a, 1000);
	fake_advance(500);
	lost = loop_now();
	fake_rconn_lose(conn(), "server closed the connection");
	assert_false(state(&a)->reachable);
	assert_int_equal(state(&a)->unreachable_since, lost);
	assert_string_equal(state(&a)->error, "server closed the connection");

	/* nothing listens any more: a crash, not a blip */
	fake_advance(0);
	fake_rconn_refuse(conn());
	assert_true(state(&a)->refused);
	/* still unreachable since the first loss */
	assert_int_equal(state(&a)->unreachable_since, lost);
	assert_int_equal(a.changed, 3);
}

static void
test_malformed_answer_costs_the_connection(void **unused)
{
	struct user a = { 0 };

	(void)unused;
	attach(&a, 1000);
	fake_rconn_connect(conn());
	fake_rconn_reply(conn(), ":1\r\n");
	assert_false(state(&a)->reachable);
	assert_string_equal(state(&a)->error, "malformed ROLE reply");
	assert_int_equal(conn()->state, RCONN_DOWN);
}

static void
test_poke_reads_role_at_once(void **unused)
{
	struct user a = { 0 };

	(void)unused;
	watched(&a, 1000);
	fake_advance(10);
	node_poke(a.u.node);
	assert_string_equal(fake_rconn_take(conn()), "ROLE");
	fake_rconn_reply(conn(), ROLE_REPLICA);
	assert_int_equal(state(&a)->role, NODE_ROLE_REPLICA);

	/* down and backing off: a poke reconnects now */
	fake_rconn_lose(conn(), "server closed the connection");
	fake_advance(0);
	fake_rconn_refuse(conn());
	fake_advance(10);
	assert_int_equal(fake_rconn_connects(conn()), 2);
	node_poke(a.u.node);
	fake_advance(0);
	assert_int_equal(fake_rconn_connects(conn()), 3);
}

/* ---- sharing ----------------------------------------------------------- */

static void
test_users_share_one_connection_per_node_and_credentials(void **unused)
{
	struct user a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, e = { 0 };
	struct node *n;

	(void)unused;
	n = attach(&a, 1000);
	assert_non_null(n);
	assert_ptr_equal(attach(&b, 500), n);
	assert_int_equal(fake_rconns(), 1);

	/* another password is another connection, which AUTHs with it */
	assert_ptr_not_equal(attach_as(&c, ADDR, "s3cret", 1000), n);
	assert_ptr_equal(attach_as(&d, ADDR, "s3cret", 1000), c.u.node);
	assert_ptr_not_equal(attach_as(&e, ADDR, "other", 1000), c.u.node);
	assert_int_equal(fake_rconns(), 3);
	fake_advance(0);
	fake_rconn_accept(fake_rconn_live(node_conn(c.u.node)));
	assert_string_equal(fake_rconn_take(fake_rconn_live(
	    node_conn(c.u.node))), "AUTH s3cret | ROLE");
	fake_rconn_accept(fake_rconn_live(node_conn(n)));
	assert_string_equal(fake_rconn_take(fake_rconn_live(node_conn(n))),
	    "ROLE");
}

static void
test_credentials_are_the_nodes_own_copy(void **unused)
{
	struct user a = { 0 };
	char password[] = "s3cret";

	(void)unused;
	attach_as(&a, ADDR, password, 1000);
	/* the configuration that lent them is freed by a reload */
	memset(password, 'x', sizeof(password) - 1);
	fake_advance(0);
	fake_rconn_accept(fake_rconn_live(node_conn(a.u.node)));
	assert_string_equal(fake_rconn_take(fake_rconn_live(
	    node_conn(a.u.node))), "AUTH s3cret | ROLE");
}

static void
test_last_user_leaving_frees_it_from_the_next_turn(void **unused)
{
	struct user a = { 0 }, b = { 0 };
	struct node *n;

	(void)unused;
	watched(&a, 1000);
	n = a.u.node;

	/* a reload: the old VIP lets go, the new one attaches in the same
	 * loop turn and finds the connection as it was */
	node_detach(&a.u);
	assert_ptr_equal(attach(&b, 1000), n);
	fake_advance(0);
	assert_int_equal(fake_rconn_closes, 0);
	assert_int_equal(fake_rconn_connects(conn()), 1);
	assert_int_equal(conn()->state, RCONN_UP);
	assert_true(state(&b)->reachable);

	/* nobody attaches again: gone at the next turn, nothing left */
	node_detach(&b.u);
	fake_watch_freed_next_turn(&w);
}

#define T(f) cmocka_unit_test_prestate_setup_teardown(f, fake_watch_setup, \
    fake_watch_teardown, &w)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_role_on_connect_then_every_interval),
		T(test_nodes_with_one_interval_poll_together),
		T(test_no_new_role_while_one_is_unanswered),
		T(test_info_replication_only_while_someone_wants_it),
		T(test_run_id_only_when_wanted),
		T(test_role_change_tells_every_user),
		T(test_user_may_leave_from_its_own_callback),
		T(test_error_reply_is_unreachable_and_logged_once),
		T(test_refused_info_is_logged_once),
		T(test_silence_is_unreachable_since_the_request),
		T(test_dropped_connection_with_nothing_pending),
		T(test_malformed_answer_costs_the_connection),
		T(test_poke_reads_role_at_once),
		T(test_users_share_one_connection_per_node_and_credentials),
		T(test_credentials_are_the_nodes_own_copy),
		T(test_last_user_leaving_frees_it_from_the_next_turn),
	};

	return cmocka_run_group_tests_name("node", tests, NULL, NULL);
}
