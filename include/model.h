/*
 * model: the types vipd's parts share. The watchers fill them, the
 * decision engine reads them, the status protocol carries them and vipctl
 * shows them. Plain data: no pointers to anything that lives elsewhere, so
 * they can be copied and compared freely.
 */
#ifndef VIPD_MODEL_H
#define VIPD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

const char *verdict_name(enum verdict v);	/* "hold", "release", "fault" */
const char *node_role_name(enum node_role r);	/* "master", "replica", ... */

/* A replication id as INFO replication prints it: 40 hex digits. */
#define REPLID_LEN	40

/* What one Sentinel says about one master. */
struct sentinel_view {
	bool reachable;		/* its last answer came in time */
	bool has_master;	/* it answered with an address (not nil) */
	struct hostport master;	/* get-master-addr-by-name answer */
	uint64_t unreachable_since;	/* ms, valid when !reachable */

	/*
	 * A failover this Sentinel leads, followed from its own events: it
	 * published +elected-leader after winning the vote for
	 * `failover_epoch` and has not published -failover-abort-* since, nor
	 * seen a newer epoch. Only the leader publishes these events
	 * (docs/design.md, "Who says what"), so this is state the engine may
	 * act on, not a mere trigger.
	 */
	bool failover;
	uint64_t failover_epoch;
	uint64_t failover_since;	/* ms */
	struct hostport failover_from;	/* the master being replaced */
	bool promoting;			/* +selected-slave and later seen */
	struct hostport promoting_to;	/* the replica it promotes */
};

/* What a Sentinel reports about a master's own timing (SENTINEL MASTER);
 * 0 = not known (yet). */
struct sentinel_params {
	uint64_t down_after;		/* down-after-milliseconds */
	uint64_t failover_timeout;	/* failover-timeout, ms */
	unsigned int quorum;
};

/* Another data node of the same master, as this node sees it. */
struct peer_view {
	struct hostport addr;
	bool answered;			/* at least one answer or failure */
	bool reachable;
	bool refused;			/* nothing listens there */
	enum node_role role;
	char replid2[REPLID_LEN + 1];	/* INFO replication's master_replid2 */
	/* INFO server's run_id now, and the one it had when last seen as a
	 * replica: the same means the same process, not a restart. */
	char run_id[REPLID_LEN + 1];
	char replica_run_id[REPLID_LEN + 1];
};

/* The interface as the wire sees it: a probe (probe.h) asks whether any
 * other node answers for the VIP before this one claims it. */
enum wire_state {
	WIRE_UNKNOWN = 0,	/* no probe result */
	WIRE_FREE,		/* nobody answered the last probe */
	WIRE_ANSWERED,		/* another node answered for the VIP */
};

struct wire_view {
	bool checkable;		/* the interface speaks ARP/ND and probing
				 * works: without that there is no probe */
	enum wire_state state;
	uint64_t at;		/* ms of the result */
	uint64_t answered_since;/* first answer of the current run, ms */
	uint8_t mac[6];		/* who answered */
};

/*
 * The intervals in force for one VIP, derived from its configuration and
 * from what the Sentinels report (timing.h), all in ms.
 */
enum timing_source {
	TIMING_CONFIGURED = 0,	/* an explicit value from the file */
	TIMING_AUTO,		/* derived from Sentinel's down-after */
	TIMING_DEFAULT,		/* auto, but no Sentinel has reported yet */
};

struct timing {
	unsigned int role_check_interval;
	unsigned int sentinel_poll_interval;
	unsigned int command_timeout;
	unsigned int redis_down_after;
	unsigned int no_quorum_hold_down;
	enum timing_source source[5];	/* in the order above */
	uint64_t down_after;		/* smallest reported, 0 = none yet */
	unsigned int reporting;		/* Sentinels that reported it */
	/* The release bounds against down_after, when they are broken:
	 * "" when fine (or nothing reported). */
	char warning[256];
};

#endif
