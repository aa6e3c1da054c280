/*
 * vip.c itself, as a user of vipd would describe it: when the first
 * decision comes and what a restart does with an address it finds; how an
 * early claim asks the wire and a majority claim does not wait for it, and
 * how a claim puts every address up; how a release takes them
 * down and answers stale clients for a while; that every change of what
 * is on the interface is one transition (log line, hook); faults. The real
 * vip.c, decide.c and wirecheck.c run on the fakes of vip_fakes.h, on a
 * virtual clock. Timing, peers and status are in test_vip_inputs.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "decide.h"
#include "vip_fixture.h"

static const uint8_t OTHER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x12 };

static const struct fx_opts ARP = { 0 };
static const struct fx_opts NOARP = { .noarp = true };
static const struct fx_opts DUAL = { .dual = true };

static int
teardown(void **state)
{
	(void)state;
	fx_teardown();
	return 0;
}

/* Released on what the Sentinels say, before the test's own story. */
static void
start_released(const struct fx_opts *o)
{
	fx_start(o);
	fx_node(NODE_ROLE_MASTER);
	fx_views("ooo");
	assert_log(1, "-vip-released", "[init -> released]");
	assert_int_equal(fake_hooks(), 1);
}

/* ---- start-up ---------------------------------------------------------- */

static void
test_startup_waits_for_every_watcher(void **state)
{
	struct vip_status st;

	(void)state;
	fx_start(&ARP);
	fx_status(&st);
	assert_string_equal(st.reason, "waiting for the first answers");
	assert_int_equal(st.last_decision, 0);

	fx_node(NODE_ROLE_MASTER);
	fx_view(0, 'u');
	fx_view(1, 'u');
	fake_advance(100);
	/* two of three agree already, but the third has not said a word */
	assert_int_equal(fake_probes_started, 0);
	assert_int_equal(fake_addr_adds, 0);
	assert_int_equal(fx.ready, 0);
	assert_log(0, "verdict", NULL);

	fx_view(2, 'u');
	/* decided: a majority claim, at once */
	assert_int_equal(fake_probes_started, 0);
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired 192.0.2.100/32 on eth0 (local master; "
	    "3/3 sentinels agree)", "[init -> held]");
	fx_assert_hook(0, "held", "3/3 sentinels agree");
	assert_int_equal(fx.ready, 1);
	assert_int_equal(fx.addrs_at_ready, 1);
}

/* An early claim waits for the wire; READY waits for the decision to be
 * carried out, not just taken. */
static void
test_ready_waits_for_an_early_claims_probe(void **state)
{
	(void)state;
	fx_start(&ARP);
	fx_node(NODE_ROLE_MASTER);
	fx_view(1, 'o');
	fx_view(2, 'o');
	fx_view_quiet(0, 'o');
	fx_leader_promotes_us(0);
	assert_true(fake_probe_running());
	assert_int_equal(fx.ready, 0);
	assert_int_equal(fake_hooks(), 0);
	fake_advance(500);	/* long past the start-up deadline */
	assert_int_equal(fx.ready, 0);
	fake_probe_finish(NULL);
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired", "(early claim)) [init -> held]");
	assert_int_equal(fx.ready, 1);
	assert_int_equal(fx.addrs_at_ready, 1);
}

/* The first decision waits for a Sentinel that is still being asked (its
 * connection being made), not for a fixed time: a vipd with many VIPs
 * may spend longer than command-timeout starting them all. */
static void
test_startup_waits_for_a_sentinel_still_asked(void **state)
{
	(void)state;
	fx_start(&(struct fx_opts){ .noarp = true,
	    .extra = "command-timeout = 400" });
	fx_node(NODE_ROLE_MASTER);
	fx_view(0, 'u');
	fx_view(1, 'u');	/* the third Sentinel: its connect is slow */
	fake_sentinel_rconn(fx_sentinel(2))->state = RCONN_CONNECTING;
	fake_advance(1000);
	assert_int_equal(fake_addr_adds, 0);
	assert_int_equal(fx.ready, 0);
	fx_view(2, 'x');	/* ... and gives up */
	assert_log(1, "+vip-acquired", "(local master; 2/3 sentinels agree) "
	    "[init -> held]");
	assert_true(fx_holds());
	assert_int_equal(fx.ready, 1);
}

/* A Sentinel nobody is asking any more (its connection down, waiting to
 * reconnect) does not hold the first decision past command-timeout. */
