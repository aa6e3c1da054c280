/*
 * watch: the connections vipd keeps to data nodes and Sentinels, shared by
 * every VIP that names the same peer: one connection per data node
 * (node.h) and one command plus one subscriber connection per Sentinel
 * (sentinel.h), keyed by address and credentials, whatever the number of
 * VIPs. A VIP attaches a user record (node_user, sentinel_user) and
 * detaches it; the last detach frees the connection from the next loop
 * turn, so that a reload which keeps using a peer never reconnects it.
 */
#ifndef VIPD_WATCH_H
#define VIPD_WATCH_H

#include <stdbool.h>

struct loop;
struct resolver;
struct node;
struct sentinel;

struct watch_env {
	struct loop *loop;
	struct resolver *resolver;	/* NULL: IP literals only */
	struct node *nodes;		/* every watched data node */
	struct sentinel *sentinels;	/* every watched Sentinel */
};

/* Compare credentials, NULL-safe ("no password" equals only itself). */
bool watch_str_equal(const char *a, const char *b);
/* Free everything still watched (at exit). */
void watch_close(struct watch_env *w);

#endif
