/*
 * The decision engine, one table row per scenario. Each row is a complete
 * picture of what vipd knows (local role, what every sentinel says, the
 * failover a sentinel leads, the other data nodes, the wire, the link,
 * whether we hold the VIP, the clock) and the verdict a careful operator
 * would want, with a piece of the reason the log will show. `rule` names
 * the rule of include/decide.h the row is about.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decide.h"

#define T0	1000000ULL	/* an arbitrary "now" */

#define US	"192.0.2.11:6379"
#define OLD	"192.0.2.12:6379"
#define THIRD	"192.0.2.13:6379"
#define OUR_REPLID	"1111111111111111111111111111111111111111"
#define NEW_REPLID	"2222222222222222222222222222222222222222"
#define RUN_A		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define RUN_B		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/*
 * views: one char per sentinel:
 *   u  names this node (the announce address when announce is set)
 *   o  names another node (192.0.2.12:6379)    t  a third one (.13)
 *   v  names the VIP itself                    n  answers nil
 *   l  names our local address (though announce says otherwise)
 *   N  names us by a DNS name ("n1.test")      M  another by name ("n2.test")
 *   1..9 unreachable since T0 - digit seconds
 */
struct row {
	const char *rule;
	const char *name;
	const char *views;
	enum node_role role;
	int node_down_ms;		/* > 0: unreachable for this long */
	bool refused;			/* local node refuses connections */
	bool holding;
	bool link_absent, link_down;
	bool keep_policy;
	bool announce;			/* announce = 192.0.2.211:6379 */
	bool v6;			/* IPv6 addressing throughout */
	bool early_claim;
	/* sentinel 0 (and 1) lead a failover from -> to */
	const char *from, *to;
	uint64_t age, epoch;		/* ms since +elected-leader */
	const char *from1, *to1;
	uint64_t epoch1;
	/* another data node we watch */
	const char *peer;
	enum node_role peer_role;
	bool peer_refused;
	const char *peer_replid2;
	const char *peer_run_id;	/* now */
	const char *peer_replica_run_id;	/* when last seen as a replica */
	/* the interface speaks ARP: claims ask the wire first */
	bool arp;
	enum wire_state wire;
	uint64_t wire_age;		/* ms since the probe result */
	uint64_t answered_for;		/* ms another node has answered */

	enum verdict want;
	const char *reason;		/* substring of the reason */
	uint64_t recheck;		/* expected recheck_at - T0, 0 = none */
	bool want_probe;
	bool early;			/* a HOLD by early claim */
};

#define M	NODE_ROLE_MASTER
#define R	NODE_ROLE_REPLICA
#define HOLD	VERDICT_HOLD
#define REL	VERDICT_RELEASE
#define FAULT	VERDICT_FAULT