static void
test_startup_deadline_is_command_timeout(void **state)
{
	(void)state;
	fx_start(&(struct fx_opts){ .noarp = true,
	    .extra = "command-timeout = 400" });
	fx_node(NODE_ROLE_MASTER);
	fx_view(0, 'u');
	fx_view(1, 'u');
	fake_sentinel_rconn(fx_sentinel(2))->state = RCONN_DOWN;
	fake_advance(399);
	assert_int_equal(fake_addr_adds, 0);
	assert_int_equal(fx.ready, 0);
	fake_advance(1);
	assert_log(1, "+vip-acquired", "(local master; 2/3 sentinels agree) "
	    "[init -> held]");
	assert_true(fx_holds());
	assert_int_equal(fx.ready, 1);
}

static void
test_startup_deadline_without_answers(void **state)
{
	(void)state;
	fx_start(&ARP);
	fake_advance(200);	/* command-timeout, auto: 200 ms */
	/* every connection still being made: wait for them */
	assert_int_equal(fx.ready, 0);
	fake_node_rconn(fx_local())->state = RCONN_DOWN;
	for (size_t i = 0; i < FX_N; i++)
		fake_sentinel_rconn(fx_sentinel(i))->state = RCONN_DOWN;
	fake_advance(200);
	/* nothing known: no claim, and READY all the same */
	assert_log(1, "-vip-released", "(local node 192.0.2.11:6379 "
	    "unreachable) [init -> released]");
	assert_int_equal(fake_probes_started, 0);
	assert_int_equal(fx.ready, 1);
	assert_int_equal(fx.addrs_at_ready, 0);
}

/* However long the connections take, VIP_STARTUP_MAX ends the wait. */
static void
test_startup_max(void **state)
{
	(void)state;
	fx_start(&ARP);
	fake_advance(VIP_STARTUP_MAX - 1);
	assert_int_equal(fx.ready, 0);
	fake_advance(200);
	assert_log(1, "-vip-released", "[init -> released]");
	assert_int_equal(fx.ready, 1);
}

static void
test_startup_adopts_what_it_finds(void **state)
{
	(void)state;
	fx_setup(&DUAL);
	/* a restart on the holder: the IPv4 address is there, IPv6 not */
	fake_addr_put(FX_IFINDEX, FX_VIP4);
	fx_spawn();
	assert_log(1, "is already on eth0", NULL);
	fx_node(NODE_ROLE_MASTER);
	fx_views("uuu");

	assert_log(1, "+vip-adopted 192.0.2.100/32,2001:db8::100/128 on eth0 "
	    "(local master; 3/3 sentinels agree)", "[init -> held]");
	assert_log(0, "+vip-acquired", NULL);
	fx_assert_hook(0, "adopted", "3/3 sentinels agree");
	assert_true(fx_holds());		/* the missing one added */
	assert_int_equal(fake_addr_dels, 0);	/* no blip */
	assert_int_equal(fake_probes_started, 0);
	assert_int_equal(fake_announce_starts, 1);
	assert_int_equal(fx.ready, 1);
	fx_netlink();
	assert_int_equal(fake_hooks(), 1);
}

static void
test_startup_removes_what_it_must_not_hold(void **state)
{
	(void)state;
	fx_setup(&ARP);
	fake_addr_put(FX_IFINDEX, FX_VIP4);	/* left by an old holder */
	fx_spawn();
	fx_node(NODE_ROLE_REPLICA);
	fx_views("ooo");

	assert_false(fake_addr_on(FX_IFINDEX, FX_VIP4));
	assert_log(1, "-vip-released 192.0.2.100/32 on eth0 (local node is a "
	    "replica)", "[init -> released]");
	fx_assert_hook(0, "released", "replica");
	assert_log(0, "+vip-adopted", NULL);
	assert_int_equal(fake_announce_starts, 0);
	assert_int_equal(fx.ready, 1);
	assert_int_equal(fx.addrs_at_ready, 0);
}

static void
test_ready_once(void **state)
{
	(void)state;
	fx_start(&NOARP);
	fx_claim();
	assert_int_equal(fx.ready, 1);
	fx_views("ooo");
	fx_views("uuu");
	assert_log(2, "+vip-acquired", NULL);
	assert_int_equal(fx.ready, 1);
}

/* ---- claims ------------------------------------------------------------ */

