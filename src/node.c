/* node: one watched data node, shared by its users (see node.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "node.h"
#include "proto.h"
#include "rconn.h"

struct node {
	struct watch_env *w;
	struct hostport addr;
	struct watch_creds_held auth;	/* for every reconnect */
	struct rconn conn;
	struct loop_timer poll;		/* next ROLE */
	struct loop_timer reaper;	/* frees a node nobody watches */
	struct node_state st;
	struct node_user *users;
	unsigned int interval;		/* the shortest a user asks for */
	bool want_repl, want_run_id;
	bool inflight;			/* a poll is outstanding */
	/* The last error reply to each command, logged once until a good
	 * answer to the same command: an ACL that refuses INFO must not be
	 * news at every poll because ROLE keeps working. */
	struct node_error {
		char msg[160];
		unsigned int repeats;
	} role_err, repl_err, server_err;
	struct node *next;
};

static void
node_notify(struct node *n)
{
	struct node_user *u, *next;

	/* A callback may detach its own user (never free the node: that
	 * waits for the reaper). */
	for (u = n->users; u; u = next) {
		next = u->next;
		u->changed(u->arg);
	}
}

static void
node_set(struct node *n, bool reachable, enum node_role role,
    uint64_t since, bool refused)
{
	bool changed = !n->st.answered || n->st.reachable != reachable ||
	    n->st.refused != refused || (reachable && n->st.role != role);

	n->st.answered = true;
	n->st.refused = refused;
	if (reachable) {
		n->st.role = role;
		n->st.last_seen = time(NULL);
		n->st.error[0] = '\0';
	} else if (n->st.reachable || since < n->st.unreachable_since) {
		n->st.unreachable_since = since;
	}
	n->st.reachable = reachable;
	if (changed) {
		log_debug("%s: %s%s", n->conn.label,
		    reachable ? "role " : "unreachable",
		    reachable ? node_role_name(role) : "");
		node_notify(n);
	}
}

/* An error reply to `what`, kept in `e`: the same error again is news
 * only to the debug log. */
static void
node_error(struct node *n, struct node_error *e, const char *what,
    const redisReply *reply)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%s answered: %.*s", what,
	    (int)(reply->len < 120 ? reply->len : 120), reply->str);
	if (strcmp(msg, e->msg) != 0) {
		log_warn("%s: %s", n->conn.label, msg);
		snprintf(e->msg, sizeof(e->msg), "%s", msg);
		e->repeats = 0;
	} else {
		log_debug("%s: %s (again, %u times)", n->conn.label, msg,
		    ++e->repeats);
	}
}

/* The next poll at the next multiple of the interval on the monotonic
 * clock, never later than an interval from now: every node polled at the
 * same interval then asks in the same loop turn, and the answers come
 * back together instead of each waking vipd at its own moment. */
static void
node_schedule(struct node *n)
{
	uint64_t now = loop_now(), iv = n->interval ? n->interval : 1;

	loop_timer_arm_at(n->w->loop, &n->poll, (now / iv + 1) * iv);
}

static void
node_repl_cb(void *arg, const redisReply *reply, uintptr_t tag)
{
	struct node *n = arg;
	struct repl_info ri;

	(void)tag;
	if (reply->type == REDIS_REPLY_ERROR) {
		node_error(n, &n->repl_err, "INFO replication", reply);
		n->st.have_repl = false;
	} else if (reply->type != REDIS_REPLY_STRING ||
	    proto_parse_info_repl(reply->str, reply->len, &ri) < 0) {
		rconn_drop(&n->conn, "malformed INFO replication reply");
		return;
	} else {
		bool changed = !n->st.have_repl ||
		    strcmp(ri.replid, n->st.repl.replid) != 0 ||
		    strcmp(ri.replid2, n->st.repl.replid2) != 0 ||
		    ri.n_replicas != n->st.repl.n_replicas;

		n->st.repl = ri;
		n->st.have_repl = true;
		n->repl_err.msg[0] = '\0';
		if (changed)
			node_notify(n);
	}
}

static void
node_server_cb(void *arg, const redisReply *reply, uintptr_t tag)
{
	struct node *n = arg;
	char id[REPLID_LEN + 1];

	(void)tag;
	if (reply->type == REDIS_REPLY_ERROR) {
		node_error(n, &n->server_err, "INFO server", reply);
		return;
	}
	if (reply->type != REDIS_REPLY_STRING ||
	    proto_parse_info_run_id(reply->str, reply->len, id) < 0) {
		rconn_drop(&n->conn, "malformed INFO server reply");
		return;
	}
	n->server_err.msg[0] = '\0';
	/* After ROLE in the same round trip: the role is this poll's. */
	if (n->st.reachable && n->st.role == NODE_ROLE_REPLICA)
		memcpy(n->st.replica_run_id, id, sizeof(id));
	if (strcmp(id, n->st.run_id) != 0) {
		memcpy(n->st.run_id, id, sizeof(id));
		node_notify(n);
	}
}

static void
node_role_cb(void *arg, const redisReply *reply, uintptr_t tag)
{
	struct node *n = arg;
	struct role_info ri;

	(void)tag;
	n->inflight = false;
	if (reply->type == REDIS_REPLY_ERROR) {
		node_error(n, &n->role_err, "ROLE", reply);
		snprintf(n->st.error, sizeof(n->st.error), "%s",
		    n->role_err.msg);
		node_set(n, false, n->st.role, loop_now(), false);
	} else if (proto_parse_role(reply, &ri) < 0) {
		rconn_drop(&n->conn, "malformed ROLE reply");
		return;
	} else {
		rconn_ok(&n->conn);
		n->role_err.msg[0] = '\0';
		node_set(n, true, ri.role, 0, false);
	}
	node_schedule(n);
}

