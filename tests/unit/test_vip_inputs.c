/*
 * What vip.c and vip_inputs.c make of their inputs: the intervals follow
 * what the Sentinels report and reach every watcher; the other data nodes
 * are watched while rule 3 needs them, and a node promoted out of our
 * stream makes us let go; `vipctl status` gets the whole picture. On the
 * fakes of vip_fakes.h (see test_vip.c for the state changes themselves).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "peers.h"
#include "timing.h"
#include "vip_fixture.h"

static const struct fx_opts NOARP = { .noarp = true };

static int
teardown(void **state)
{
	(void)state;
	fx_teardown();
	return 0;
}

static void
assert_node_user(const char *hostport, unsigned int interval,
    unsigned int timeout)
{
	struct node *n = fake_node(hostport);
	const struct node_user *u;

	assert_non_null(n);
	assert_int_equal(fake_node_users(n), 1);
	u = fake_node_user(n, 0);
	assert_int_equal(u->interval, interval);
	assert_int_equal(u->timeout, timeout);
}

static void
assert_sentinel_users(unsigned int poll, unsigned int timeout)
{
	for (size_t i = 0; i < FX_N; i++) {
		const struct sentinel_user *u = fake_sentinel_user(
		    fx_sentinel(i), FX_MASTER, 0);

		assert_non_null(u);
		assert_int_equal(u->poll_interval, poll);
		assert_int_equal(u->timeout, timeout);
	}
}

/* The local node lists these replicas in INFO replication. */
static void
replicas(const char *a, const char *b)
{
	struct node_state *st = fake_node_state(fx_local());

	st->repl.n_replicas = 0;
	if (a)
		assert_int_equal(hostport_parse(a,
		    &st->repl.replicas[st->repl.n_replicas++]), 0);
	if (b)
		assert_int_equal(hostport_parse(b,
		    &st->repl.replicas[st->repl.n_replicas++]), 0);
}

/* ---- timing ------------------------------------------------------------ */

static void
test_timing_follows_the_sentinels(void **state)
{
	unsigned int changes;
	struct vip_status st;

	(void)state;
	fx_start(&NOARP);
	/* nothing reported yet: auto assumes down-after 1000 */
	assert_node_user(FX_US, 200, 200);
	assert_sentinel_users(200, 200);
	replicas(FX_OTHER, NULL);
	fx_claim();
	assert_node_user(FX_OTHER, 200, 200);	/* a peer */
	assert_log(0, "vip mymaster: timing:", NULL);
	changes = fake_node_user_changes(fx_local());

	fx_params(0, 5000);
	assert_log(1, "timing: role-check-interval 1000, sentinel-poll-interval "
	    "1000, command-timeout 500, redis-down-after 500, "
	    "no-quorum-hold-down 2000 ms (down-after-milliseconds 5000 from 1 "
	    "sentinel)", NULL);
	assert_node_user(FX_US, 1000, 500);
	assert_true(fake_node_user_changes(fx_local()) > changes);
	assert_sentinel_users(1000, 500);
	assert_node_user(FX_OTHER, 1000, 500);
	assert_true(fake_node_user_changes(fake_node(FX_OTHER)) > 0);

	fx_params(1, 5000);
	assert_log(1, "vip mymaster: timing:", "(down-after-milliseconds 5000 "
	    "from 2 sentinels)");
	/* Sentinels that disagree: the smallest down-after rules */
	fx_params(2, 1000);
	assert_log(1, "timing: role-check-interval 200, sentinel-poll-interval "
	    "200, command-timeout 200, redis-down-after 500, "
	    "no-quorum-hold-down 300 ms (down-after-milliseconds 1000 from 3 "
	    "sentinels)", NULL);
	assert_node_user(FX_US, 200, 200);
	assert_sentinel_users(200, 200);
	assert_node_user(FX_OTHER, 200, 200);

	fx_status(&st);
	assert_int_equal(st.timing.down_after, 1000);
	assert_int_equal(st.timing.reporting, 3);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(st.timing.source[i], TIMING_AUTO);
	assert_string_equal(st.timing.warning, "");
	assert_int_equal(st.sentinels[0].down_after, 5000);
	assert_int_equal(st.sentinels[2].down_after, 1000);
	assert_log(0, "warning:", NULL);
}

