/*
 * The decision engine, one table row per scenario. Each row is a complete
 * picture of what vipd knows (local role, what every sentinel says, link,
 * whether we hold the VIP, the clock) and the verdict a careful operator
 * would want, with a piece of the reason the log will show.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decide.h"

#define T0	1000000ULL	/* an arbitrary "now" */

/* Sentinel views, one char each: 'u' names this node, 'o' names another
 * node, 'v' names the VIP itself, 'n' answers nil (unknown master), digits
 * 1..9 unreachable since T0 - digit seconds. */
struct row {
	const char *name;
	const char *views;
	enum node_role role;
	int node_down_ms;	/* > 0: unreachable for this long */
	bool holding;
	bool link_absent, link_down;
	bool keep_policy;
	bool announce;		/* use announce = 192.0.2.211:6379 */
	bool v6;		/* IPv6 addressing throughout */
	enum verdict want;
	const char *reason;	/* substring of the reason */
	uint64_t recheck;	/* expected recheck_at - T0, 0 = none */
};

static const struct row rows[] = {
	{ "normal master, all agree", "uuu", NODE_ROLE_MASTER, 0, false,
	  false, false, false, false, false,
	  VERDICT_HOLD, "local master; 3/3 sentinels agree", 0 },
	{ "normal master, already holding", "uuu", NODE_ROLE_MASTER, 0, true,
	  false, false, false, false, false,
	  VERDICT_HOLD, "3/3 sentinels agree", 0 },
	{ "replica, sentinels name another", "ooo", NODE_ROLE_REPLICA, 0, false,
	  false, false, false, false, false,
	  VERDICT_RELEASE, "local node is a replica", 0 },
	{ "replica while a majority names us (stale sentinels)", "uuu",
	  NODE_ROLE_REPLICA, 0, true, false, false, false, false, false,
	  VERDICT_RELEASE, "replica", 0 },
	{ "restarted old master, sentinels name the new one", "ooo",
	  NODE_ROLE_MASTER, 0, false, false, false, false, false, false,
	  VERDICT_RELEASE, "3/3 sentinels name 192.0.2.12:6379 as master", 0 },
	{ "promoted replica before sentinels switch (failover in progress)",
	  "ooo", NODE_ROLE_MASTER, 0, false, false, false, false, false, false,
	  VERDICT_RELEASE, "192.0.2.12:6379", 0 },
	{ "failover half way: leader switched, others not yet", "uoo",
	  NODE_ROLE_MASTER, 0, false, false, false, false, false, false,
	  VERDICT_RELEASE, "2/3 sentinels name", 0 },
	{ "failover: leader + one switched, claim", "uuo",
	  NODE_ROLE_MASTER, 0, false, false, false, false, false, false,
	  VERDICT_HOLD, "2/3 sentinels agree", 0 },
	{ "split opinions with one nil", "uon", NODE_ROLE_MASTER, 0, true,
	  false, false, false, false, false,
	  VERDICT_RELEASE, "only 1/3 sentinels name this node (majority 2)", 0 },
	{ "nil answers (master name unknown)", "nnn", NODE_ROLE_MASTER, 0, false,
	  false, false, false, false, false,
	  VERDICT_RELEASE, "only 0/3 sentinels name this node", 0 },
	{ "one sentinel down, two agree", "uu5", NODE_ROLE_MASTER, 0, false,
	  false, false, false, false, false,
	  VERDICT_HOLD, "2/3 sentinels agree", 0 },
	{ "one sentinel down, one agrees, one names another", "uo5",
	  NODE_ROLE_MASTER, 0, true, false, false, false, false, false,
	  VERDICT_RELEASE, "only 1/3 sentinels name this node", 0 },
	{ "two down, holding, release policy, within hold-down", "u93",
	  NODE_ROLE_MASTER, 0, true, false, false, false, false, false,
	  VERDICT_HOLD, "releasing in 2000 ms", 2000 },
	{ "two down, holding, release policy, hold-down passed", "u96",
	  NODE_ROLE_MASTER, 0, true, false, false, false, false, false,
	  VERDICT_RELEASE, "for 6000 ms (no-quorum-hold-down 5000 ms)", 0 },
	{ "two down, holding, keep policy", "u99", NODE_ROLE_MASTER, 0, true,
	  false, false, true, false, false,
	  VERDICT_HOLD, "no-quorum-policy keep", 0 },
	{ "two down, not holding: never claim on a minority", "u11",
	  NODE_ROLE_MASTER, 0, false, false, false, true, false, false,
	  VERDICT_RELEASE, "not claiming on a minority view", 0 },
	{ "two down, the one left names another", "o99", NODE_ROLE_MASTER, 0,
	  true, false, false, true, false, false,
	  VERDICT_RELEASE, "1 of them name 192.0.2.12:6379", 0 },
	{ "all sentinels down, keep policy, holding", "999", NODE_ROLE_MASTER,
	  0, true, false, false, true, false, false,
	  VERDICT_HOLD, "0/3 sentinels reachable", 0 },
	{ "local node unreachable, not holding", "uuu", NODE_ROLE_MASTER, 200,
	  false, false, false, false, false, false,
	  VERDICT_RELEASE, "local node 192.0.2.11:6379 unreachable", 0 },
	{ "local node blip within redis-down-after, holding", "uuu",
	  NODE_ROLE_MASTER, 200, true, false, false, false, false, false,
	  VERDICT_HOLD, "tolerated up to 1500 ms", 1300 },
	{ "local node unreachable past redis-down-after", "uuu",
	  NODE_ROLE_MASTER, 1500, true, false, false, false, false, false,
	  VERDICT_RELEASE, "unreachable for 1500 ms (redis-down-after 1500 ms)", 0 },
	{ "local role not known yet", "uuu", NODE_ROLE_UNKNOWN, 0, false,
	  false, false, false, false, false,
	  VERDICT_RELEASE, "local role not known yet", 0 },
	{ "local address answers as a sentinel", "uuu", NODE_ROLE_OTHER, 0,
	  false, false, false, false, false, false,
	  VERDICT_RELEASE, "not a Redis data node", 0 },
	{ "interface down", "uuu", NODE_ROLE_MASTER, 0, true, false, true,
	  false, false, false,
	  VERDICT_FAULT, "interface eth0 is down", 0 },
	{ "interface missing", "uuu", NODE_ROLE_MASTER, 0, false, true, false,
	  false, false, false,
	  VERDICT_FAULT, "interface eth0 not found", 0 },
	{ "sentinels name the VIP itself: never us", "vvv", NODE_ROLE_MASTER,
	  0, false, false, false, false, false, false,
	  VERDICT_RELEASE, "name 192.0.2.100:6379 as master", 0 },
	{ "IPv6: master, all agree", "uuu", NODE_ROLE_MASTER, 0, false,
	  false, false, false, false, true,
	  VERDICT_HOLD, "3/3 sentinels agree", 0 },
	{ "IPv6: restarted old master", "ooo", NODE_ROLE_MASTER, 0, false,
	  false, false, false, false, true,
	  VERDICT_RELEASE, "name [2001:db8::12]:6379 as master", 0 },
	{ "announce set: sentinels name the announce address", "uuu",
	  NODE_ROLE_MASTER, 0, false, false, false, false, true, false,
	  VERDICT_HOLD, "3/3 sentinels agree", 0 },
	{ "announce set: local address alone is not us", "lll",
	  NODE_ROLE_MASTER, 0, false, false, false, false, true, false,
	  VERDICT_RELEASE, "3/3 sentinels name 192.0.2.11:6379", 0 },
};