static void
node_send(void *arg)
{
	struct node *n = arg;

	if (!rconn_up(&n->conn) || n->inflight)
		return;
	if (rconn_command(&n->conn, node_role_cb, 0, "ROLE") < 0) {
		rconn_drop(&n->conn, "cannot queue ROLE");
		return;
	}
	n->inflight = true;
	/* In the same round trip: the ids of its replication history and
	 * the replicas it lists (rule 3 of decide.h). */
	if (n->want_repl)
		rconn_command(&n->conn, node_repl_cb, 0, "INFO replication");
	if (n->want_run_id)
		rconn_command(&n->conn, node_server_cb, 0, "INFO server");
}

static void
node_up(void *arg)
{
	node_send(arg);
}

static void
node_down(void *arg, uint64_t since, const char *why)
{
	struct node *n = arg;

	n->inflight = false;
	loop_timer_cancel(n->w->loop, &n->poll);
	snprintf(n->st.error, sizeof(n->st.error), "%s", why);
	n->st.have_repl = false;
	node_set(n, false, n->st.role, since, n->conn.refused);
}

/* The shortest interval and timeout any user asks for. */
static void
node_recompute(struct node *n)
{
	unsigned int iv = 0, to = 0;
	bool repl = false, run_id = false;

	for (struct node_user *u = n->users; u; u = u->next) {
		if (!iv || u->interval < iv)
			iv = u->interval;
		if (!to || u->timeout < to)
			to = u->timeout;
		repl = repl || u->want_repl;
		run_id = run_id || u->want_run_id;
	}
	n->want_run_id = run_id;
	if (!iv)
		return;
	if (iv < n->interval && n->poll.armed)
		loop_timer_arm(n->w->loop, &n->poll, iv);
	n->interval = iv;
	rconn_set_timeout(&n->conn, to);
	if (repl && !n->want_repl) {
		n->want_repl = true;
		node_send(n);	/* now, not at the next interval */
	}
	n->want_repl = repl;
}

static void
node_reap(void *arg)
{
	struct node *n = arg;
	struct node **pp;

	if (n->users)
		return;
	for (pp = &n->w->nodes; *pp && *pp != n; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = n->next;
	node_free(n);
}

void
node_free(struct node *n)
{
	if (!n)
		return;
	loop_timer_cancel(n->w->loop, &n->poll);
	loop_timer_cancel(n->w->loop, &n->reaper);
	rconn_close(&n->conn);
	watch_creds_release(n->w, &n->auth);
	free(n);
}

static struct node *
node_new(struct watch_env *w, const struct hostport *addr,
    const struct watch_creds *cr)
{
	struct node *n = calloc(1, sizeof(*n));
	char label[300], a[NETADDR_STRLEN];

	if (!n)
		return NULL;
	if (watch_creds_hold(&n->auth, cr) < 0) {
		free(n);
		return NULL;
	}
	n->w = w;
	n->addr = *addr;
	n->st.unreachable_since = loop_now();
	snprintf(label, sizeof(label), "redis %s",
	    hostport_fmt(addr, a, sizeof(a)));
	rconn_init(&n->conn, w->loop, addr, 500, label, node_up, node_down, n);
	rconn_set_auth(&n->conn, n->auth.user, n->auth.password);
	rconn_set_resolver(&n->conn, w->resolver);
	rconn_set_tls(&n->conn, watch_tls_ctx(n->auth.creds.tls));
	loop_timer_init(&n->poll, node_send, n);
	loop_timer_init(&n->reaper, node_reap, n);
	n->next = w->nodes;
	w->nodes = n;
	rconn_start(&n->conn);
	return n;
}

struct node *
node_attach(struct watch_env *w, const struct hostport *addr,
    const struct watch_creds *cr, struct node_user *u)
{
	struct node *n;

	for (n = w->nodes; n; n = n->next)
		if (hostport_equal(&n->addr, addr) &&
		    watch_creds_equal(&n->auth.creds, cr))
			break;
	if (!n && !(n = node_new(w, addr, cr)))
		return NULL;
	loop_timer_cancel(w->loop, &n->reaper);
	u->node = n;
	u->next = n->users;
	n->users = u;
	node_recompute(n);
	return n;
}

void
node_detach(struct node_user *u)
{
	struct node *n = u->node;
	struct node_user **pp;

	if (!n)
		return;
	for (pp = &n->users; *pp && *pp != u; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = u->next;
	u->node = NULL;
	u->next = NULL;
	if (n->users)
		node_recompute(n);
	else
		loop_timer_arm(n->w->loop, &n->reaper, 0);
}

void
node_user_changed(struct node_user *u)
{
	if (u->node)
		node_recompute(u->node);
}

void
node_poke(struct node *n)
{
	if (rconn_up(&n->conn))
		node_send(n);
	else
		rconn_start(&n->conn);
}

const struct node_state *
node_state(const struct node *n)
{
	return &n->st;
}

const struct rconn *
node_conn(const struct node *n)
{
	return &n->conn;
}

struct node *
node_next(const struct node *n)
{
	return n->next;
}
