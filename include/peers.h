/*
 * peers: the other data nodes of one master that a VIP watches, for rules
 * 3 and 5 of decide.h (a node promoted out of this node's replication
 * stream; the old master's state before an early claim without ARP).
 * A peer is attached (node.h: shared with every VIP that watches it) the
 * first time a rule needs it and kept for PEERS_MEMORY after the last
 * time: a promoted replica leaves its master's replica list at the moment
 * rule 3 needs it most.
 */
#ifndef VIPD_PEERS_H
#define VIPD_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "node.h"
#include "watch.h"

#define PEERS_MAX	8
#define PEERS_MEMORY	60000	/* ms */

struct peer {
	struct hostport addr;
	struct node_user u;
	uint64_t wanted_at;		/* last time a rule needed it */
};

struct peers {
	struct watch_env *w;
	void (*changed)(void *arg);
	void *arg;
	const struct watch_creds *creds;/* borrowed: the VIP's, for redis */
	unsigned int interval, timeout;
	size_t n;
	struct peer *p[PEERS_MAX];
};

void peers_init(struct peers *ps, struct watch_env *w,
    void (*changed)(void *), void *arg);
/* Credentials for new peers (the data nodes share them). */
void peers_auth(struct peers *ps, const struct watch_creds *creds);
void peers_timing(struct peers *ps, unsigned int interval,
    unsigned int timeout);
/* A rule needs `hp` watched now. */
void peers_want(struct peers *ps, const struct hostport *hp, uint64_t now);
/* Forget the peers no rule needed for PEERS_MEMORY. */
void peers_expire(struct peers *ps, uint64_t now);
/* What each peer looks like, for decide(); returns the count. */
size_t peers_views(const struct peers *ps, struct peer_view *out);
void peers_clear(struct peers *ps);

#endif