struct fixture {
	struct vip_config cfg;
	struct hostport sentinels[3];
	struct netaddr local[2];
	struct hostport announce;
};

static void
setup_cfg(struct fixture *f, const struct row *r)
{
	memset(f, 0, sizeof(*f));
	f->cfg.name = "mymaster";
	f->cfg.interface = "eth0";
	assert_int_equal(prefix_parse(r->v6 ? "2001:db8::100" : "192.0.2.100",
	    &f->cfg.address), 0);
	assert_int_equal(hostport_parse(r->v6 ? "[2001:db8::11]:6379" :
	    "192.0.2.11:6379", &f->cfg.redis), 0);
	f->cfg.n_sentinels = 3;
	f->cfg.sentinels = f->sentinels;
	f->cfg.redis_down_after = 1500;
	f->cfg.no_quorum_policy = r->keep_policy ? NO_QUORUM_KEEP :
	    NO_QUORUM_RELEASE;
	f->cfg.no_quorum_hold_down = 5000;
	assert_int_equal(netaddr_parse(r->v6 ? "2001:db8::11" : "192.0.2.11",
	    &f->local[0]), 0);
	assert_int_equal(netaddr_parse("127.0.0.1", &f->local[1]), 0);
	if (r->announce) {
		assert_int_equal(hostport_parse("192.0.2.211:6379",
		    &f->announce), 0);
		f->cfg.has_announce = true;
		f->cfg.announce = f->announce;
	}
}

