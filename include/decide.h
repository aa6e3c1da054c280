/*
 * decide: the decision engine. Given everything vipd knows about one VIP,
 * say whether this node may hold it. Pure: no I/O, no clock reads (time is
 * an input), no allocation; the same input always gives the same output.
 *
 * The rules (safety core; see README "How vipd decides"):
 *  - interface missing or down                  -> FAULT
 *  - local node reports replica                  -> RELEASE
 *  - local node unreachable > redis-down-after, or refusing connections
 *    (no server listening: not a blip)           -> RELEASE
 *  - a reachable Sentinel leads a failover away from this node -> RELEASE
 *  - early-claim: local master, promoted by a reachable Sentinel leader
 *    elected for the current epoch               -> HOLD
 *  - a majority of configured Sentinels names another node -> RELEASE
 *  - local master and a majority names this node -> HOLD
 *  - fewer than a majority of Sentinels reachable: if we hold, follow
 *    no-quorum-policy (keep, or release after no-quorum-hold-down); if we do
 *    not hold, never claim on a minority view -> RELEASE
 *  - anything else (role unknown, opinions split, failover in progress)
 *                                                -> RELEASE
 * A restarted old master says role:master for ~10 s before Sentinel demotes
 * it (reference A.4): local role alone never claims.
 */
#ifndef VIPD_DECIDE_H
#define VIPD_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "netaddr.h"

enum node_role {
	NODE_ROLE_UNKNOWN = 0,	/* never observed */
	NODE_ROLE_MASTER,
	NODE_ROLE_REPLICA,
	NODE_ROLE_OTHER,	/* e.g. the address answers as a sentinel */
};

enum verdict {
	VERDICT_RELEASE = 0,
	VERDICT_HOLD,
	VERDICT_FAULT,
};

struct sentinel_view {
	bool reachable;		/* last poll answered in time */
	bool has_master;	/* it answered with an address (not nil) */
	struct hostport master;	/* get-master-addr-by-name answer */
	uint64_t unreachable_since;	/* ms, valid when !reachable */

	/* A failover this sentinel leads: it published +elected-leader after
	 * winning the vote for `failover_epoch`, and has not published
	 * -failover-abort-* since, nor seen a newer epoch (see README "Early
	 * claim"). */
	bool failover;
	uint64_t failover_epoch;
	uint64_t failover_since;	/* ms */
	struct hostport failover_from;	/* the master being replaced */
	bool promoting;			/* +selected-slave and later seen */
	struct hostport promoting_to;	/* the replica it promotes */
};

/* A leader's failover older than this no longer authorises anything: by
 * then it has completed (+switch-master) or Sentinel's own failover-timeout
 * machinery is at work; the majority rule decides alone. */
#define DECIDE_FAILOVER_MAX	10000	/* ms */

/* Who "this node" is, as Sentinel would name it. */
struct self_id {
	const struct hostport *announce;   /* NULL: automatic */
	const struct netaddr *local_addrs; /* addresses on the host's interfaces */
	size_t n_local_addrs;
	uint16_t port;			   /* the local Redis port */
	const struct netaddr *vip;	   /* never counts as this node */
};

/* Does a Sentinel answer `named` designate this node? With announce set
 * only the announce address matches; otherwise any local address other than
 * the VIP with the local Redis port. */
bool decide_is_self(const struct self_id *self, const struct hostport *named);

struct decide_input {
	uint64_t now;			/* ms, monotonic */
	const struct vip_config *cfg;
	struct self_id self;

	enum node_role role;		/* as last observed */
	bool node_reachable;
	uint64_t node_unreachable_since;	/* ms, valid when !node_reachable */
	bool node_refused;		/* last connect was refused: no server */

	bool link_present;
	bool link_up;
	bool holding;			/* the VIP is on our interface now */

	const struct sentinel_view *sentinels;	/* cfg->n_sentinels entries */
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
};

void decide(const struct decide_input *in, struct decision *out);

const char *verdict_name(enum verdict v);	/* "hold", "release", "fault" */
const char *node_role_name(enum node_role r);	/* "master", "replica", ... */

#endif
