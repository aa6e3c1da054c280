/*
 * node: watch one data node (the local one, or another node of the same
 * master) over one connection shared by every VIP that watches it.
 *
 * ROLE is read on every (re)connect, at the shortest interval any user
 * asks for, and whenever node_poke() hints at a change; INFO replication
 * with it while some user wants the replication ids and replicas.
 * Sentinel's promotion and demotion transactions kill client connections,
 * so a dropped connection is itself a hint: the first reconnect is
 * immediate, later ones back off up to one second (rconn.h). A request
 * unanswered for command-timeout drops the connection and makes the node
 * "unreachable since the request was sent". An error reply (LOADING,
 * NOAUTH, NOPERM...) makes it unreachable too; the same error again is
 * logged once, then at debug level with a count, and the last one is kept
 * for `vipctl show`.
 * Users' `changed` callbacks run whenever the observed state changes.
 */
#ifndef VIPD_NODE_H
#define VIPD_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "proto.h"
#include "watch.h"

struct node;

struct node_state {
	enum node_role role;		/* last observed */
	bool answered;			/* got at least one answer or failure */
	bool reachable;
	bool refused;			/* nothing listens (connect refused) */
	uint64_t unreachable_since;	/* ms monotonic, when !reachable */
	int64_t last_seen;		/* wall clock seconds of last answer */
	bool have_repl;			/* repl below is from the last poll */
	struct repl_info repl;		/* INFO replication, when asked */
	/* INFO server's run_id, when asked, and the one it had when last
	 * seen as a replica ("" = not known) */
	char run_id[REPLID_LEN + 1];
	char replica_run_id[REPLID_LEN + 1];
	char error[160];		/* why it is not reachable, "" if
					 * it is */
};

struct node_user {
	void (*changed)(void *arg);
	void *arg;
	unsigned int interval;		/* ROLE at least this often, ms */
	unsigned int timeout;		/* command-timeout, ms */
	bool want_repl;			/* INFO replication as well */
	bool want_run_id;		/* ... and INFO server's run_id */
	/* owned by node.c */
	struct node *node;
	struct node_user *next;
};

/* Attach `u` to the node at `addr` with these credentials (copied),
 * creating the connection if nobody watches it yet. NULL on failure. */
struct node *node_attach(struct watch_env *w, const struct hostport *addr,
    const struct watch_creds *cr, struct node_user *u);
void node_detach(struct node_user *u);		/* NULL-safe (unattached) */
/* The user's interval, timeout or want_repl changed. */
void node_user_changed(struct node_user *u);
void node_poke(struct node *n);			/* read ROLE now */
const struct node_state *node_state(const struct node *n);
/* The connection, for status: its state and the last error. */
const struct rconn *node_conn(const struct node *n);
/* For watch_close() only. */
struct node *node_next(const struct node *n);
void node_free(struct node *n);

#endif