static void
test_timing_warning_once_and_in_status(void **state)
{
	struct vip_status st;

	(void)state;
	fx_start(&(struct fx_opts){ .noarp = true,
	    .extra = "no-quorum-hold-down = 3000" });
	fx_claim();
	assert_log(0, "warning:", NULL);	/* no bound before a report */

	fx_params(0, 1000);
	assert_log(1, "warning: vip mymaster: sentinel-poll-interval 200 + "
	    "command-timeout 200 + no-quorum-hold-down 3000 = 3400 ms exceeds "
	    "70% of down-after-milliseconds 1000 (700 ms)", NULL);
	fx_params(1, 1000);
	fx_params(2, 1000);
	fx_views("uuu");
	fx_node(NODE_ROLE_MASTER);
	assert_log(1, "warning:", "exceeds");
	fx_status(&st);
	assert_non_null(strstr(st.timing.warning, "no-quorum-hold-down 3000 = "
	    "3400 ms exceeds 70% of down-after-milliseconds 1000"));
	assert_int_equal(st.timing.source[4], TIMING_CONFIGURED);
	assert_int_equal(st.timing.no_quorum_hold_down, 3000);

	/* a down-after the value fits: the warning goes from status */
	for (size_t i = 0; i < FX_N; i++)
		fx_params(i, 10000);
	fx_status(&st);
	assert_string_equal(st.timing.warning, "");
	assert_log(1, "warning:", "exceeds");
}

/* ---- peers ------------------------------------------------------------- */

static void
test_peers_while_master(void **state)
{
	const struct node_user *u;

	(void)state;
	fx_start(&NOARP);
	replicas(FX_OTHER, NULL);
	fx_node(NODE_ROLE_REPLICA);
	fx_views("uut");
	/* a replica watches nobody else */
	assert_null(fake_node(FX_OTHER));
	assert_null(fake_node(FX_THIRD));

	fx_node(NODE_ROLE_MASTER);
	assert_true(fx_holds());
	/* its replica, and the node a Sentinel names */
	assert_int_equal(fake_node_users(fake_node(FX_OTHER)), 1);
	assert_int_equal(fake_node_users(fake_node(FX_THIRD)), 1);
	u = fake_node_user(fake_node(FX_OTHER), 0);
	assert_true(u->want_repl);
	assert_true(u->want_run_id);
	assert_int_equal(fake_node_users(fx_local()), 1);	/* not a peer */

	fx_node(NODE_ROLE_REPLICA);	/* wanted no more from now */
	assert_false(fx_holds());
	fake_advance(PEERS_MEMORY - 1);
	fx_views("uut");
	assert_int_equal(fake_node_users(fake_node(FX_OTHER)), 1);
	assert_int_equal(fake_node_users(fake_node(FX_THIRD)), 1);
	fake_advance(1);
	fx_views("uut");
	assert_int_equal(fake_node_users(fake_node(FX_OTHER)), 0);
	assert_int_equal(fake_node_users(fake_node(FX_THIRD)), 0);
	assert_int_equal(fake_node_users(fx_local()), 1);
}

/* The replica at FX_OTHER as INFO shows it: our replication id followed,
 * or promoted (ours moved to its replid2), with run_id `run`. */
static void
peer_says(bool promoted, const char *run)
{
	struct node *n = fake_node(FX_OTHER);
	struct node_state *st;

	assert_non_null(n);
	st = fake_node_state(n);
	st->answered = st->reachable = true;
	st->have_repl = true;
	st->role = promoted ? NODE_ROLE_MASTER : NODE_ROLE_REPLICA;
	snprintf(st->repl.replid, sizeof(st->repl.replid), "%s", promoted ?
	    "2222222222222222222222222222222222222222" : FX_REPLID);
	snprintf(st->repl.replid2, sizeof(st->repl.replid2), "%s", promoted ?
	    FX_REPLID : "0000000000000000000000000000000000000000");
	snprintf(st->run_id, sizeof(st->run_id), "%s", run);
	if (!promoted)
		snprintf(st->replica_run_id, sizeof(st->replica_run_id), "%s",
		    run);
	fake_node_changed(n);
}

static void
test_promoted_out_of_our_stream_releases(void **state)
{
	(void)state;
	fx_start(&NOARP);
	replicas(FX_OTHER, NULL);
	fx_claim();
	peer_says(false, FX_RUN_A);
	assert_true(fx_holds());
	/* the Sentinels this node sees have not noticed: rule 3 wins */
	peer_says(true, FX_RUN_A);
	assert_false(fx_holds());
	assert_log(1, "-vip-released", "(192.0.2.12:6379 reports master, "
	    "promoted from this node's replication stream: a failover away "
	    "from this node) [held -> released]");
	fx_assert_hook(1, "released", "promoted from this node's");
}

static void
test_restarted_replica_is_no_promotion(void **state)
{
	(void)state;
	fx_start(&NOARP);
	replicas(FX_OTHER, NULL);
	fx_claim();
	peer_says(false, FX_RUN_A);
	/* a new process, restarted from an RDB that carries our id */
	peer_says(true, FX_RUN_B);
	assert_true(fx_holds());
	assert_log(0, "-vip-released", NULL);
}

