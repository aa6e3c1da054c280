/*
 * vip_int: what vip.c and vip_inputs.c share of one VIP (internal to the
 * vip module; see include/vip.h for the module's contract).
 */
#ifndef VIPD_VIP_INT_H
#define VIPD_VIP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "announce.h"
#include "decide.h"
#include "loop.h"
#include "node.h"
#include "peers.h"
#include "sentinel.h"
#include "vip.h"
#include "wirecheck.h"

struct notify;
struct refuse;

enum vip_state {
	VIP_INIT,
	VIP_HELD,
	VIP_RELEASED,
	VIP_FAULT,
};


struct vip {
	struct vip_env *env;
	const struct vip_config *cfg;
	char label[140];		/* "vip NAME" */
	char addrstr[CONFIG_MAX_ADDRESSES * (INET6_ADDRSTRLEN + 6)];

	struct node_user local;
	struct node *node;
	struct sentinel_user sentinels[CONFIG_MAX_SENTINELS];
	struct peers peers;
	struct notify *notify;		/* NULL without a notify program */
	/* AUTH and TLS for the data nodes (ours, and the peers) and for the
	 * Sentinels; the strings are the configuration's */
	struct watch_tls *tls;		/* NULL: no TLS at all */
	struct watch_creds redis_creds, sentinel_creds;

	int ifindex;
	bool link_present, link_up, link_arp;
	bool holding;			/* an address of ours is on the link */

	bool decided;			/* the first decide() has run */
	bool ready;			/* ... and has been carried out */
	uint64_t started;
	enum vip_state state;
	struct decision last;
	int64_t since;			/* wall clock of the last transition */
	int64_t last_decision;		/* wall clock of the last decide() */
	char token[32];
	uint64_t transitions;
	struct timing timing;

	struct announce announce;
	struct wirecheck wire;
	struct refuse *refuse;
	bool stopping;			/* vip_shutdown(): no more refusing */
	uint64_t refuse_until;
	struct loop_timer refuse_end;

	struct loop_timer recheck;	/* decide() asked to be re-run */
	struct loop_timer startup;	/* first decision at the latest */
};

/* vip.c */
void vip_changed(void *arg);		/* an input changed: decide again */

/* vip_inputs.c: everything decide() is given, from the watchers */
bool vip_inputs_ready(const struct vip *v);
bool vip_startup_over(const struct vip *v);
size_t vip_lookup(const void *ctx, const char *name, struct netaddr *out,
    size_t max);
void vip_self(const struct vip *v, struct self_id *self, const char **names);
void vip_update_timing(struct vip *v);
void vip_update_peers(struct vip *v, const struct self_id *self);

#endif