static void
set_view(struct sentinel_view *sv, char c, bool v6)
{
	const char *addr = NULL;

	memset(sv, 0, sizeof(*sv));
	if (c >= '1' && c <= '9') {
		sv->unreachable_since = T0 - (uint64_t)(c - '0') * 1000;
		return;
	}
	sv->reachable = true;
	switch (c) {
	case 'u':	/* "us": the announce address when it is set */
		addr = v6 ? "[2001:db8::11]:6379" : "192.0.2.11:6379";
		break;
	case 'a':
		addr = "192.0.2.211:6379";
		break;
	case 'l':	/* our local address, though announce says otherwise */
		addr = "192.0.2.11:6379";
		break;
	case 'o':
		addr = v6 ? "[2001:db8::12]:6379" : "192.0.2.12:6379";
		break;
	case 'v':
		addr = "192.0.2.100:6379";
		break;
	case 'n':
		return;
	default:
		fail_msg("bad view char '%c'", c);
	}
	sv->has_master = true;
	assert_int_equal(hostport_parse(addr, &sv->master), 0);
}

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct sentinel_view views[3];
		struct decide_input in;
		struct decision d;
		struct fixture f;

		setup_cfg(&f, r);
		for (size_t k = 0; k < 3; k++)
			set_view(&views[k], r->announce && r->views[k] == 'u' ?
			    'a' : r->views[k], r->v6);
		memset(&in, 0, sizeof(in));
		in.now = T0;
		in.cfg = &f.cfg;
		in.self.announce = r->announce ? &f.announce : NULL;
		in.self.local_addrs = f.local;
		in.self.n_local_addrs = 2;
		in.self.port = 6379;
		in.self.vip = &f.cfg.address.addr;
		in.role = r->role;
		in.node_reachable = r->node_down_ms == 0;
		in.node_unreachable_since = T0 - (uint64_t)r->node_down_ms;
		in.link_present = !r->link_absent;
		in.link_up = !r->link_down && !r->link_absent;
		in.holding = r->holding;
		in.sentinels = views;

		decide(&in, &d);
		if (d.verdict != r->want || !strstr(d.reason, r->reason) ||
		    (r->recheck ? d.recheck_at != T0 + r->recheck :
		    d.recheck_at != 0))
			fail_msg("row \"%s\": got %s (%s) recheck %lld, want %s "
			    "(...%s...) recheck %llu", r->name,
			    verdict_name(d.verdict), d.reason,
			    d.recheck_at ? (long long)(d.recheck_at - T0) : 0LL,
			    verdict_name(r->want), r->reason,
			    (unsigned long long)r->recheck);
	}
}

/* The majority is of the configured sentinels, not of those reachable. */
static void
test_majority_of_configured(void **state)
{
	struct vip_config cfg = { .n_sentinels = 5 };

	(void)state;
	assert_int_equal(config_majority(&cfg), 3);
	cfg.n_sentinels = 4;
	assert_int_equal(config_majority(&cfg), 3);
	cfg.n_sentinels = 1;
	assert_int_equal(config_majority(&cfg), 1);
}

