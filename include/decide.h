/*
 * decide: the decision engine. Given everything vipd knows about one VIP,
 * say whether this node may hold it. Pure: no I/O, no clock reads (time is
 * an input), no allocation; the same input always gives the same output.
 * The rules, in the order they apply (docs/design.md, "The rules"):
 *
 *  1. interface missing or down                       -> FAULT
 *  2. local node refusing connections (no server), unreachable longer
 *     than redis-down-after (or at all, unless we hold the VIP on a master
 *     role seen before), a replica, or not known yet  -> RELEASE
 *  3. another data node reports master and was promoted out of this
 *     node's replication stream (its master_replid2 is our master_replid,
 *     and it is the same process we saw as a replica): a failover away
 *     from this node happened, whoever we can or cannot see says
 *     otherwise                                       -> RELEASE
 *  4. a reachable Sentinel leads a failover that has selected another
 *     node to promote in place of this one            -> RELEASE
 *  5. early claim: the leader elected for the newest epoch promotes this
 *     node, and no other node can still hold the VIP: on an interface with
 *     ARP/ND nobody answers a probe for it; on one without, the old master
 *     refuses connections or is a replica             -> HOLD
 *  6. a majority of the configured Sentinels names another node -> RELEASE
 *  7. a majority names this node (at once: a node that still answers
 *     for the VIP is late or stale, and the claim takes its clients) -> HOLD
 *  8. fewer than a majority of Sentinels reachable: never claim on a
 *     minority view; if we hold, no-quorum-policy (keep, or release after
 *     no-quorum-hold-down), unless a reachable one names another node
 *  9. anything else (opinions split, failover half way) -> RELEASE
 *
 * The local role alone never claims: a restarted old master says
 * role:master for ~10 s before Sentinel demotes it (docs/design.md, "The
 * old master's window").
 */
#ifndef VIPD_DECIDE_H
#define VIPD_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "model.h"
#include "netaddr.h"

/* A leader's failover older than this no longer authorises anything: by
 * then it has completed (+switch-master) or Sentinel's own failover-timeout
 * machinery is at work; the majority rule decides alone. */
#define DECIDE_FAILOVER_MAX	10000	/* ms */
/* A "nobody answers for the VIP" probe result is good for this long. */
#define DECIDE_WIRE_FRESH	100	/* ms */
/* An early claim's "somebody answers" is worth naming in a majority
 * claim's reason this long after (the probes repeat every 50 ms). */
#define DECIDE_WIRE_STALE_HOLDER	200	/* ms */

/* Who "this node" is, as Sentinel would name it. */
struct self_id {
	const struct hostport *announce;   /* NULL: automatic */
	const struct netaddr *local_addrs; /* addresses on the host's
					    * interfaces */
	size_t n_local_addrs;
	uint16_t port;			   /* the local Redis port */
	const struct prefix *vips;	   /* never count as this node */
	size_t n_vips;
	const char *const *names;	   /* this host's own names */
	size_t n_names;
	/* The addresses a DNS name has in the resolver's cache (never
	 * blocks): fills up to `max`, returns how many (0: unknown, pending
	 * or failed). NULL: no names resolve. */
	size_t (*lookup)(const void *ctx, const char *name,
	    struct netaddr *out, size_t max);
	const void *lookup_ctx;
};

/*
 * Does a Sentinel answer `named` designate this node (docs/design.md,
 * "Names")? A name that equals the configured announce name, or one of
 * this host's names (with the local Redis port), does. Otherwise a name
 * does only when it resolves, none of its addresses is a VIP, and every
 * one of them is this node's (the announce address, or a local address
 * with the local Redis port): several addresses of which only some are
 * ours, a name resolving to the VIP, and one that does not resolve are not
 * this node. An IP literal is this node when it is the announce address,
 * or, without announce, a local address other than a VIP with the local
 * Redis port.
 */
bool decide_is_self(const struct self_id *self, const struct hostport *named);

struct decide_input {
	uint64_t now;			/* ms, monotonic */
	const struct vip_config *cfg;
	const struct timing *timing;	/* the intervals in force */
	struct self_id self;

	enum node_role role;		/* as last observed */
	bool node_reachable;
	uint64_t node_unreachable_since;	/* ms, valid when
						 * !node_reachable */
	bool node_refused;		/* nothing listens: no server */
	const char *replid;		/* its master_replid, "" if not known */

	bool link_present;
	bool link_up;
	bool holding;			/* the VIP is on our interface now */

	const struct sentinel_view *sentinels;	/* cfg->n_sentinels entries */
	const struct peer_view *peers;	/* the other data nodes we watch */
	size_t n_peers;
	struct wire_view wire;		/* the last probe for the VIP */
};

struct decision {
	enum verdict verdict;
	char reason[192];	/* short, human, no trailing newline */
	size_t reachable;	/* sentinels that answered */
	size_t agree;		/* ... naming this node */
	size_t other;		/* ... naming another node */
	/* If non-zero: the verdict may change by the passage of time alone at
	 * this moment (ms); re-run decide() then. */
	uint64_t recheck_at;
	/* Probe the wire for the VIP and decide again with the result. */
	bool want_probe;
	bool early;		/* HOLD by early claim (rule 5) */
	/* Whatever the verdict: a reachable Sentinel names another node, or
	 * leads a failover away from this node that has selected another
	 * node (the VIP is on its way elsewhere; refuse.h may hand stale
	 * SYNs on to whoever announces it). */
	bool moving_away;
};

void decide(const struct decide_input *in, struct decision *out);

#endif
