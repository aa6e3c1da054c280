/*
 * node: watch the local data node's role over one hiredis async connection.
 *
 * ROLE is read on every (re)connect, every role-check-interval and whenever
 * node_poke() hints at a change. Sentinel's promotion and demotion
 * transactions kill client connections (reference A.2-2), so a dropped
 * connection is itself a hint: the first reconnect is immediate, later ones
 * back off up to one second. A request unanswered for command-timeout drops
 * the connection (hiredis 0.14 has no timeouts of its own) and makes the node
 * "unreachable since the request was sent".
 * `changed` is called whenever the observed state changes.
 */
#ifndef VIPD_NODE_H
#define VIPD_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "decide.h"

struct loop;
struct node;

struct node_state {
	enum node_role role;		/* last observed */
	bool answered;			/* got at least one answer or failure */
	bool reachable;
	bool refused;			/* nothing listens (connect refused) */
	uint64_t unreachable_since;	/* ms monotonic, when !reachable */
	int64_t last_seen;		/* wall clock seconds of last answer */
};

struct node *node_new(struct loop *l, const struct vip_config *cfg,
    void (*changed)(void *arg), void *arg);
void node_free(struct node *n);		/* NULL-safe */
void node_poke(struct node *n);		/* re-read ROLE now */
/* Point at an identical configuration (reload); nothing restarts. */
void node_rebind(struct node *n, const struct vip_config *cfg);
const struct node_state *node_state(const struct node *n);

#endif