static const struct row rows[] = {
	/* --- 1: the interface ------------------------------------------ */
	{ .rule = "1 link", .name = "interface down", .views = "uuu",
	  .role = M, .holding = true, .link_down = true,
	  .want = FAULT, .reason = "interface eth0 is down" },
	{ .rule = "1 link", .name = "interface missing", .views = "uuu",
	  .role = M, .link_absent = true,
	  .want = FAULT, .reason = "interface eth0 not found" },

	/* --- 2: the local node ------------------------------------------- */
	{ .rule = "2 local", .name = "replica, sentinels name another",
	  .views = "ooo", .role = R,
	  .want = REL, .reason = "local node is a replica" },
	{ .rule = "2 local", .name = "replica while a majority names us "
	  "(stale sentinels)", .views = "uuu", .role = R, .holding = true,
	  .want = REL, .reason = "replica" },
	{ .rule = "2 local", .name = "unreachable, not holding",
	  .views = "uuu", .role = M, .node_down_ms = 200,
	  .want = REL, .reason = "local node 192.0.2.11:6379 unreachable" },
	{ .rule = "2 local", .name = "blip within redis-down-after, holding",
	  .views = "uuu", .role = M, .node_down_ms = 200, .holding = true,
	  .want = HOLD, .reason = "tolerated up to 1500 ms", .recheck = 1300 },
	{ .rule = "2 local", .name = "unreachable past redis-down-after",
	  .views = "uuu", .role = M, .node_down_ms = 1500, .holding = true,
	  .want = REL, .reason = "unreachable for 1500 ms (redis-down-after "
	  "1500 ms)" },
	{ .rule = "2 local", .name = "refuses connections (a crash)",
	  .views = "uuu", .role = M, .node_down_ms = 5, .refused = true,
	  .holding = true,
	  .want = REL, .reason = "local node 192.0.2.11:6379 refuses "
	  "connections" },
	{ .rule = "2 local", .name = "role not known yet", .views = "uuu",
	  .role = NODE_ROLE_UNKNOWN,
	  .want = REL, .reason = "local role not known yet" },
	{ .rule = "2 local", .name = "the address answers as a sentinel",
	  .views = "uuu", .role = NODE_ROLE_OTHER,
	  .want = REL, .reason = "not a Redis data node" },

	/* --- 3: a node promoted out of our stream ---------------------- */
	{ .rule = "3 promoted peer", .name = "old master blind to the "
	  "leader: the replica it saw is master, its history continues ours",
	  .views = "uuu", .role = M, .holding = true, .peer = OLD,
	  .peer_role = M, .peer_replid2 = OUR_REPLID, .peer_run_id = RUN_A,
	  .peer_replica_run_id = RUN_A,
	  .want = REL, .reason = "192.0.2.12:6379 reports master, promoted "
	  "from this node's replication stream" },
	{ .rule = "3 promoted peer", .name = "the same while not holding: "
	  "never claim", .views = "uuu", .role = M, .peer = OLD,
	  .peer_role = M, .peer_replid2 = OUR_REPLID, .peer_run_id = RUN_A,
	  .peer_replica_run_id = RUN_A,
	  .want = REL, .reason = "promoted from this node's replication" },
	{ .rule = "3 promoted peer", .name = "a replica restarted as master "
	  "from its RDB (our id restored as its replid2) is a new process: "
	  "not a promotion", .views = "uuu", .role = M, .holding = true,
	  .peer = OLD, .peer_role = M, .peer_replid2 = OUR_REPLID,
	  .peer_run_id = RUN_B, .peer_replica_run_id = RUN_A,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "3 promoted peer", .name = "never seen as a replica: not "
	  "known to be promoted", .views = "uuu", .role = M, .holding = true,
	  .peer = OLD, .peer_role = M, .peer_replid2 = OUR_REPLID,
	  .peer_run_id = RUN_A,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "3 promoted peer", .name = "a restarted old master says "
	  "master with a fresh history: the holder keeps the VIP",
	  .views = "uuu", .role = M, .holding = true, .peer = OLD,
	  .peer_role = M, .peer_replid2 = NEW_REPLID,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "3 promoted peer", .name = "peer master, its history not "
	  "known (INFO refused): the majority decides", .views = "uuu",
	  .role = M, .holding = true, .peer = OLD, .peer_role = M,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "3 promoted peer", .name = "peer a replica of ours",
	  .views = "uuu", .role = M, .holding = true, .peer = OLD,
	  .peer_role = R, .peer_replid2 = OUR_REPLID,
	  .want = HOLD, .reason = "3/3 sentinels agree" },

	/* --- 4: a failover away from this node -------------------------- */
	{ .rule = "4 away", .name = "the leader promotes another node while "
	  "we still say master", .views = "uuu", .role = M, .holding = true,
	  .early_claim = true, .from = US, .to = OLD, .age = 300, .epoch = 7,
	  .want = REL, .reason = "leads a failover away from this node "
	  "(epoch 7, promoting 192.0.2.12:6379)" },
	{ .rule = "4 away", .name = "the same with early claim off",
	  .views = "uuu", .role = M, .holding = true, .from = US, .to = OLD,
	  .age = 50, .epoch = 7,
	  .want = REL, .reason = "away from this node" },
	{ .rule = "4 away", .name = "leader elected, no replica selected "
	  "yet: an attempt that may abort blinks nothing", .views = "uuu",
	  .role = M, .holding = true, .early_claim = true, .from = US,
	  .age = 50, .epoch = 7,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "4 away", .name = "aborted failover (cleared): majority "
	  "rule again", .views = "uuu", .role = M, .early_claim = true,
	  .want = HOLD, .reason = "3/3 sentinels agree" },

	/* --- 5: early claim ----------------------------------------------- */
	{ .rule = "5 early", .name = "the elected leader promotes us (no "
	  "ARP: the old master refuses connections)", .views = "ooo",
	  .role = M, .early_claim = true, .from = OLD, .to = US, .age = 300,
	  .epoch = 7, .peer = OLD, .peer_refused = true,
	  .want = HOLD, .early = true, .reason = "promoted by sentinel "
	  "192.0.2.21:26379, elected leader for epoch 7; the old master "
	  "192.0.2.12:6379 refuses connections (early claim)" },
	{ .rule = "5 early", .name = "no ARP, the old master is a replica",
	  .views = "ooo", .role = M, .early_claim = true, .from = OLD,
	  .to = US, .age = 300, .epoch = 7, .peer = OLD, .peer_role = R,
	  .want = HOLD, .early = true, .reason = "is a replica (early "
	  "claim)" },
	{ .rule = "5 early", .name = "no ARP, the old master still says "
	  "master: wait for the majority", .views = "ooo", .role = M,
	  .early_claim = true, .from = OLD, .to = US, .age = 300, .epoch = 7,
	  .peer = OLD, .peer_role = M,
	  .want = REL, .reason = "3/3 sentinels name 192.0.2.12:6379" },
	{ .rule = "5 early", .name = "no ARP, the old master not watched",
	  .views = "ooo", .role = M, .early_claim = true, .from = OLD,
	  .to = US, .age = 300, .epoch = 7,
	  .want = REL, .reason = "3/3 sentinels name" },
	{ .rule = "5 early", .name = "ARP: ask the wire first",
	  .views = "ooo", .role = M, .early_claim = true, .from = OLD,
	  .to = US, .age = 300, .epoch = 7, .arp = true,
	  .want = REL, .want_probe = true, .reason = "asking the wire "
	  "whether another node still has the VIP" },
	{ .rule = "5 early", .name = "ARP: the old holder still answers",
	  .views = "ooo", .role = M, .early_claim = true, .from = OLD,
	  .to = US, .age = 300, .epoch = 7, .arp = true,
	  .wire = WIRE_ANSWERED, .answered_for = 5000,
	  .want = REL, .want_probe = true, .reason = "but "
	  "02:00:00:00:00:12 still answers for the VIP" },
	{ .rule = "5 early", .name = "ARP: the old holder still answers, "
	  "but the majority names us now: rule 7 claims", .views = "uuu",
	  .role = M, .early_claim = true, .from = OLD, .to = US, .age = 1200,
	  .epoch = 7, .arp = true, .wire = WIRE_ANSWERED, .wire_age = 10,
	  .answered_for = 1100, .want = HOLD, .reason = "3/3 sentinels "
	  "agree; 02:00:00:00:00:12 still answers for the VIP: claiming it" },
	{ .rule = "5 early", .name = "ARP: nobody answers: claim",
	  .views = "ooo", .role = M, .early_claim = true, .from = OLD,
	  .to = US, .age = 300, .epoch = 7, .arp = true, .wire = WIRE_FREE,
	  .wire_age = 5,
	  .want = HOLD, .early = true, .reason = "elected leader for epoch "
	  "7 (early claim)" },
	{ .rule = "5 early", .name = "ARP: a stale 'nobody answers' is "
	  "asked again", .views = "ooo", .role = M, .early_claim = true,
	  .from = OLD, .to = US, .age = 300, .epoch = 7, .arp = true,
	  .wire = WIRE_FREE, .wire_age = DECIDE_WIRE_FRESH + 1,
	  .want = REL, .want_probe = true, .reason = "asking the wire" },
	{ .rule = "5 early", .name = "early claim off: wait for the "
	  "majority", .views = "ooo", .role = M, .from = OLD, .to = US,
	  .age = 300, .epoch = 7, .peer = OLD, .peer_refused = true,
	  .want = REL, .reason = "3/3 sentinels name 192.0.2.12:6379" },
	{ .rule = "5 early", .name = "leader selected us, but we are not "
	  "master yet", .views = "ooo", .role = R, .early_claim = true,
	  .from = OLD, .to = US, .age = 300, .epoch = 7,
	  .want = REL, .reason = "local node is a replica" },
	{ .rule = "5 early", .name = "leader elected, no replica selected "
	  "yet", .views = "ooo", .role = M, .early_claim = true, .from = OLD,
	  .age = 100, .epoch = 7,
	  .want = REL, .reason = "3/3 sentinels name" },
	{ .rule = "5 early", .name = "a sentinel names a third node: no "
	  "early claim", .views = "oot", .role = M, .early_claim = true,
	  .from = OLD, .to = US, .age = 300, .epoch = 7, .peer = OLD,
	  .peer_refused = true,
	  .want = REL, .reason = "3/3 sentinels name 192.0.2.12:6379" },
	{ .rule = "5 early", .name = "the failover is older than "
	  "DECIDE_FAILOVER_MAX", .views = "ooo", .role = M,
	  .early_claim = true, .from = OLD, .to = US,
	  .age = DECIDE_FAILOVER_MAX, .epoch = 7, .peer = OLD,
	  .peer_refused = true,
	  .want = REL, .reason = "3/3 sentinels name" },
	{ .rule = "5 early", .name = "leader unreachable: its failover "
	  "authorises nothing", .views = "1oo", .role = M,
	  .early_claim = true, .from = OLD, .to = US, .age = 300, .epoch = 7,
	  .peer = OLD, .peer_refused = true,
	  .want = REL, .reason = "2/3 sentinels name" },
	{ .rule = "5 early", .name = "a newer epoch promotes another node",
	  .views = "ooo", .role = M, .early_claim = true, .from = OLD,
	  .to = US, .age = 300, .epoch = 7, .from1 = OLD, .to1 = THIRD,
	  .epoch1 = 8, .peer = OLD, .peer_refused = true,
	  .want = REL, .reason = "3/3 sentinels name" },
	{ .rule = "5 early", .name = "a newer epoch promotes us",
	  .views = "ooo", .role = M, .early_claim = true, .from = OLD,
	  .to = THIRD, .age = 300, .epoch = 7, .from1 = OLD, .to1 = US,
	  .epoch1 = 8, .peer = OLD, .peer_refused = true,
	  .want = HOLD, .early = true, .reason = "promoted by sentinel "
	  "192.0.2.22:26379, elected leader for epoch 8" },
	/* The leader's SLAVEOF NO ONE transaction kills client
	 * connections: a node that claimed early sees its connection drop
	 * at +failover-state-wait-promotion. */
	{ .rule = "5 early", .name = "early claim held, the promotion drops "
	  "our connection: keep", .views = "ooo", .role = M,
	  .node_down_ms = 5, .holding = true, .early_claim = true,
	  .from = OLD, .to = US, .age = 300, .epoch = 7,
	  .want = HOLD, .early = true, .reason = "(early claim)" },
	{ .rule = "5 early", .name = "the same drop before we claimed: never "
	  "claim blind", .views = "ooo", .role = M, .node_down_ms = 5,
	  .early_claim = true, .from = OLD, .to = US, .age = 300, .epoch = 7,
	  .peer = OLD, .peer_refused = true,
	  .want = REL, .reason = "local node 192.0.2.11:6379 unreachable" },

	/* --- 6 and 7: the majority ---------------------------------------- */
	{ .rule = "7 majority", .name = "normal master, all agree",
	  .views = "uuu", .role = M,
	  .want = HOLD, .reason = "local master; 3/3 sentinels agree" },
	{ .rule = "7 majority", .name = "normal master, already holding",
	  .views = "uuu", .role = M, .holding = true,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "6 majority other", .name = "restarted old master, "
	  "sentinels name the new one", .views = "ooo", .role = M,
	  .want = REL, .reason = "3/3 sentinels name 192.0.2.12:6379 as "
	  "master" },
	{ .rule = "6 majority other", .name = "failover half way: leader "
	  "switched, others not yet", .views = "uoo", .role = M,
	  .want = REL, .reason = "2/3 sentinels name" },
	{ .rule = "7 majority", .name = "leader and one more switched: "
	  "claim", .views = "uuo", .role = M,
	  .want = HOLD, .reason = "2/3 sentinels agree" },
	{ .rule = "7 majority", .name = "ARP: a majority claim does not ask "
	  "the wire", .views = "uuu", .role = M, .arp = true,
	  .want = HOLD, .reason = "local master; 3/3 sentinels agree" },
	{ .rule = "7 majority", .name = "ARP: nobody answers: claim",
	  .views = "uuu", .role = M, .arp = true, .wire = WIRE_FREE,
	  .wire_age = 10,
	  .want = HOLD, .reason = "local master; 3/3 sentinels agree" },
	{ .rule = "7 majority", .name = "ARP: another node still answers: "
	  "claim anyway, and say so", .views = "uuu", .role = M,
	  .arp = true, .wire = WIRE_ANSWERED, .wire_age = 10,
	  .answered_for = 400, .want = HOLD, .reason = "02:00:00:00:00:12 "
	  "still answers for the VIP: claiming it" },
	{ .rule = "7 majority", .name = "ARP: an old answer is not named",
	  .views = "uuu", .role = M, .arp = true, .wire = WIRE_ANSWERED,
	  .wire_age = DECIDE_WIRE_STALE_HOLDER + 1, .answered_for = 5000,
	  .want = HOLD, .reason = "local master; 3/3 sentinels agree" },
	{ .rule = "7 majority", .name = "ARP: holding needs no probe",
	  .views = "uuu", .role = M, .holding = true, .arp = true,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "9 else", .name = "split opinions with one nil",
	  .views = "uon", .role = M, .holding = true,
	  .want = REL, .reason = "only 1/3 sentinels name this node "
	  "(majority 2)" },
	{ .rule = "9 else", .name = "nil answers (master name unknown)",
	  .views = "nnn", .role = M,
	  .want = REL, .reason = "only 0/3 sentinels name this node" },
	{ .rule = "7 majority", .name = "one sentinel down, two agree",
	  .views = "uu5", .role = M,
	  .want = HOLD, .reason = "2/3 sentinels agree" },
	{ .rule = "9 else", .name = "one down, one agrees, one names another",
	  .views = "uo5", .role = M, .holding = true,
	  .want = REL, .reason = "only 1/3 sentinels name this node" },
	{ .rule = "6 majority other", .name = "sentinels name the VIP "
	  "itself: never us", .views = "vvv", .role = M,
	  .want = REL, .reason = "name 192.0.2.100:6379 as master" },
	{ .rule = "7 majority", .name = "IPv6: master, all agree",
	  .views = "uuu", .role = M, .v6 = true,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "6 majority other", .name = "IPv6: restarted old master",
	  .views = "ooo", .role = M, .v6 = true,
	  .want = REL, .reason = "name [2001:db8::12]:6379 as master" },
	{ .rule = "7 majority", .name = "announce: sentinels name the "
	  "announce address", .views = "uuu", .role = M, .announce = true,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "6 majority other", .name = "announce: the local address "
	  "alone is not us", .views = "lll", .role = M, .announce = true,
	  .want = REL, .reason = "3/3 sentinels name 192.0.2.11:6379" },
	{ .rule = "7 majority", .name = "names: sentinels name us by a name "
	  "that resolves to our address", .views = "NNN", .role = M,
	  .want = HOLD, .reason = "3/3 sentinels agree" },
	{ .rule = "6 majority other", .name = "names: sentinels name another "
	  "node by name", .views = "MMM", .role = M, .holding = true,
	  .want = REL, .reason = "3/3 sentinels name n2.test:6379" },

	/* --- 8: fewer than a majority reachable --------------------------- */
	{ .rule = "8 minority", .name = "two down, holding, release policy, "
	  "within hold-down", .views = "u93", .role = M, .holding = true,
	  .want = HOLD, .reason = "releasing in 2000 ms", .recheck = 2000 },
	{ .rule = "8 minority", .name = "two down, holding, release policy, "
	  "hold-down passed", .views = "u96", .role = M, .holding = true,
	  .want = REL, .reason = "for 6000 ms (no-quorum-hold-down 5000 ms)" },
	{ .rule = "8 minority", .name = "two down, holding, keep policy",
	  .views = "u99", .role = M, .holding = true, .keep_policy = true,
	  .want = HOLD, .reason = "no-quorum-policy keep" },
	{ .rule = "8 minority", .name = "two down, not holding: never claim "
	  "on a minority", .views = "u11", .role = M, .keep_policy = true,
	  .want = REL, .reason = "not claiming on a minority view" },
	{ .rule = "8 minority", .name = "two down, the one left names "
	  "another", .views = "o99", .role = M, .holding = true,
	  .keep_policy = true,
	  .want = REL, .reason = "1 of them name 192.0.2.12:6379" },
	{ .rule = "8 minority", .name = "all down, keep policy, holding",
	  .views = "999", .role = M, .holding = true, .keep_policy = true,
	  .want = HOLD, .reason = "0/3 sentinels reachable" },
};