static void
test_is_self(void **state)
{
	struct netaddr local[2], vip;
	struct hostport named, announce;
	struct self_id self = { .local_addrs = local, .n_local_addrs = 2,
	    .port = 6379, .vip = &vip };

	(void)state;
	assert_int_equal(netaddr_parse("192.0.2.11", &local[0]), 0);
	assert_int_equal(netaddr_parse("2001:db8::11", &local[1]), 0);
	assert_int_equal(netaddr_parse("192.0.2.100", &vip), 0);

	assert_int_equal(hostport_parse("192.0.2.11:6379", &named), 0);
	assert_true(decide_is_self(&self, &named));
	assert_int_equal(hostport_parse("[2001:db8::11]:6379", &named), 0);
	assert_true(decide_is_self(&self, &named));
	/* same host, another instance */
	assert_int_equal(hostport_parse("192.0.2.11:6380", &named), 0);
	assert_false(decide_is_self(&self, &named));
	assert_int_equal(hostport_parse("192.0.2.12:6379", &named), 0);
	assert_false(decide_is_self(&self, &named));
	/* the VIP is never this node, even when it is on our interface */
	local[1] = vip;
	assert_int_equal(hostport_parse("192.0.2.100:6379", &named), 0);
	assert_false(decide_is_self(&self, &named));
	/* an empty answer is nobody */
	memset(&named, 0, sizeof(named));
	assert_false(decide_is_self(&self, &named));

	/* announce: only the announce address counts */
	assert_int_equal(hostport_parse("198.51.100.7:7000", &announce), 0);
	self.announce = &announce;
	assert_int_equal(hostport_parse("198.51.100.7:7000", &named), 0);
	assert_true(decide_is_self(&self, &named));
	assert_int_equal(hostport_parse("192.0.2.11:6379", &named), 0);
	assert_false(decide_is_self(&self, &named));
}

/* Five sentinels, three down at different times: quorum was lost when the
 * third went away, and the hold-down counts from then. */
static void
test_hold_down_counts_from_quorum_loss(void **state)
{
	struct hostport sent[5];
	struct sentinel_view v[5];
	struct netaddr local;
	struct vip_config cfg = { .name = "m", .interface = "eth0",
	    .n_sentinels = 5, .sentinels = sent, .redis_down_after = 1500,
	    .no_quorum_policy = NO_QUORUM_RELEASE,
	    .no_quorum_hold_down = 5000 };
	struct decide_input in = { .now = T0, .cfg = &cfg, .role =
	    NODE_ROLE_MASTER, .node_reachable = true, .link_present = true,
	    .link_up = true, .holding = true, .sentinels = v };
	struct decision d;

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.100", &cfg.address), 0);
	assert_int_equal(hostport_parse("192.0.2.11:6379", &cfg.redis), 0);
	assert_int_equal(netaddr_parse("192.0.2.11", &local), 0);
	in.self = (struct self_id){ .local_addrs = &local, .n_local_addrs = 1,
	    .port = 6379, .vip = &cfg.address.addr };
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 2; i++) {
		v[i].reachable = v[i].has_master = true;
		v[i].master = cfg.redis;
	}
	v[2].unreachable_since = T0 - 9000;	/* long ago: still a quorum */
	v[3].unreachable_since = T0 - 1000;	/* quorum lost here */
	v[4].unreachable_since = T0 - 7000;
	decide(&in, &d);
	assert_int_equal(d.verdict, VERDICT_HOLD);
	assert_true(d.recheck_at == T0 + 4000);
	in.now = T0 + 4000;
	decide(&in, &d);
	assert_int_equal(d.verdict, VERDICT_RELEASE);
}

/*
 * Failovers led by a sentinel. Sentinel 0 (or 1) is the elected leader of
 * a failover from `from` to `to`; the other sentinels still name the old
 * master (192.0.2.12, "o"), which is what they do until the leader's hello
 * reaches them.
 */
