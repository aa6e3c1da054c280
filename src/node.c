/* node: the local data node's role (see node.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "node.h"
#include "proto.h"
#include "rconn.h"

struct node {
	struct loop *loop;
	const struct vip_config *cfg;
	void (*changed)(void *arg);
	void *arg;
	struct rconn conn;
	struct loop_timer poll;		/* next ROLE */
	struct node_state st;
};

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
	} else if (n->st.reachable || since < n->st.unreachable_since) {
		n->st.unreachable_since = since;
	}
	n->st.reachable = reachable;
	if (changed) {
		log_debug("%s: %s%s", n->conn.label,
		    reachable ? "role " : "unreachable",
		    reachable ? node_role_name(role) : "");
		n->changed(n->arg);
	}
}

static void
node_role_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	struct node *n = privdata;
	redisReply *reply = r;
	struct role_info ri;

	if (!reply || !rconn_current(&n->conn, ac))
		return;		/* freed or superseded */
	rconn_answered(&n->conn);
	if (reply->type == REDIS_REPLY_ERROR) {
		/* LOADING, NOAUTH, ...: the node is there but gives no role. */
		log_warn("%s: ROLE answered: %.*s", n->conn.label,
		    (int)(reply->len < 160 ? reply->len : 160), reply->str);
		node_set(n, false, n->st.role, loop_now(), false);
	} else if (proto_parse_role(reply, &ri) < 0) {
		rconn_drop(&n->conn, "malformed ROLE reply");
		return;
	} else {
		rconn_ok(&n->conn);
		node_set(n, true, ri.role, 0, false);
	}
	loop_timer_arm(n->loop, &n->poll, n->cfg->role_check_interval);
}

static void
node_send_role(void *arg)
{
	struct node *n = arg;

	if (!rconn_up(&n->conn) || n->conn.waiting_since)
		return;
	if (redisAsyncCommand(n->conn.ac, node_role_cb, n, "ROLE") != REDIS_OK) {
		rconn_drop(&n->conn, "cannot queue ROLE");
		return;
	}
	rconn_expect(&n->conn);
}

static void
node_up(void *arg)
{
	node_send_role(arg);
}

static void
node_down(void *arg, uint64_t since, const char *why)
{
	struct node *n = arg;

	(void)why;
	loop_timer_cancel(n->loop, &n->poll);
	node_set(n, false, n->st.role, since, n->conn.refused);
}

struct node *
node_new(struct loop *l, const struct vip_config *cfg,
    void (*changed)(void *arg), void *arg)
{
	struct node *n = calloc(1, sizeof(*n));
	char label[96], a[NETADDR_STRLEN];

	if (!n)
		return NULL;
	n->loop = l;
	n->cfg = cfg;
	n->changed = changed;
	n->arg = arg;
	n->st.unreachable_since = loop_now();
	snprintf(label, sizeof(label), "vip %s: local node %s", cfg->name,
	    hostport_fmt(&cfg->redis, a, sizeof(a)));
	rconn_init(&n->conn, l, &cfg->redis, cfg->command_timeout, label,
	    node_up, node_down, n);
	rconn_set_auth(&n->conn, cfg->redis_user, cfg->redis_password);
	loop_timer_init(&n->poll, node_send_role, n);
	rconn_start(&n->conn);
	return n;
}

void
node_free(struct node *n)
{
	if (!n)
		return;
	loop_timer_cancel(n->loop, &n->poll);
	rconn_close(&n->conn);
	free(n);
}

void
node_poke(struct node *n)
{
	if (rconn_up(&n->conn))
		node_send_role(n);
	else if (!n->conn.ac)
		rconn_start(&n->conn);
}

void
node_rebind(struct node *n, const struct vip_config *cfg)
{
	n->cfg = cfg;
	rconn_set_auth(&n->conn, cfg->redis_user, cfg->redis_password);
}

const struct node_state *
node_state(const struct node *n)
{
	return &n->st;
}
