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
#include "decide.h"
#include "netaddr.h"

struct sentinel_status {
	struct hostport addr;		/* the configured sentinel */
	bool reachable;
	bool has_master;
	struct hostport master;		/* what it names, if has_master */
	bool names_us;
	int64_t last_seen;		/* last good answer */
	uint64_t events;		/* pub/sub events received */
};

struct vip_status {
	char name[128];
	struct prefix address;
	char interface[16];
	bool link_present;
	bool link_up;

	enum verdict verdict;		/* the current decision */
	bool holding;			/* the VIP is on the interface */
	int64_t since;			/* when the current state began */
	char last_token[32];		/* "+vip-acquired", ... or "" */
	char reason[192];

	struct hostport redis;		/* local node */
	enum node_role role;
	bool node_reachable;
	int64_t node_last_seen;

	unsigned int n_sentinels;
	unsigned int reachable, agree, other, majority;
	struct sentinel_status sentinels[CONFIG_MAX_SENTINELS];

	uint64_t garp_frames;		/* announce frames sent */
	uint64_t transitions;
	int64_t last_decision;		/* latest decide() run (0 = never) */
};

#endif