struct fixture {
	struct vip_config cfg;
	struct hostport sentinels[3];
	struct netaddr local[2];
	struct hostport announce;
	struct timing timing;
	struct peer_view peer;
};

/* The resolver's cache as the test sees it: n1.test is us, n2.test the
 * other node, both.test both of them, vip.test the VIP; nothing else
 * resolves. */
static size_t
fake_lookup(const void *ctx, const char *name, struct netaddr *out,
    size_t max)
{
	static const struct { const char *name, *a, *b; } zone[] = {
		{ "n1.test", "192.0.2.11", NULL },
		{ "n2.test", "192.0.2.12", NULL },
		{ "both.test", "192.0.2.11", "192.0.2.12" },
		{ "vip.test", "192.0.2.100", NULL },
		{ "ann.test", "192.0.2.211", NULL },
	};
	size_t n = 0;

	(void)ctx;
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (!netaddr_name_equal(name, zone[i].name))
			continue;
		if (n < max && netaddr_parse(zone[i].a, &out[n]) == 0)
			n++;
		if (zone[i].b && n < max && netaddr_parse(zone[i].b,
		    &out[n]) == 0)
			n++;
	}
	return n;
}

static void
setup(struct fixture *f, const struct row *r, struct decide_input *in)
{
	memset(f, 0, sizeof(*f));
	f->cfg.name = "mymaster";
	f->cfg.interface = "eth0";
	f->cfg.n_addresses = 1;
	assert_int_equal(prefix_parse(r->v6 ? "2001:db8::100" : "192.0.2.100",
	    &f->cfg.addresses[0]), 0);
	assert_int_equal(hostport_parse(r->v6 ? "[2001:db8::11]:6379" : US,
	    &f->cfg.redis), 0);
	f->cfg.n_sentinels = 3;
	f->cfg.sentinels = f->sentinels;
	assert_int_equal(hostport_parse("192.0.2.21:26379", &f->sentinels[0]),
	    0);
	assert_int_equal(hostport_parse("192.0.2.22:26379", &f->sentinels[1]),
	    0);
	assert_int_equal(hostport_parse("192.0.2.23:26379", &f->sentinels[2]),
	    0);
	f->cfg.no_quorum_policy = r->keep_policy ? NO_QUORUM_KEEP :
	    NO_QUORUM_RELEASE;
	f->cfg.early_claim = r->early_claim;
	f->timing.redis_down_after = 1500;
	f->timing.no_quorum_hold_down = 5000;
	assert_int_equal(netaddr_parse(r->v6 ? "2001:db8::11" : "192.0.2.11",
	    &f->local[0]), 0);
	assert_int_equal(netaddr_parse("127.0.0.1", &f->local[1]), 0);
	if (r->announce) {
		assert_int_equal(hostport_parse("192.0.2.211:6379",
		    &f->announce), 0);
		f->cfg.has_announce = true;
		f->cfg.announce = f->announce;
	}
	memset(in, 0, sizeof(*in));
	in->now = T0;
	in->cfg = &f->cfg;
	in->timing = &f->timing;
	in->self.announce = r->announce ? &f->announce : NULL;
	in->self.local_addrs = f->local;
	in->self.n_local_addrs = 2;
	in->self.port = 6379;
	in->self.vips = f->cfg.addresses;
	in->self.n_vips = 1;
	in->self.lookup = fake_lookup;
	in->replid = OUR_REPLID;
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
	case 'u':
		addr = v6 ? "[2001:db8::11]:6379" : US;
		break;
	case 'a':	/* "u" when announce is set */
		addr = "192.0.2.211:6379";
		break;
	case 'l':
		addr = US;
		break;
	case 'o':
		addr = v6 ? "[2001:db8::12]:6379" : OLD;
		break;
	case 't':
		addr = THIRD;
		break;
	case 'v':
		addr = "192.0.2.100:6379";
		break;
	case 'N':
		addr = "n1.test:6379";
		break;
	case 'M':
		addr = "n2.test:6379";
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
set_wire(const struct row *r, struct decide_input *in)
{
	static const uint8_t other[6] = { 2, 0, 0, 0, 0, 0x12 };

	in->wire.checkable = r->arp;
	in->wire.state = r->wire;
	in->wire.at = T0 - r->wire_age;
	in->wire.answered_since = T0 - r->answered_for;
	memcpy(in->wire.mac, other, sizeof(other));
}

static void
set_peer(struct fixture *f, const struct row *r, struct decide_input *in)
{
	if (!r->peer)
		return;
	assert_int_equal(hostport_parse(r->peer, &f->peer.addr), 0);
	f->peer.answered = true;
	f->peer.refused = r->peer_refused;
	f->peer.reachable = !r->peer_refused;
	f->peer.role = r->peer_refused ? NODE_ROLE_UNKNOWN : r->peer_role;
	if (r->peer_replid2)
		memcpy(f->peer.replid2, r->peer_replid2, REPLID_LEN);
	if (r->peer_run_id)
		memcpy(f->peer.run_id, r->peer_run_id, REPLID_LEN);
	if (r->peer_replica_run_id)
		memcpy(f->peer.replica_run_id, r->peer_replica_run_id,
		    REPLID_LEN);
	in->peers = &f->peer;
	in->n_peers = 1;
}

/* decide() on the input a row describes. */
static void
decide_row(const struct row *r, struct decision *d)
{
	struct sentinel_view views[3];
	struct decide_input in;
	struct fixture f;

	setup(&f, r, &in);
	for (size_t k = 0; k < 3; k++)
		set_view(&views[k], r->announce && r->views[k] == 'u' ? 'a' :
		    r->views[k], r->v6);
	set_failover(&views[0], r->from, r->to, r->age, r->epoch);
	set_failover(&views[1], r->from1, r->to1, r->age, r->epoch1);
	set_wire(r, &in);
	set_peer(&f, r, &in);
	in.role = r->role;
	in.node_reachable = r->node_down_ms == 0;
	in.node_unreachable_since = T0 - (uint64_t)r->node_down_ms;
	in.node_refused = r->refused;
	in.link_present = !r->link_absent;
	in.link_up = !r->link_down && !r->link_absent;
	in.holding = r->holding;
	in.sentinels = views;
	decide(&in, d);
}

static void
run_row(const struct row *r)
{
	struct decision d;

	decide_row(r, &d);
	if (d.verdict != r->want || !strstr(d.reason, r->reason) ||
	    d.want_probe != r->want_probe || d.early != r->early)
		fail_msg("rule %s, row \"%s\": got %s%s%s (%s), want %s%s%s "
		    "(...%s...)", r->rule, r->name, verdict_name(d.verdict),
		    d.want_probe ? " +probe" : "", d.early ? " early" : "",
		    d.reason, verdict_name(r->want), r->want_probe ? " +probe" :
		    "", r->early ? " early" : "", r->reason);
	/* A recheck is asked for when time alone can change the verdict:
	 * the hold-downs the rows name, or a failover's expiry. */
	if (r->recheck && d.recheck_at != T0 + r->recheck)
		fail_msg("rule %s, row \"%s\": recheck at %+lld, want %+llu",
		    r->rule, r->name, d.recheck_at ? (long long)(d.recheck_at -
		    T0) : 0LL, (unsigned long long)r->recheck);
	if (!r->recheck && !r->from && d.recheck_at != 0)
		fail_msg("rule %s, row \"%s\": unexpected recheck at %+lld",
		    r->rule, r->name, (long long)(d.recheck_at - T0));
}

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
}