struct fo_row {
	const char *name;
	const char *views;		/* as in the main table */
	enum node_role role;
	bool early_claim;
	bool refused;
	const char *from, *to;		/* sentinel 0's failover; to may be NULL */
	uint64_t age;			/* ms since +elected-leader */
	const char *from1, *to1;	/* sentinel 1's failover, or NULL */
	uint64_t epoch0, epoch1;
	enum verdict want;
	const char *reason;
	bool dropped;			/* connection closed (not refused) 5 ms ago */
	bool holding;
};

#define US	"192.0.2.11:6379"
#define OLD	"192.0.2.12:6379"
#define THIRD	"192.0.2.13:6379"

static const struct fo_row fo_rows[] = {
	{ "early claim: the elected leader promotes us", "ooo",
	  NODE_ROLE_MASTER, true, false, OLD, US, 300, NULL, NULL, 7, 0,
	  VERDICT_HOLD, "promoted by sentinel 192.0.2.21:26379, elected leader "
	  "for epoch 7 (early claim)", false,
	  false },
	{ "early claim off: wait for the majority", "ooo",
	  NODE_ROLE_MASTER, false, false, OLD, US, 300, NULL, NULL, 7, 0,
	  VERDICT_RELEASE, "3/3 sentinels name 192.0.2.12:6379", false,
	  false },
	{ "leader selected us, but we are not master yet", "ooo",
	  NODE_ROLE_REPLICA, true, false, OLD, US, 300, NULL, NULL, 7, 0,
	  VERDICT_RELEASE, "local node is a replica", false,
	  false },
	{ "leader elected, no replica selected yet", "ooo",
	  NODE_ROLE_MASTER, true, false, OLD, NULL, 100, NULL, NULL, 7, 0,
	  VERDICT_RELEASE, "3/3 sentinels name", false,
	  false },
	{ "a sentinel names a third node: no early claim", "oot",
	  NODE_ROLE_MASTER, true, false, OLD, US, 300, NULL, NULL, 7, 0,
	  VERDICT_RELEASE, "3/3 sentinels name 192.0.2.12:6379", false,
	  false },
	{ "leader's failover is older than DECIDE_FAILOVER_MAX", "ooo",
	  NODE_ROLE_MASTER, true, false, OLD, US, DECIDE_FAILOVER_MAX, NULL,
	  NULL, 7, 0, VERDICT_RELEASE, "3/3 sentinels name", false,
	  false },
	{ "leader unreachable: its failover authorises nothing", "1oo",
	  NODE_ROLE_MASTER, true, false, OLD, US, 300, NULL, NULL, 7, 0,
	  VERDICT_RELEASE, "2/3 sentinels name", false,
	  false },
	{ "newer epoch promotes another node", "ooo",
	  NODE_ROLE_MASTER, true, false, OLD, US, 300, OLD, THIRD, 7, 8,
	  VERDICT_RELEASE, "3/3 sentinels name", false,
	  false },
	{ "newer epoch promotes us", "ooo",
	  NODE_ROLE_MASTER, true, false, OLD, THIRD, 300, OLD, US, 7, 8,
	  VERDICT_HOLD, "promoted by sentinel 192.0.2.22:26379, elected "
	  "leader for epoch 8", false,
	  false },
	{ "failover away from us while we still say master (old master)",
	  "uuu", NODE_ROLE_MASTER, true, false, US, OLD, 300, NULL, NULL, 7, 0,
	  VERDICT_RELEASE, "leads a failover away from this node (epoch 7)", false,
	  false },
	{ "failover away from us, early claim off too", "uuu",
	  NODE_ROLE_MASTER, false, false, US, NULL, 50, NULL, NULL, 7, 0,
	  VERDICT_RELEASE, "away from this node", false,
	  false },
	{ "aborted failover (cleared): majority rule again", "uuu",
	  NODE_ROLE_MASTER, true, false, NULL, NULL, 0, NULL, NULL, 0, 0,
	  VERDICT_HOLD, "3/3 sentinels agree", false,
	  false },
	{ "local node refuses connections", "uuu", NODE_ROLE_MASTER, true,
	  true, NULL, NULL, 0, NULL, NULL, 0, 0,
	  VERDICT_RELEASE, "local node 192.0.2.11:6379 refuses connections", false,
	  false },
	/* The leader's SLAVEOF NO ONE transaction kills client connections
	 * (reference A.2-2): a node already master that claimed early sees
	 * its connection drop at +failover-state-wait-promotion. */
	{ "early claim held, the promotion drops our connection: keep", "ooo",
	  NODE_ROLE_MASTER, true, false, OLD, US, 300, NULL, NULL, 7, 0,
	  VERDICT_HOLD, "(early claim)", true, true },
	{ "the same drop before we claimed: never claim blind", "ooo",
	  NODE_ROLE_MASTER, true, false, OLD, US, 300, NULL, NULL, 7, 0,
	  VERDICT_RELEASE, "local node 192.0.2.11:6379 unreachable", true,
	  false },
};