/* ---- status ------------------------------------------------------------ */

static void
test_status_before_the_first_decision(void **state)
{
	struct vip_status st;

	(void)state;
	fx_start(&NOARP);
	fx_status(&st);
	assert_string_equal(st.name, FX_MASTER);
	assert_string_equal(st.reason, "waiting for the first answers");
	assert_int_equal(st.last_decision, 0);
	assert_int_equal(st.transitions, 0);
	assert_string_equal(st.last_token, "");
	assert_false(st.holding);
	assert_string_equal(st.node_conn.state, "connecting");
	assert_int_equal(st.majority, 2);
}

static void
test_status_after_a_claim(void **state)
{
	struct vip_status st;
	struct netaddr want;
	time_t t0 = time(NULL), t1;
	char a[NETADDR_STRLEN];

	(void)state;
	fx_setup(&(struct fx_opts){ .dual = true });
	fake_resolve_set("db1.test", "192.0.2.11");
	fx_spawn();
	fx_node(NODE_ROLE_MASTER);
	fx_views("uDx");
	fx_params(0, 5000);
	fake_sentinel_event(fx_sentinel(0), FX_MASTER);
	assert_true(fx_holds());
	fx_status(&st);
	t1 = time(NULL);

	assert_int_equal(st.n_addresses, 2);
	assert_string_equal(prefix_fmt(&st.addresses[0], a, sizeof(a)),
	    FX_VIP4);
	assert_string_equal(prefix_fmt(&st.addresses[1], a, sizeof(a)),
	    FX_VIP6);
	assert_string_equal(st.interface, FX_IF);
	assert_true(st.link_present && st.link_up);
	assert_int_equal(st.verdict, VERDICT_HOLD);
	assert_true(st.holding);
	assert_string_equal(st.last_token, "+vip-acquired");
	assert_string_equal(st.reason, "local master; 2/3 sentinels agree");
	assert_true(st.since >= t0 && st.since <= t1);
	assert_true(st.last_decision >= t0 && st.last_decision <= t1);
	assert_int_equal(st.transitions, 1);
	assert_int_equal(st.garp_frames, 2);

	assert_string_equal(hostport_fmt(&st.redis, a, sizeof(a)), FX_US);
	assert_string_equal(st.node_conn.state, "up");
	assert_string_equal(st.node_conn.error, "");
	assert_int_equal(st.role, NODE_ROLE_MASTER);
	assert_true(st.node_reachable);

	assert_int_equal(st.n_sentinels, 3);
	assert_int_equal(st.reachable, 2);
	assert_int_equal(st.agree, 2);
	assert_int_equal(st.other, 0);
	assert_true(st.sentinels[0].names_us);
	assert_int_equal(st.sentinels[0].n_resolved, 0);
	assert_int_equal(st.sentinels[0].events, 1);
	assert_int_equal(st.sentinels[0].down_after, 5000);
	assert_string_equal(st.sentinels[1].master.name, "db1.test");
	assert_true(st.sentinels[1].names_us);
	assert_int_equal(st.sentinels[1].n_resolved, 1);
	assert_int_equal(netaddr_parse("192.0.2.11", &want), 0);
	assert_true(netaddr_equal(&st.sentinels[1].resolved[0], &want));
	assert_false(st.sentinels[2].reachable);
	assert_false(st.sentinels[2].has_master);
	assert_string_equal(st.sentinels[2].conn.state, "down");
	assert_string_equal(st.sentinels[2].conn.error, "Connection refused");
	assert_string_equal(hostport_fmt(&st.sentinels[2].addr, a, sizeof(a)),
	    "192.0.2.23:26379");

	assert_int_equal(st.timing.command_timeout, 500);
	assert_int_equal(st.timing.sentinel_poll_interval, 1000);
	assert_int_equal(st.timing.down_after, 5000);
	assert_int_equal(st.timing.reporting, 1);

	fx_node_refuses();
	fx_status(&st);
	assert_false(st.holding);
	assert_int_equal(st.verdict, VERDICT_RELEASE);
	assert_string_equal(st.last_token, "-vip-released");
	assert_int_equal(st.transitions, 2);
	assert_non_null(strstr(st.reason, "refuses connections"));
	assert_string_equal(st.node_conn.state, "down");
	assert_string_equal(st.node_conn.error, "Connection refused");
	assert_false(st.node_reachable);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_timing_follows_the_sentinels),
		T(test_timing_warning_once_and_in_status),
		T(test_peers_while_master),
		T(test_promoted_out_of_our_stream_releases),
		T(test_restarted_replica_is_no_promotion),
		T(test_status_before_the_first_decision),
		T(test_status_after_a_claim),
	};

	return cmocka_run_group_tests_name("vip_inputs", tests, NULL, NULL);
}