static void
test_claim_asks_the_wire_then_adds_every_address(void **state)
{
	struct netaddr probed[4];
	struct vip_status st;

	(void)state;
	start_released(&DUAL);
	fx_leader_promotes_us(0);
	assert_true(fake_probe_running());
	assert_int_equal(fake_probe_ifindex(), FX_IFINDEX);
	assert_int_equal(fake_probe_addrs(probed, 4), 2);
	assert_int_equal(probed[0].family, AF_INET);
	assert_int_equal(probed[1].family, AF_INET6);
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
	assert_int_equal(fake_announce_starts, 0);

	fake_probe_finish(NULL);
	assert_true(fx_holds());
	assert_int_equal(fake_announce_starts, 1);
	assert_int_equal(fake_announce_ifindex(), FX_IFINDEX);
	assert_log(1, "+vip-acquired 192.0.2.100/32,2001:db8::100/128 on eth0",
	    "(early claim)) [released -> held]");
	fx_assert_hook(1, "held", "(early claim)");
	assert_string_equal(fake_hook(1)->address,
	    "192.0.2.100/32,2001:db8::100/128");

	/* the kernel's echo of our own adds is no news */
	fx_netlink();
	fx_status(&st);
	assert_int_equal(st.transitions, 2);
	assert_int_equal(fake_hooks(), 2);
	assert_log(0, "without us", NULL);
}

static void
test_early_claim_waits_for_the_old_holder(void **state)
{
	(void)state;
	start_released(&ARP);
	fx_leader_promotes_us(0);
	fake_probe_finish(OTHER_MAC);
	assert_log(1, "info: vip mymaster: 02:00:00:00:00:12 still answers "
	    "for the VIP", NULL);
	for (int i = 0; i < 10; i++) {
		assert_false(fake_addr_on(FX_IFINDEX, FX_VIP4));
		fake_advance(50);	/* asked again every 50 ms */
		assert_true(fake_probe_running());
		fake_probe_finish(OTHER_MAC);
	}
	assert_int_equal(fake_probes_started, 11);
	assert_false(fake_addr_on(FX_IFINDEX, FX_VIP4));
	fake_advance(50);
	fake_probe_finish(NULL);	/* the old holder let go */
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired", "(early claim)) [released -> held]");
}

static void
test_majority_claim_does_not_wait_for_another_holder(void **state)
{
	(void)state;
	start_released(&ARP);
	fx_leader_promotes_us(0);
	fake_probe_finish(OTHER_MAC);
	assert_false(fake_addr_on(FX_IFINDEX, FX_VIP4));
	/* the majority names us now: a node still answering is late or
	 * stale, and the claim takes its clients at once, naming it */
	fx_views("uuu");
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired", "02:00:00:00:00:12 still answers for "
	    "the VIP: claiming it, the announcement takes its clients) "
	    "[released -> held]");
	assert_int_equal(fake_announce_starts, 1);
	fake_advance(1000);
	assert_false(fake_probe_running());
}

static void
test_majority_claim_asks_nobody(void **state)
{
	(void)state;
	start_released(&ARP);
	fx_views("uuu");
	assert_true(fx_holds());
	assert_int_equal(fake_probes_started, 0);
	assert_int_equal(fake_announce_starts, 1);
	assert_log(1, "+vip-acquired", "(local master; 3/3 sentinels agree) "
	    "[released -> held]");
}

static void
test_claim_without_arp_asks_nobody(void **state)
{
	(void)state;
	start_released(&NOARP);
	assert_log(1, "has no ARP/NDP", NULL);
	fx_views("uuu");
	assert_true(fx_holds());
	assert_int_equal(fake_probes_started, 0);
	assert_int_equal(fake_announce_starts, 0);
	assert_log(1, "+vip-acquired", "[released -> held]");
}

static void
test_claim_when_the_wire_cannot_be_asked(void **state)
{
	struct sentinel_view *l;

	(void)state;
	start_released(&ARP);
	fake_probe_start_error = EPERM;
	fx_leader_promotes_us(0);
	assert_log(1, "cannot probe for the VIP: Operation not permitted; "
	    "claiming without asking the wire", NULL);
	/* without the wire, an early claim needs the old master shown out
	 * of the way; nothing says so here: the majority decides */
	assert_false(fake_addr_on(FX_IFINDEX, FX_VIP4));
	fx_views("uuu");
	assert_true(fx_holds());
	/* once: the next early claim does not try the wire again */
	l = fake_sentinel_view(fx_sentinel(0), FX_MASTER);
	l->failover = false;
	fx_views("ooo");
	assert_false(fake_addr_on(FX_IFINDEX, FX_VIP4));
	fx_leader_promotes_us(0);
	fx_views("uuu");
	assert_log(2, "+vip-acquired", NULL);
	assert_log(1, "cannot probe", NULL);
	assert_int_equal(fake_probes_started, 0);
}