static void
set_failover(struct sentinel_view *sv, const char *from, const char *to,
    uint64_t age, uint64_t epoch)
{
	if (!from)
		return;
	sv->failover = true;
	sv->failover_epoch = epoch;
	sv->failover_since = T0 - age;
	assert_int_equal(hostport_parse(from, &sv->failover_from), 0);
	if (to) {
		sv->promoting = true;
		assert_int_equal(hostport_parse(to, &sv->promoting_to), 0);
	}
}

static void
test_failover_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fo_rows) / sizeof(fo_rows[0]); i++) {
		const struct fo_row *r = &fo_rows[i];
		struct row base = { .views = r->views, .role = r->role };
		struct sentinel_view views[3];
		struct decide_input in;
		struct decision d;
		struct fixture f;

		setup_cfg(&f, &base);
		f.cfg.early_claim = r->early_claim;
		assert_int_equal(hostport_parse("192.0.2.21:26379",
		    &f.sentinels[0]), 0);
		assert_int_equal(hostport_parse("192.0.2.22:26379",
		    &f.sentinels[1]), 0);
		assert_int_equal(hostport_parse("192.0.2.23:26379",
		    &f.sentinels[2]), 0);
		for (size_t k = 0; k < 3; k++)
			set_view(&views[k], r->views[k] == 't' ? 'o' :
			    r->views[k], false);
		if (r->views[2] == 't')
			assert_int_equal(hostport_parse(THIRD,
			    &views[2].master), 0);
		set_failover(&views[0], r->from, r->to, r->age, r->epoch0);
		set_failover(&views[1], r->from1, r->to1, r->age, r->epoch1);
		memset(&in, 0, sizeof(in));
		in.now = T0;
		in.cfg = &f.cfg;
		in.self.local_addrs = f.local;
		in.self.n_local_addrs = 2;
		in.self.port = 6379;
		in.self.vip = &f.cfg.address.addr;
		in.role = r->role;
		in.node_reachable = !r->refused && !r->dropped;
		in.holding = r->holding;
		in.node_refused = r->refused;
		in.node_unreachable_since = T0 - 5;
		in.link_present = in.link_up = true;
		in.sentinels = views;

		decide(&in, &d);
		if (d.verdict != r->want || !strstr(d.reason, r->reason))
			fail_msg("row \"%s\": got %s (%s), want %s (...%s...)",
			    r->name, verdict_name(d.verdict), d.reason,
			    verdict_name(r->want), r->reason);
		/* An authorising failover expires by time alone; a tolerated
		 * drop of the local connection ends sooner. */
		uint64_t expiry = views[0].failover_since + DECIDE_FAILOVER_MAX;

		if (r->dropped && r->holding)
			expiry = in.node_unreachable_since +
			    f.cfg.redis_down_after;
		if (r->from && r->age < DECIDE_FAILOVER_MAX && views[0].reachable &&
		    r->role == NODE_ROLE_MASTER && d.recheck_at != expiry &&
		    !r->from1 && !(r->dropped && !r->holding))
			fail_msg("row \"%s\": recheck_at %llu", r->name,
			    (unsigned long long)d.recheck_at);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_failover_table),
		cmocka_unit_test(test_majority_of_configured),
		cmocka_unit_test(test_is_self),
		cmocka_unit_test(test_hold_down_counts_from_quorum_loss),
	};

	return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
