/* vip_inputs: what one VIP's decision is made from (see vip_int.h). */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rconn.h"
#include "resolve.h"
#include "timing.h"
#include "vip_int.h"

/* ---- inputs -------------------------------------------------------------- */

/* Has every watcher answered (or failed) once? */
bool
vip_inputs_ready(const struct vip *v)
{
	if (!node_state(v->node)->answered)
		return false;
	for (size_t i = 0; i < v->cfg->n_sentinels; i++)
		if (!sentinel_user_answered(&v->sentinels[i]))
			return false;
	return true;
}

/* Is an input that has not answered yet still being asked? Its
 * connection then ends in an answer or a failure within its own
 * deadlines (rconn.h), whatever else our loop is busy with. A connection
 * not made yet (idle until the loop's first turn) is about to be asked. */
static bool
still_asking(const struct rconn *c)
{
	return c->state == RCONN_IDLE || c->state == RCONN_CONNECTING ||
	    c->state == RCONN_AUTHENTICATING || c->state == RCONN_UP;
}

/*
 * May the first decision be made? When every input has answered (or
 * failed) once; otherwise after one command-timeout, unless an input is
 * still being asked: then its own answer or failure is awaited, for at
 * most VIP_STARTUP_MAX. A vipd with hundreds of VIPs spends more than a
 * command-timeout building them and carrying out the first decisions
 * (each claim writes to the interface), and deciding on the inputs that
 * happen to have been read by then would release VIPs a restarted vipd
 * finds on the interface: a blip for their clients.
 */
bool
vip_startup_over(const struct vip *v)
{
	uint64_t now = loop_now();

	if (vip_inputs_ready(v) || now >= v->started + VIP_STARTUP_MAX)
		return true;
	if (now < v->started + v->timing.command_timeout)
		return false;
	if (!node_state(v->node)->answered && still_asking(node_conn(v->node)))
		return false;
	for (size_t i = 0; i < v->cfg->n_sentinels; i++) {
		const struct sentinel_user *u = &v->sentinels[i];

		if (!sentinel_user_answered(u) &&
		    still_asking(sentinel_cmd_conn(u->s)))
			return false;
	}
	return true;
}

/* decide.h's name lookup, from the resolver's cache. A failed refresh
 * keeps the last good answer: a DNS outage must not make this node forget
 * who it is. */
size_t
vip_lookup(const void *ctx, const char *name, struct netaddr *out, size_t max)
{
	const struct vip *v = ctx;
	const struct resolve_result *r;
	size_t n;

	if (!v->env->watch.resolver)
		return 0;
	r = resolver_get(v->env->watch.resolver, name);
	n = r->n < max ? r->n : max;
	memcpy(out, r->addrs, n * sizeof(*out));
	return n;
}

void
vip_self(const struct vip *v, struct self_id *self, const char **names)
{
	const struct vip_config *c = v->cfg;

	memset(self, 0, sizeof(*self));
	self->announce = c->has_announce ? &c->announce : NULL;
	self->local_addrs = v->env->local_addrs;
	self->n_local_addrs = v->env->n_local_addrs;
	self->port = c->redis.port;
	self->vips = c->addresses;
	self->n_vips = c->n_addresses;
	for (size_t i = 0; i < v->env->n_hostnames; i++)
		names[i] = v->env->hostnames[i];
	self->names = names;
	self->n_names = v->env->n_hostnames;
	self->lookup = vip_lookup;
	self->lookup_ctx = v;
}

static void
vip_log_timing(const struct vip *v, const struct timing *t)
{
	char src[96];

	if (t->down_after)
		snprintf(src, sizeof(src), "down-after-milliseconds %llu from "
		    "%u sentinel%s", (unsigned long long)t->down_after,
		    t->reporting, t->reporting == 1 ? "" : "s");
	else
		snprintf(src, sizeof(src), "no sentinel has reported "
		    "down-after-milliseconds yet");
	log_info("%s: timing: role-check-interval %u, sentinel-poll-interval "
	    "%u, command-timeout %u, redis-down-after %u, no-quorum-hold-down "
	    "%u ms (%s)", v->label, t->role_check_interval,
	    t->sentinel_poll_interval, t->command_timeout, t->redis_down_after,
	    t->no_quorum_hold_down, src);
	if (t->warning[0] && strcmp(t->warning, v->timing.warning) != 0)
		log_warn("%s: %s", v->label, t->warning);
}

/* The intervals in force follow what the Sentinels report. */
void
vip_update_timing(struct vip *v)
{
	const struct vip_config *c = v->cfg;
	struct sentinel_params p[CONFIG_MAX_SENTINELS];
	struct timing t;

	for (size_t i = 0; i < c->n_sentinels; i++)
		p[i] = *sentinel_user_params(&v->sentinels[i]);
	timing_compute(c, p, &t);
	if (memcmp(&t, &v->timing, sizeof(t)) == 0)
		return;
	vip_log_timing(v, &t);
	v->timing = t;
	v->local.interval = t.role_check_interval;
	v->local.timeout = t.command_timeout;
	node_user_changed(&v->local);
	for (size_t i = 0; i < c->n_sentinels; i++) {
		v->sentinels[i].poll_interval = t.sentinel_poll_interval;
		v->sentinels[i].timeout = t.command_timeout;
		sentinel_user_changed(&v->sentinels[i]);
	}
	peers_timing(&v->peers, t.role_check_interval, t.command_timeout);
}

/*
 * The data nodes rules 3 and 5 need to see (peers.h): while this node is
 * master, the replicas it lists and whatever the Sentinels name or promote
 * (one of them may be promoted out of our stream); when a failover
 * promotes this node on an interface without ARP, the old master.
 */
void
vip_update_peers(struct vip *v, const struct self_id *self)
{
	const struct node_state *ns = node_state(v->node);
	bool master = ns->role == NODE_ROLE_MASTER || v->holding;
	const struct hostport *want[2 * CONFIG_MAX_SENTINELS + 2 +
	    REPL_MAX_REPLICAS];
	size_t n = 0;
	uint64_t now = loop_now();

	if (master && ns->have_repl)
		for (size_t i = 0; i < ns->repl.n_replicas; i++)
			want[n++] = &ns->repl.replicas[i];
	for (size_t i = 0; i < v->cfg->n_sentinels; i++) {
		const struct sentinel_view *sv =
		    sentinel_user_view(&v->sentinels[i]);

		if (master && sv->reachable && sv->has_master)
			want[n++] = &sv->master;
		if (master && sv->promoting)
			want[n++] = &sv->promoting_to;
		if (sv->failover && (master || !v->link_arp))
			want[n++] = &sv->failover_from;
	}
	for (size_t i = 0; i < n; i++)
		if (hostport_set(want[i]) && !decide_is_self(self, want[i]) &&
		    !hostport_equal(want[i], &v->cfg->redis))
			peers_want(&v->peers, want[i], now);
	peers_expire(&v->peers, now);
}