/* decision.moving_away, which lets refuse hand kept SYNs on to whoever
 * announces the VIP: only when a reachable Sentinel names another node or
 * leads a failover away from us with the replacement selected, whatever
 * the verdict (a crashed node releases on its own state, rule 2). */
static void
test_moving_away(void **state)
{
	static const struct {
		struct row r;
		bool want;
	} cases[] = {
		{ { .name = "all name us", .views = "uuu", .role = M,
		    .holding = true }, false },
		{ { .name = "crashed, all still name us", .views = "uuu",
		    .refused = true }, false },
		{ { .name = "crashed, one names another", .views = "uuo",
		    .refused = true }, true },
		{ { .name = "crashed, the leader selected another",
		    .views = "uuu", .refused = true, .from = US, .to = OLD,
		    .age = 300, .epoch = 7 }, true },
		{ { .name = "crashed, leader elected, nobody selected",
		    .views = "uuu", .refused = true, .from = US, .age = 300,
		    .epoch = 7 }, false },
		{ { .name = "a failover of another master", .views = "ooo",
		    .role = R, .from = OLD, .to = US, .age = 300,
		    .epoch = 7 }, true },
		{ { .name = "a failover promoting us", .views = "uuu",
		    .role = M, .from = OLD, .to = US, .age = 300,
		    .epoch = 7 }, false },
		{ { .name = "the leader's failover is too old",
		    .views = "uuu", .refused = true, .from = US, .to = OLD,
		    .age = DECIDE_FAILOVER_MAX, .epoch = 7 }, false },
		{ { .name = "the one naming another is unreachable",
		    .views = "uu1", .refused = true }, false },
		{ { .name = "partitioned: nobody reachable",
		    .views = "123", .role = M, .holding = true }, false },
	};
	struct decision d;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		decide_row(&cases[i].r, &d);
		if (d.moving_away != cases[i].want)
			fail_msg("\"%s\": moving_away %d, want %d",
			    cases[i].r.name, d.moving_away, cases[i].want);
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

static bool
names_self(const struct self_id *self, const char *named)
{
	struct hostport hp;

	assert_int_equal(hostport_parse(named, &hp), 0);
	return decide_is_self(self, &hp);
}

static void
test_is_self(void **state)
{
	struct netaddr local[2];
	struct prefix vip;
	struct hostport announce;
	const char *names[] = { "node-1.example", "node-1" };
	struct self_id self = { .local_addrs = local, .n_local_addrs = 2,
	    .port = 6379, .vips = &vip, .n_vips = 1, .lookup = fake_lookup };

	(void)state;
	assert_int_equal(netaddr_parse("192.0.2.11", &local[0]), 0);
	assert_int_equal(netaddr_parse("2001:db8::11", &local[1]), 0);
	assert_int_equal(prefix_parse("192.0.2.100", &vip), 0);

	assert_true(names_self(&self, "192.0.2.11:6379"));
	assert_true(names_self(&self, "[2001:db8::11]:6379"));
	/* same host, another instance */
	assert_false(names_self(&self, "192.0.2.11:6380"));
	assert_false(names_self(&self, "192.0.2.12:6379"));
	/* the VIP is never this node, even when it is on our interface */
	local[1] = vip.addr;
	assert_false(names_self(&self, "192.0.2.100:6379"));
	/* an empty answer is nobody */
	{
		struct hostport none;

		memset(&none, 0, sizeof(none));
		assert_false(decide_is_self(&self, &none));
	}

	/* names: resolved through the cache, all addresses ours */
	assert_true(names_self(&self, "n1.test:6379"));
	assert_true(names_self(&self, "N1.TEST.:6379"));
	assert_false(names_self(&self, "n1.test:6380"));
	assert_false(names_self(&self, "n2.test:6379"));
	/* ambiguous: one address ours, one not */
	assert_false(names_self(&self, "both.test:6379"));
	/* a name for the VIP, and one that does not resolve */
	assert_false(names_self(&self, "vip.test:6379"));
	assert_false(names_self(&self, "nowhere.test:6379"));
	/* this host's own names match without any lookup */
	self.names = names;
	self.n_names = 2;
	assert_true(names_self(&self, "node-1:6379"));
	assert_true(names_self(&self, "NODE-1.example:6379"));
	assert_false(names_self(&self, "node-1:6380"));

	/* announce by address: only the announce address counts */
	assert_int_equal(hostport_parse("198.51.100.7:7000", &announce), 0);
	self.announce = &announce;
	assert_true(names_self(&self, "198.51.100.7:7000"));
	assert_false(names_self(&self, "192.0.2.11:6379"));
	assert_false(names_self(&self, "node-1:6379"));

	/* announce by name: the name, or an address it alone resolves to */
	assert_int_equal(hostport_parse("ann.test:7000", &announce), 0);
	assert_true(names_self(&self, "ann.test:7000"));
	assert_true(names_self(&self, "ANN.test.:7000"));
	assert_false(names_self(&self, "ann.test:6379"));
	assert_true(names_self(&self, "192.0.2.211:7000"));
	assert_false(names_self(&self, "192.0.2.11:7000"));
	assert_false(names_self(&self, "n1.test:7000"));
}

/* Five sentinels, three down at different times: quorum was lost when the
 * third went away, and the hold-down counts from then. */
static void
test_hold_down_counts_from_quorum_loss(void **state)
{
	struct hostport sent[5];
	struct sentinel_view v[5];
	struct netaddr local;
	struct timing timing = { .redis_down_after = 1500,
	    .no_quorum_hold_down = 5000 };
	struct vip_config cfg = { .name = "m", .interface = "eth0",
	    .n_sentinels = 5, .sentinels = sent, .n_addresses = 1,
	    .no_quorum_policy = NO_QUORUM_RELEASE };
	struct decide_input in = { .now = T0, .cfg = &cfg, .timing = &timing,
	    .role = NODE_ROLE_MASTER, .node_reachable = true,
	    .link_present = true, .link_up = true, .holding = true,
	    .sentinels = v };
	struct decision d;

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.100", &cfg.addresses[0]), 0);
	assert_int_equal(hostport_parse(US, &cfg.redis), 0);
	assert_int_equal(netaddr_parse("192.0.2.11", &local), 0);
	in.self = (struct self_id){ .local_addrs = &local, .n_local_addrs = 1,
	    .port = 6379, .vips = cfg.addresses, .n_vips = 1 };
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

/* A leader's failover ends by time alone: decide asks to be re-run then. */
static void
test_failover_expiry_recheck(void **state)
{
	const struct row r = { .views = "ooo", .role = M,
	    .early_claim = true, .from = OLD, .to = US, .age = 300,
	    .epoch = 7 };
	struct sentinel_view views[3];
	struct decide_input in;
	struct decision d;
	struct fixture f;

	(void)state;
	setup(&f, &r, &in);
	for (size_t k = 0; k < 3; k++)
		set_view(&views[k], 'o', false);
	set_failover(&views[0], r.from, r.to, r.age, r.epoch);
	in.role = NODE_ROLE_MASTER;
	in.node_reachable = true;
	in.link_present = in.link_up = true;
	in.sentinels = views;
	decide(&in, &d);
	assert_int_equal(d.recheck_at, T0 - 300 + DECIDE_FAILOVER_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_majority_of_configured),
		cmocka_unit_test(test_moving_away),
		cmocka_unit_test(test_is_self),
		cmocka_unit_test(test_hold_down_counts_from_quorum_loss),
		cmocka_unit_test(test_failover_expiry_recheck),
	};

	return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
