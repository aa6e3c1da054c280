/*
 * status: a plain-data snapshot of one VIP, what `vipctl show` and `dump`
 * display. The daemon fills it (vip_get_status()), the control protocol
 * carries it (ctl.h), vipctl renders it. No pointers, so it can be copied
 * and compared freely. Times are wall-clock Unix seconds (0 = never).
 */
#ifndef VIPD_STATUS_H
#define VIPD_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "model.h"
#include "netaddr.h"

/* How a connection to a peer is doing: "up", "connecting", "resolving",
 * "down", ... (rconn_state_name()) and why it last failed ("" if it did
 * not): a connect error, a name that does not resolve, an error reply such
 * as NOAUTH or LOADING. */
struct conn_status {
	char state[16];
	char error[160];
};

struct sentinel_status {
	struct hostport addr;		/* the configured sentinel */
	struct conn_status conn;
	bool reachable;
	bool has_master;
	struct hostport master;		/* what it names, as it names it */
	/* what a named master resolved to (names only; n = 0: nothing) */
	unsigned int n_resolved;
	struct netaddr resolved[2];
	bool names_us;
	int64_t last_seen;		/* last good answer */
	uint64_t events;		/* pub/sub events received */
	uint64_t down_after;		/* it reports for this master, 0 = ? */
};

struct vip_status {
	char name[128];
	unsigned int n_addresses;
	struct prefix addresses[CONFIG_MAX_ADDRESSES];
	char interface[16];
	bool link_present;
	bool link_up;

	enum verdict verdict;		/* the current decision */
	bool holding;			/* the VIP is on the interface */
	int64_t since;			/* when the current state began */
	char last_token[32];		/* "+vip-acquired", ... or "" */
	char reason[192];

	struct hostport redis;		/* local node */
	struct conn_status node_conn;
	enum node_role role;
	bool node_reachable;
	int64_t node_last_seen;

	unsigned int n_sentinels;
	unsigned int reachable, agree, other, majority;
	struct sentinel_status sentinels[CONFIG_MAX_SENTINELS];

	struct timing timing;		/* the intervals in force */

	uint64_t garp_frames;		/* announce frames sent */
	uint64_t transitions;
	int64_t last_decision;		/* latest decide() run (0 = never) */
};

/* "up", "down" or "missing": the interface as the records and vipctl say
 * it. */
static inline const char *
status_link_word(const struct vip_status *st)
{
	if (!st->link_present)
		return "missing";
	return st->link_up ? "up" : "down";
}

#endif