static void
test_early_claim_asks_the_wire(void **state)
{
	struct sentinel_view *l;

	(void)state;
	start_released(&ARP);
	/* sentinel 0 leads a failover from the old master to this node */
	l = fake_sentinel_view(fx_sentinel(0), FX_MASTER);
	l->failover = true;
	l->failover_epoch = 7;
	l->failover_since = loop_now();
	assert_int_equal(hostport_parse(FX_OTHER, &l->failover_from), 0);
	l->promoting = true;
	assert_int_equal(hostport_parse(FX_US, &l->promoting_to), 0);
	fake_sentinel_changed(fx_sentinel(0), FX_MASTER);
	assert_true(fake_probe_running());
	assert_false(fake_addr_on(FX_IFINDEX, FX_VIP4));
	fake_probe_finish(NULL);
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired", "elected leader for epoch 7 (early "
	    "claim)) [released -> held]");
}

/* ---- releases ---------------------------------------------------------- */

static void
test_release_at_once_and_refuse_stale_clients(void **state)
{
	(void)state;
	fx_start(&ARP);
	fx_claim();
	assert_true(fake_announce_running());
	fx_node_refuses();
	/* no time has passed */
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
	assert_false(fake_announce_running());
	assert_log(1, "-vip-released 192.0.2.100/32 on eth0 (local node "
	    "192.0.2.11:6379 refuses connections)", "[held -> released]");
	fx_assert_hook(1, "released", "refuses connections");
	assert_true(fake_refuse_running());
	assert_int_equal(fake_refuse_ifindex(), FX_IFINDEX);
	assert_int_equal(fake_refuse_addrs(), 1);
	assert_true(fake_refuse_keeps);	/* keep SYNs for the new holder */
	fx_netlink();
	assert_int_equal(fake_hooks(), 2);

	/* nobody names another node: refuse for 10 s at most */
	fake_advance(9999);
	assert_true(fake_refuse_running());
	fake_advance(1);
	assert_false(fake_refuse_running());
	assert_int_equal(fake_refuse_starts, 1);
}

static void
test_refuse_ends_a_second_after_the_majority_moves(void **state)
{
	(void)state;
	fx_start(&ARP);
	fx_claim();
	fx_views("xuu");
	fx_node_refuses();
	assert_true(fake_refuse_running());
	/* nobody says the VIP moves: no SYN goes anywhere */
	assert_false(fake_refuse_forwarding());
	fake_advance(3000);
	fx_view(1, 'o');	/* one is not a majority */
	/* ... but it says where the VIP goes: kept SYNs may follow the
	 * announcement */
	assert_true(fake_refuse_forwarding());
	fake_advance(1000);
	assert_true(fake_refuse_running());
	fx_view(2, 'o');
	fake_advance(999);
	assert_true(fake_refuse_running());
	fx_view(0, 'o');	/* more news does not push the end back */
	fake_advance(1);
	assert_false(fake_refuse_running());
}

static void
test_reclaim_stops_refusing_first(void **state)
{
	(void)state;
	fx_start(&ARP);
	fx_claim();
	fx_node_refuses();
	assert_true(fake_refuse_running());
	fake_advance(2000);
	fx_node(NODE_ROLE_MASTER);	/* back, and still named by all */
	assert_true(fx_holds());
	assert_false(fake_refuse_running());
	assert_int_equal(fake_addr_add_while_refusing, 0);
	assert_log(1, "+vip-acquired", "[released -> held]");
}

/* With Sentinel's down-after at 5 s, a crash is promoted 5 s later: the
 * clients' SYNs are kept through that, 10 s more at most. */
static void
test_refuse_lasts_past_down_after(void **state)
{
	(void)state;
	fx_start(&ARP);
	for (size_t i = 0; i < 3; i++)
		fx_params(i, 5000);
	fx_claim();
	fx_node_refuses();
	assert_true(fake_refuse_running());
	fake_advance(14999);
	assert_true(fake_refuse_running());
	fake_advance(1);
	assert_false(fake_refuse_running());
}

static void
test_refuse_reset_only(void **state)
{
	(void)state;
	fx_start(&(struct fx_opts){ .extra = "refuse-after-release = reset" });
	fx_claim();
	fx_node_refuses();
	assert_true(fake_refuse_running());
	assert_false(fake_refuse_keeps);
}

static void
refuse_never(const struct fx_opts *o)
{
	fx_start(o);
	fx_claim();
	fx_node_refuses();
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
	assert_log(1, "-vip-released", "[held -> released]");
	assert_int_equal(fake_refuse_starts, 0);
}

static void
test_no_refuse_without_arp(void **state)
{
	(void)state;
	refuse_never(&NOARP);
}

static void
test_no_refuse_when_configured_off(void **state)
{
	(void)state;
	refuse_never(&(struct fx_opts){ .extra = "refuse-after-release = no" });
}

static void
test_shutdown_releases_and_stops_refusing(void **state)
{
	(void)state;
	fx_start(&ARP);
	fx_claim();
	vip_shutdown(fx.v, "vipd stopping");
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
	assert_log(1, "-vip-released", "(vipd stopping) [held -> released]");
	fx_assert_hook(1, "released", "vipd stopping");
	assert_false(fake_refuse_running());
	assert_false(fake_announce_running());
}

/* ---- every change on the interface is a transition --------------------- */

static void
test_removed_by_someone_else_while_held(void **state)
{
	(void)state;
	fx_start(&ARP);
	fx_claim();
	fake_advance(1000);	/* the claim's probe result is stale now */
	fx_nl_addr(false, FX_VIP4);
	assert_log(1, "192.0.2.100/32 was removed from eth0 by someone else",
	    NULL);
	assert_log(1, "-vip-released", "(removed from the interface by someone "
	    "else) [held -> released]");
	fx_assert_hook(1, "released", "by someone else");
	/* still ours to hold: claimed again */
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired", "[released -> held]");
	fx_assert_hook(2, "held", NULL);
}

static void
test_removed_by_someone_else_during_hold_down(void **state)
{
	(void)state;
	fx_start(&ARP);
	fx_claim();
	fx_views("xxx");
	assert_true(fx_holds());	/* no-quorum-hold-down runs */
	fake_advance(100);
	fx_nl_addr(false, FX_VIP4);
	assert_log(1, "-vip-released", "(removed from the interface by someone "
	    "else) [held -> released]");
	fx_assert_hook(1, "released", NULL);
	/* and never claimed back on a minority view */
	fake_advance(5000);
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
	assert_int_equal(fake_hooks(), 2);
}

static void
test_appears_without_us_while_released(void **state)
{
	(void)state;
	start_released(&ARP);
	fx_nl_addr(true, FX_VIP4);
	assert_log(1, "192.0.2.100/32 appeared on eth0 without us", NULL);
	assert_false(fake_addr_on(FX_IFINDEX, FX_VIP4));
	assert_log(1, "-vip-released", "[released -> released]");
	fx_assert_hook(1, "released", "sentinels name 192.0.2.12:6379");
	fx_netlink();
	assert_int_equal(fake_hooks(), 2);
}

static void
test_link_down_is_a_fault(void **state)
{
	(void)state;
	fx_start(&NOARP);
	fx_claim();
	fx_link(true, false);
	assert_log(1, "+vip-fault 192.0.2.100/32 on eth0 (interface eth0 is "
	    "down)", "[held -> fault]");
	fx_assert_hook(1, "fault", "is down");
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
	fx_link(true, true);
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired", "[fault -> held]");
	fx_link(false, false);
	assert_log(1, "+vip-fault", "(interface eth0 not found) "
	    "[held -> fault]");
	fx_assert_hook(3, "fault", "not found");
}

static void
test_failure_to_add_is_a_fault_retried(void **state)
{
	(void)state;
	start_released(&NOARP);
	fake_addr_add_error = -EPERM;
	fx_views("uuu");
	assert_log(1, "+vip-fault", "(cannot add 192.0.2.100/32 to eth0: "
	    "Operation not permitted) [released -> fault]");
	fx_assert_hook(1, "fault", "cannot add");
	assert_int_equal(fake_addr_adds, 1);
	fake_advance(999);
	assert_int_equal(fake_addr_adds, 1);
	fake_advance(1);
	/* tried again: still failing is not a new transition */
	assert_int_equal(fake_addr_adds, 2);
	assert_log(1, "+vip-fault", NULL);
	assert_int_equal(fake_hooks(), 2);
	fake_addr_add_error = 0;
	fake_advance(1000);
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired", "[fault -> held]");
}

static void
test_half_added_is_not_held(void **state)
{
	(void)state;
	start_released(&(struct fx_opts){ .dual = true, .noarp = true });
	fake_addr_add_error = -EADDRNOTAVAIL;
	fake_addr_add_fail_family = AF_INET6;
	fx_views("uuu");
	assert_log(1, "+vip-fault", "cannot add 2001:db8::100/128");
	/* all or nothing: the IPv4 address is not left behind */
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
	fx_netlink();
	/* a fault: no "held" with an address missing, and the kernel's
	 * echo of the IPv4 add is not somebody else's address */
	assert_log(0, "+vip-acquired", NULL);
	assert_log(0, "without us", NULL);
	assert_int_equal(fake_hooks(), 2);
	/* retried: both go up */
	fake_addr_add_error = 0;
	fake_advance(1000);
	assert_true(fx_holds());
	assert_log(1, "+vip-acquired", "[fault -> held]");
	fx_views("ooo");
	fx_netlink();
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
}

static void
test_stale_echo_is_no_transition(void **state)
{
	(void)state;
	start_released(&NOARP);
	fx_views("uuu");
	fx_node_refuses();	/* before the kernel's echoes are read */
	assert_log(1, "+vip-acquired", "[released -> held]");
	assert_log(1, "-vip-released", "[held -> released]");
	fx_netlink();		/* "added", then "removed" */
	assert_log(0, "without us", NULL);
	assert_log(2, "-vip-released", NULL);
	assert_int_equal(fake_hooks(), 3);
	assert_int_equal(fake_addr_count(FX_IFINDEX), 0);
}



static void
test_sentinel_event_pokes_every_watcher(void **state)
{
	unsigned int before[FX_N], node_before;

	(void)state;
	fx_start(&NOARP);
	fx_claim();
	node_before = fake_node_pokes(fx_local());
	for (size_t i = 0; i < FX_N; i++)
		before[i] = fake_sentinel_pokes(fx_sentinel(i), FX_MASTER);
	fake_sentinel_event(fx_sentinel(1), FX_MASTER);
	assert_int_equal(fake_node_pokes(fx_local()), node_before + 1);
	for (size_t i = 0; i < FX_N; i++)
		assert_int_equal(fake_sentinel_pokes(fx_sentinel(i), FX_MASTER),
		    before[i] + 1);
}

static void
test_free_leaves_nothing_behind(void **state)
{
	(void)state;
	fx_start(&ARP);
	fx_claim();
	fx_node_refuses();
	assert_true(fake_refuse_running());
	vip_free(fx.v);
	fx.v = NULL;
	assert_int_equal(fake_node_users(fake_node(FX_US)), 0);
	for (size_t i = 0; i < FX_N; i++)
		assert_int_equal(fake_sentinel_users(fx_sentinel(i),
		    FX_MASTER), 0);
	assert_false(fake_refuse_running());
	assert_int_equal(fake_notify_released, 1);
	fake_advance(60000);	/* no timer of the freed VIP fires */
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_startup_waits_for_every_watcher),
		T(test_ready_waits_for_an_early_claims_probe),
		T(test_startup_waits_for_a_sentinel_still_asked),
		T(test_startup_deadline_is_command_timeout),
		T(test_startup_deadline_without_answers),
		T(test_startup_max),
		T(test_startup_adopts_what_it_finds),
		T(test_startup_removes_what_it_must_not_hold),
		T(test_ready_once),
		T(test_claim_asks_the_wire_then_adds_every_address),
		T(test_early_claim_waits_for_the_old_holder),
		T(test_majority_claim_does_not_wait_for_another_holder),
		T(test_majority_claim_asks_nobody),
		T(test_claim_without_arp_asks_nobody),
		T(test_claim_when_the_wire_cannot_be_asked),
		T(test_early_claim_asks_the_wire),
		T(test_release_at_once_and_refuse_stale_clients),
		T(test_refuse_ends_a_second_after_the_majority_moves),
		T(test_reclaim_stops_refusing_first),
		T(test_refuse_reset_only),
		T(test_refuse_lasts_past_down_after),
		T(test_no_refuse_without_arp),
		T(test_no_refuse_when_configured_off),
		T(test_shutdown_releases_and_stops_refusing),
		T(test_removed_by_someone_else_while_held),
		T(test_removed_by_someone_else_during_hold_down),
		T(test_appears_without_us_while_released),
		T(test_link_down_is_a_fault),
		T(test_failure_to_add_is_a_fault_retried),
		T(test_half_added_is_not_held),
		T(test_stale_echo_is_no_transition),
		T(test_sentinel_event_pokes_every_watcher),
		T(test_free_leaves_nothing_behind),
	};

	return cmocka_run_group_tests_name("vip", tests, NULL, NULL);
}
