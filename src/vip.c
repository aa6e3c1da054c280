/* vip: one VIP, from inputs to verdict to the wire (see vip.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "decide.h"
#include "garp.h"
#include "log.h"
#include "loop.h"
#include "node.h"
#include "notify.h"
#include "probe.h"
#include "rconn.h"
#include "resolve.h"
#include "sentinel.h"
#include "timing.h"
#include "vip.h"

#define ADD_RETRY	1000	/* ms between attempts when adding fails */
#define VIP_MAX_PEERS	8
/* A data node stays watched this long after it was last listed (a
 * promoted replica leaves its master's replica list at the moment rule 3
 * needs it most). */
#define PEER_MEMORY	60000	/* ms */
/* A probe: this many rounds this far apart, then as long again to listen;
 * another node's kernel answers within a millisecond on a LAN. */
#define PROBE_ROUNDS	2
#define PROBE_INTERVAL	10	/* ms */
/* After an answer, ask again this often. */
#define PROBE_AGAIN	100	/* ms */

enum vip_state {
	VIP_INIT,
	VIP_HELD,
	VIP_RELEASED,
	VIP_FAULT,
};

static const char *const state_names[] = {
	[VIP_INIT] = "init", [VIP_HELD] = "held",
	[VIP_RELEASED] = "released", [VIP_FAULT] = "fault",
};

/* The announcement after a claim: a burst, a second burst for switches
 * and hosts that missed the first (keepalived's default: 5 frames, 5 more
 * after 5 s), then an optional periodic refresh. */
enum garp_phase {
	GARP_FIRST_BURST,
	GARP_SECOND_BURST,
	GARP_REFRESH,
};

struct vip_peer {
	struct hostport addr;
	struct node_user u;
	uint64_t wanted_at;		/* last time a rule needed it */
};

struct vip {
	struct vip_env *env;
	const struct vip_config *cfg;
	char addrstr[CONFIG_MAX_ADDRESSES * (INET6_ADDRSTRLEN + 6)];

	struct node_user local;
	struct node *node;
	struct sentinel_user sentinels[CONFIG_MAX_SENTINELS];
	struct vip_peer *peers[VIP_MAX_PEERS];
	size_t n_peers;
	struct notify *notify;		/* NULL without a notify program */

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

	struct wire_view wire;
	struct probe *probe;
	struct loop_timer reprobe;

	struct loop_timer recheck;	/* decide() asked to be re-run */
	struct loop_timer startup;	/* first decision at the latest */
	struct loop_timer garp;
	unsigned int garp_left;
	enum garp_phase garp_phase;
	uint64_t garp_frames;
};

static void vip_evaluate(struct vip *v);

/* The one place where a VIP changes state, or where what is on the
 * interface changes: one log line, the counters, the hook. */
static void
vip_transition(struct vip *v, enum vip_state to, const char *token,
    const char *hook_state, const char *reason)
{
	enum vip_state from = v->state;

	v->state = to;
	v->since = time(NULL);
	v->transitions++;
	snprintf(v->token, sizeof(v->token), "%s", token);
	log_notice("vip %s: %s %s on %s (%s) [%s -> %s]", v->cfg->name,
	    token, v->addrstr, v->cfg->interface, reason, state_names[from],
	    state_names[to]);
	if (v->notify)
		notify_run(v->notify, v->cfg->name, hook_state, v->addrstr,
		    v->cfg->interface, reason);
}

/* ---- the announcement ------------------------------------------------------- */

static void
garp_tick(void *arg)
{
	struct vip *v = arg;
	const struct vip_config *c = v->cfg;
	int rc;

	if (!v->holding || v->ifindex <= 0 || !v->link_arp)
		return;
	for (size_t i = 0; i < c->n_addresses; i++) {
		rc = garp_send(v->ifindex, &c->addresses[i].addr);
		if (rc < 0)
			log_warn("vip %s: announcing %s on %s failed: %s",
			    c->name, v->addrstr, c->interface, strerror(-rc));
		else
			v->garp_frames += (uint64_t)rc;
	}
	if (v->garp_left > 0)
		v->garp_left--;
	if (v->garp_left > 0) {
		loop_timer_arm(v->env->loop, &v->garp, c->garp_interval);
	} else if (v->garp_phase == GARP_FIRST_BURST &&
	    c->garp_repeat_delay > 0) {
		v->garp_phase = GARP_SECOND_BURST;
		v->garp_left = c->garp_count;
		loop_timer_arm(v->env->loop, &v->garp, c->garp_repeat_delay);
	} else if (c->garp_refresh > 0) {
		v->garp_phase = GARP_REFRESH;
		v->garp_left = 1;
		loop_timer_arm(v->env->loop, &v->garp, c->garp_refresh);
	}
}

static void
garp_start(struct vip *v)
{
	v->garp_phase = GARP_FIRST_BURST;
	v->garp_left = v->cfg->garp_count;
	loop_timer_cancel(v->env->loop, &v->garp);
	garp_tick(v);	/* the first frames go out now, not on the next tick */
}

/* Wall clock in microseconds: the announce timing line below is compared
 * with a client's packet capture, which is stamped with CLOCK_REALTIME. */
static int64_t
realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- carrying out a verdict -------------------------------------------------- */

/* Put every address on the interface; 0 or -errno with `why` filled. */
static int
vip_add_all(struct vip *v, char *why, size_t len)
{
	const struct vip_config *c = v->cfg;
	char a[NETADDR_STRLEN];
	int rc;

	for (size_t i = 0; i < c->n_addresses; i++) {
		rc = addr_add(v->env->addr, v->ifindex, c->interface,
		    &c->addresses[i]);
		if (rc < 0) {
			snprintf(why, len, "cannot add %s to %s: %s",
			    prefix_fmt(&c->addresses[i], a, sizeof(a)),
			    c->interface, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static void
vip_hold(struct vip *v, const struct decision *d)
{
	int64_t t0 = realtime_us(), t1;
	char why[200];

	if (v->holding) {
		if (v->state == VIP_HELD)
			return;
		/* Found on the interface at start-up (or put back by someone
		 * else): keep it, no delete/re-add, make sure every address
		 * is there, and announce it again. */
		if (vip_add_all(v, why, sizeof(why)) < 0)
			log_warn("vip %s: %s", v->cfg->name, why);
		garp_start(v);
		if (v->state == VIP_INIT)
			vip_transition(v, VIP_HELD, "+vip-adopted", "adopted",
			    d->reason);
		else
			vip_transition(v, VIP_HELD, "+vip-acquired", "held",
			    d->reason);
		return;
	}
	if (vip_add_all(v, why, sizeof(why)) < 0) {
		if (v->state != VIP_FAULT)
			vip_transition(v, VIP_FAULT, "+vip-fault", "fault", why);
		else
			log_err("vip %s: %s", v->cfg->name, why);
		loop_timer_arm(v->env->loop, &v->recheck, ADD_RETRY);
		return;
	}
	v->holding = true;
	t1 = realtime_us();
	/* Announce before anything else: logging the transition and starting
	 * the notify program (a fork) are not what clients wait for. */
	garp_start(v);
	/* The decision runs in the same loop turn as the input that caused
	 * it, so t0 is the input's arrival to within the loop's dispatch. */
	log_debug("vip %s: %s added to %s; announce timing: decided at "
	    "%" PRId64 ".%06" PRId64 ", address +%" PRId64 " us, first frames "
	    "+%" PRId64 " us", v->cfg->name, v->addrstr, v->cfg->interface,
	    t0 / 1000000, t0 % 1000000, t1 - t0, realtime_us() - t0);
	vip_transition(v, VIP_HELD, "+vip-acquired", "held", d->reason);
}

static void
vip_release(struct vip *v, enum vip_state to, const char *reason)
{
	const struct vip_config *c = v->cfg;
	bool had = v->holding;
	int rc = 0;

	loop_timer_cancel(v->env->loop, &v->garp);
	for (size_t i = 0; had && i < c->n_addresses; i++) {
		int r = addr_del(v->env->addr, v->ifindex, &c->addresses[i]);

		if (r < 0 && r != -ENODEV)
			rc = r;
	}
	if (rc < 0) {
		log_err("vip %s: cannot remove %s from %s: %s", c->name,
		    v->addrstr, c->interface, strerror(-rc));
		loop_timer_arm(v->env->loop, &v->recheck, ADD_RETRY);
		return;
	}
	v->holding = false;
	/* A release of addresses someone else put there while we were
	 * released is a change on the interface too. */
	if (v->state != to || had)
		vip_transition(v, to, to == VIP_FAULT ? "+vip-fault" :
		    "-vip-released", to == VIP_FAULT ? "fault" : "released",
		    reason);
}

/* ---- the wire probe ---------------------------------------------------------- */

static void
probe_done(void *arg, const struct probe_result *r)
{
	struct vip *v = arg;
	char mac[24];

	probe_cancel(v->probe);
	v->probe = NULL;
	if (r->error) {
		/* No probe on this link (no packet socket, say): claims go
		 * on without one, as on an interface without ARP. */
		if (v->wire.checkable)
			log_warn("vip %s: cannot probe %s for the VIP: %s; "
			    "claiming without asking the wire", v->cfg->name,
			    v->cfg->interface, strerror(-r->error));
		v->wire.checkable = false;
	} else if (r->answered) {
		if (v->wire.state != WIRE_ANSWERED) {
			v->wire.answered_since = loop_now();
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			    r->mac[0], r->mac[1], r->mac[2], r->mac[3],
			    r->mac[4], r->mac[5]);
			log_info("vip %s: %s still answers for the VIP on %s",
			    v->cfg->name, mac, v->cfg->interface);
		}
		v->wire.state = WIRE_ANSWERED;
		memcpy(v->wire.mac, r->mac, sizeof(v->wire.mac));
	} else {
		v->wire.state = WIRE_FREE;
	}
	v->wire.at = loop_now();
	vip_evaluate(v);
}

static void
probe_now(void *arg)
{
	struct vip *v = arg;
	struct netaddr a[CONFIG_MAX_ADDRESSES];

	if (v->probe || v->holding || !v->wire.checkable)
		return;
	for (size_t i = 0; i < v->cfg->n_addresses; i++)
		a[i] = v->cfg->addresses[i].addr;
	v->probe = probe_start(v->env->loop, v->ifindex, a,
	    v->cfg->n_addresses, PROBE_ROUNDS, PROBE_INTERVAL, probe_done, v);
	if (!v->probe) {
		struct probe_result r = { .error = -errno };

		probe_done(v, &r);
	}
}

/* decide() wants a fresh answer from the wire. */
static void
probe_want(struct vip *v)
{
	uint64_t now = loop_now();

	if (v->probe || v->reprobe.armed)
		return;
	if (v->wire.state == WIRE_ANSWERED && now < v->wire.at + PROBE_AGAIN)
		loop_timer_arm_at(v->env->loop, &v->reprobe,
		    v->wire.at + PROBE_AGAIN);
	else
		probe_now(v);
}

/* ---- inputs ---------------------------------------------------------------------- */

/* Has every watcher answered (or failed) once? */
static bool
vip_inputs_ready(const struct vip *v)
{
	if (!node_state(v->node)->answered)
		return false;
	for (size_t i = 0; i < v->cfg->n_sentinels; i++)
		if (!sentinel_user_answered(&v->sentinels[i]))
			return false;
	return true;
}

/* decide.h's name lookup, from the resolver's cache. A failed refresh
 * keeps the last good answer: a DNS outage must not make this node forget
 * who it is. */
static size_t
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

static void
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
vip_changed(void *arg)
{
	vip_evaluate(arg);
}

/* The intervals in force follow what the Sentinels report. */
static void
vip_update_timing(struct vip *v)
{
	const struct vip_config *c = v->cfg;
	struct sentinel_params p[CONFIG_MAX_SENTINELS];
	struct timing t;
	char src[96];

	for (size_t i = 0; i < c->n_sentinels; i++)
		p[i] = *sentinel_user_params(&v->sentinels[i]);
	timing_compute(c, p, &t);
	if (memcmp(&t, &v->timing, sizeof(t)) == 0)
		return;
	if (strcmp(t.warning, v->timing.warning) != 0 && t.warning[0])
		log_warn("vip %s: %s", c->name, t.warning);
	if (t.down_after)
		snprintf(src, sizeof(src), "down-after-milliseconds %llu from "
		    "%u sentinel%s", (unsigned long long)t.down_after,
		    t.reporting, t.reporting == 1 ? "" : "s");
	else
		snprintf(src, sizeof(src), "no sentinel has reported "
		    "down-after-milliseconds yet");
	log_info("vip %s: timing: role-check-interval %u, sentinel-poll-"
	    "interval %u, command-timeout %u, redis-down-after %u, "
	    "no-quorum-hold-down %u ms (%s)", c->name, t.role_check_interval,
	    t.sentinel_poll_interval, t.command_timeout, t.redis_down_after,
	    t.no_quorum_hold_down, src);
	v->timing = t;
	v->local.interval = t.role_check_interval;
	v->local.timeout = t.command_timeout;
	node_user_changed(&v->local);
	for (size_t i = 0; i < c->n_sentinels; i++) {
		v->sentinels[i].poll_interval = t.sentinel_poll_interval;
		v->sentinels[i].timeout = t.command_timeout;
		sentinel_user_changed(&v->sentinels[i]);
	}
	for (size_t i = 0; i < v->n_peers; i++) {
		v->peers[i]->u.interval = t.role_check_interval;
		v->peers[i]->u.timeout = t.command_timeout;
		node_user_changed(&v->peers[i]->u);
	}
}

/* ---- the other data nodes --------------------------------------------------- */

static void
peer_detach(struct vip *v, size_t i)
{
	node_detach(&v->peers[i]->u);
	free(v->peers[i]);
	v->peers[i] = v->peers[--v->n_peers];
}

/* Someone a rule needs watched: keep it (or start watching it). */
static void
peer_want(struct vip *v, const struct hostport *hp, const struct self_id *self)
{
	struct vip_peer *p;

	if (!hostport_set(hp) || decide_is_self(self, hp) ||
	    hostport_equal(hp, &v->cfg->redis))
		return;
	for (size_t i = 0; i < v->n_peers; i++) {
		if (hostport_equal(&v->peers[i]->addr, hp)) {
			v->peers[i]->wanted_at = loop_now();
			return;
		}
	}
	if (v->n_peers == VIP_MAX_PEERS || !(p = calloc(1, sizeof(*p))))
		return;
	p->addr = *hp;
	p->wanted_at = loop_now();
	p->u.changed = vip_changed;
	p->u.arg = v;
	p->u.interval = v->timing.role_check_interval;
	p->u.timeout = v->timing.command_timeout;
	p->u.want_repl = true;
	p->u.want_run_id = true;
	if (node_attach(&v->env->watch, hp, v->cfg->redis_user,
	    v->cfg->redis_password, &p->u))
		v->peers[v->n_peers++] = p;
	else
		free(p);
}

/*
 * The data nodes rules 3 and 5 need to see: while this node is master,
 * the replicas it lists and whatever the Sentinels name or promote (one
 * of them may be promoted out of our stream); when a failover promotes
 * this node on an interface without ARP, the old master. Kept for
 * PEER_MEMORY after the last time they were needed.
 */
static void
vip_update_peers(struct vip *v, const struct self_id *self)
{
	const struct node_state *ns = node_state(v->node);
	bool master = ns->role == NODE_ROLE_MASTER || v->holding;
	uint64_t now = loop_now();

	if (master && ns->have_repl)
		for (size_t i = 0; i < ns->repl.n_replicas; i++)
			peer_want(v, &ns->repl.replicas[i], self);
	for (size_t i = 0; i < v->cfg->n_sentinels; i++) {
		const struct sentinel_view *sv =
		    sentinel_user_view(&v->sentinels[i]);

		if (master && sv->reachable && sv->has_master)
			peer_want(v, &sv->master, self);
		if (master && sv->promoting)
			peer_want(v, &sv->promoting_to, self);
		if (sv->failover && (master || !v->link_arp))
			peer_want(v, &sv->failover_from, self);
	}
	for (size_t i = 0; i < v->n_peers; ) {
		if (now >= v->peers[i]->wanted_at + PEER_MEMORY)
			peer_detach(v, i);
		else
			i++;
	}
}

static void
vip_peer_views(const struct vip *v, struct peer_view *out)
{
	for (size_t i = 0; i < v->n_peers; i++) {
		const struct node_state *ns = node_state(v->peers[i]->u.node);

		memset(&out[i], 0, sizeof(out[i]));
		out[i].addr = v->peers[i]->addr;
		out[i].answered = ns->answered;
		out[i].reachable = ns->reachable;
		out[i].refused = ns->refused;
		out[i].role = ns->role;
		if (ns->have_repl)
			memcpy(out[i].replid2, ns->repl.replid2,
			    sizeof(out[i].replid2));
		memcpy(out[i].run_id, ns->run_id, sizeof(out[i].run_id));
		memcpy(out[i].replica_run_id, ns->replica_run_id,
		    sizeof(out[i].replica_run_id));
	}
}

/* ---- deciding ------------------------------------------------------------------ */

static void
vip_evaluate(struct vip *v)
{
	const struct vip_config *c = v->cfg;
	const struct node_state *ns = node_state(v->node);
	struct sentinel_view views[CONFIG_MAX_SENTINELS];
	struct peer_view peers[VIP_MAX_PEERS];
	const char *names[VIP_MAX_HOSTNAMES];
	struct decide_input in;
	struct decision d;

	if (!v->decided) {
		if (!vip_inputs_ready(v) &&
		    loop_now() < v->started + v->timing.command_timeout)
			return;
		v->decided = true;
		loop_timer_cancel(v->env->loop, &v->startup);
	}
	vip_update_timing(v);
	memset(&in, 0, sizeof(in));
	vip_self(v, &in.self, names);
	vip_update_peers(v, &in.self);
	for (size_t i = 0; i < c->n_sentinels; i++)
		views[i] = *sentinel_user_view(&v->sentinels[i]);
	vip_peer_views(v, peers);
	in.now = loop_now();
	in.cfg = c;
	in.timing = &v->timing;
	in.role = ns->role;
	in.node_reachable = ns->reachable;
	in.node_unreachable_since = ns->unreachable_since;
	in.node_refused = ns->refused;
	in.replid = ns->have_repl ? ns->repl.replid : "";
	in.link_present = v->link_present;
	in.link_up = v->link_up;
	in.holding = v->holding;
	in.sentinels = views;
	in.peers = peers;
	in.n_peers = v->n_peers;
	in.wire = v->wire;
	decide(&in, &d);

	v->last_decision = time(NULL);
	if (d.verdict != v->last.verdict || strcmp(d.reason, v->last.reason))
		log_debug("vip %s: verdict %s: %s", c->name,
		    verdict_name(d.verdict), d.reason);
	v->last = d;
	if (d.recheck_at)
		loop_timer_arm_at(v->env->loop, &v->recheck, d.recheck_at);
	else
		loop_timer_cancel(v->env->loop, &v->recheck);

	switch (d.verdict) {
	case VERDICT_HOLD:
		vip_hold(v, &d);
		break;
	case VERDICT_RELEASE:
		/* A claim that waits for the wire's answer is not a release:
		 * there is nothing to remove, and the state (and READY=1)
		 * waits for the verdict that answer brings. */
		if (d.want_probe && !v->holding)
			break;
		vip_release(v, VIP_RELEASED, d.reason);
		break;
	case VERDICT_FAULT:
		vip_release(v, VIP_FAULT, d.reason);
		break;
	}
	if (d.want_probe)
		probe_want(v);
	/* Only now is the address where the first verdict wants it, which is
	 * what READY=1 (sent by the callback once every VIP got here)
	 * promises systemd. */
	if (!v->ready && v->state != VIP_INIT) {
		v->ready = true;
		if (v->env->decided)
			v->env->decided(v->env->arg);
	}
}

/* A Sentinel event is a trigger: re-read the local role and what every
 * Sentinel says about this master now rather than at the next poll. */
static void
vip_hint(void *arg, const struct sentinel_event *ev)
{
	struct vip *v = arg;

	(void)ev;
	node_poke(v->node);
	for (size_t i = 0; i < v->cfg->n_sentinels; i++)
		sentinel_poke(&v->sentinels[i]);
}

/* ---- the interface ---------------------------------------------------------------- */

/* Re-read the interface and which of our addresses are on it. */
static void
vip_refresh_link(struct vip *v)
{
	struct nlwatch_link li;
	bool arp;
	int rc;

	rc = nlwatch_link_get(v->cfg->interface, &li);
	if (rc < 0) {
		log_warn("vip %s: cannot read the state of %s: %s",
		    v->cfg->name, v->cfg->interface, strerror(-rc));
		return;
	}
	/* Without ARP/ND (loopback, NOARP: routed mode) nobody on a segment
	 * is told, asked or answered on the VIP's behalf. */
	arp = li.ifindex > 0 && !li.noarp;
	if (li.ifindex > 0 && (arp != v->link_arp || !v->link_present))
		log_info("vip %s: %s %s", v->cfg->name, v->cfg->interface, !arp ?
		    "has no ARP/NDP (loopback or NOARP): no gratuitous ARP / "
		    "NA, no probe, the VIP must be routed to this node" :
		    "has ARP/NDP: gratuitous ARP / NA on every claim");
	v->ifindex = li.ifindex;
	v->link_present = li.ifindex > 0;
	v->link_up = v->link_present && li.up;
	v->link_arp = arp;
	if (!v->link_arp)
		v->wire.checkable = false;
	else if (!v->wire.checkable && v->wire.state == WIRE_UNKNOWN)
		v->wire.checkable = v->cfg->wire_probe;
	v->holding = false;
	for (size_t i = 0; v->link_present && i < v->cfg->n_addresses; i++)
		if (addr_present(v->env->addr, li.ifindex,
		    &v->cfg->addresses[i]) > 0)
			v->holding = true;
}

static bool
is_our_addr(const struct vip *v, const struct nlwatch_event *ev)
{
	if (ev->ifindex != v->ifindex)
		return false;
	for (size_t i = 0; i < v->cfg->n_addresses; i++)
		if (ev->addr.len == v->cfg->addresses[i].len &&
		    netaddr_equal(&ev->addr.addr, &v->cfg->addresses[i].addr))
			return true;
	return false;
}

void
vip_netlink(struct vip *v, const struct nlwatch_event *ev)
{
	switch (ev->kind) {
	case NLWATCH_ADDR_NEW:
		if (!is_our_addr(v, ev) || v->holding)
			return;
		log_warn("vip %s: %s appeared on %s without us", v->cfg->name,
		    v->addrstr, v->cfg->interface);
		v->holding = true;
		break;
	case NLWATCH_ADDR_DEL:
		if (!is_our_addr(v, ev) || !v->holding)
			return;
		vip_refresh_link(v);
		if (v->holding)
			break;	/* another of our addresses is still there */
		log_warn("vip %s: %s was removed from %s by someone else",
		    v->cfg->name, v->addrstr, v->cfg->interface);
		if (v->state == VIP_HELD)
			vip_transition(v, VIP_RELEASED, "-vip-released",
			    "released", "removed from the interface by "
			    "someone else");
		break;
	case NLWATCH_LINK:
	case NLWATCH_LINK_DEL:
		if (ev->ifindex != v->ifindex &&
		    strcmp(ev->ifname, v->cfg->interface) != 0)
			return;
		vip_refresh_link(v);
		break;
	case NLWATCH_RESYNC:
		vip_refresh_link(v);
		break;
	}
	vip_evaluate(v);
}

void
vip_reevaluate(struct vip *v)
{
	if (v->decided)
		vip_evaluate(v);
}

/* ---- life cycle ------------------------------------------------------------------- */

static void
vip_format_addresses(struct vip *v)
{
	size_t off = 0;

	v->addrstr[0] = '\0';
	for (size_t i = 0; i < v->cfg->n_addresses; i++) {
		char a[NETADDR_STRLEN];

		off += (size_t)snprintf(v->addrstr + off, sizeof(v->addrstr) - off,
		    "%s%s", i ? "," : "", prefix_fmt(&v->cfg->addresses[i], a,
		    sizeof(a)));
		if (off >= sizeof(v->addrstr))
			break;
	}
}

static int
vip_attach_watchers(struct vip *v)
{
	const struct vip_config *c = v->cfg;

	v->local.changed = vip_changed;
	v->local.arg = v;
	v->local.interval = v->timing.role_check_interval;
	v->local.timeout = v->timing.command_timeout;
	v->local.want_repl = true;
	v->node = node_attach(&v->env->watch, &c->redis, c->redis_user,
	    c->redis_password, &v->local);
	if (!v->node)
		return -1;
	for (size_t i = 0; i < c->n_sentinels; i++) {
		struct sentinel_user *u = &v->sentinels[i];

		u->master = c->name;
		u->changed = vip_changed;
		u->hint = vip_hint;
		u->arg = v;
		u->poll_interval = v->timing.sentinel_poll_interval;
		u->timeout = v->timing.command_timeout;
		if (!sentinel_attach(&v->env->watch, &c->sentinels[i],
		    c->sentinel_user, c->sentinel_password, u))
			return -1;
	}
	return 0;
}

struct vip *
vip_new(struct vip_env *env, const struct vip_config *cfg)
{
	struct vip *v = calloc(1, sizeof(*v));
	struct sentinel_params none[CONFIG_MAX_SENTINELS];

	if (!v)
		return NULL;
	v->env = env;
	v->cfg = cfg;
	v->started = loop_now();
	memset(none, 0, sizeof(none));
	timing_compute(cfg, none, &v->timing);
	vip_format_addresses(v);
	loop_timer_init(&v->recheck, vip_changed, v);
	loop_timer_init(&v->startup, vip_changed, v);
	loop_timer_init(&v->garp, garp_tick, v);
	loop_timer_init(&v->reprobe, probe_now, v);
	vip_refresh_link(v);
	if (v->holding)
		log_info("vip %s: %s is already on %s; deciding whether to keep "
		    "it", cfg->name, v->addrstr, cfg->interface);
	if (cfg->notify) {
		char label[160];

		snprintf(label, sizeof(label), "vip %s", cfg->name);
		v->notify = notify_new(env->loop, cfg->notify,
		    cfg->notify_timeout, label);
		if (!v->notify) {
			free(v);
			return NULL;
		}
	}
	if (vip_attach_watchers(v) < 0) {
		vip_free(v);
		return NULL;
	}
	loop_timer_arm(env->loop, &v->startup, v->timing.command_timeout);
	return v;
}

void
vip_free(struct vip *v)
{
	if (!v)
		return;
	loop_timer_cancel(v->env->loop, &v->recheck);
	loop_timer_cancel(v->env->loop, &v->startup);
	loop_timer_cancel(v->env->loop, &v->garp);
	loop_timer_cancel(v->env->loop, &v->reprobe);
	probe_cancel(v->probe);
	node_detach(&v->local);
	for (size_t i = 0; i < v->cfg->n_sentinels; i++)
		sentinel_detach(&v->sentinels[i]);
	while (v->n_peers)
		peer_detach(v, 0);
	notify_release(v->notify);
	free(v);
}

void
vip_rebind(struct vip *v, const struct vip_config *cfg)
{
	v->cfg = cfg;
	for (size_t i = 0; i < cfg->n_sentinels; i++)
		v->sentinels[i].master = cfg->name;
}

const struct vip_config *
vip_config(const struct vip *v)
{
	return v->cfg;
}

void
vip_shutdown(struct vip *v, const char *reason)
{
	vip_release(v, VIP_RELEASED, reason);
}

/* ---- status ------------------------------------------------------------------------- */

static void
conn_status(const struct rconn *c, const char *error, struct conn_status *out)
{
	snprintf(out->state, sizeof(out->state), "%s", rconn_state_name(c->state));
	snprintf(out->error, sizeof(out->error), "%s",
	    error && error[0] ? error : rconn_up(c) ? "" : c->last_error);
}

static void
sentinel_status_fill(const struct vip *v, size_t i, const struct self_id *self,
    struct sentinel_status *ss)
{
	const struct sentinel_user *u = &v->sentinels[i];
	const struct sentinel_view *sv = sentinel_user_view(u);

	ss->addr = v->cfg->sentinels[i];
	conn_status(sentinel_cmd_conn(u->s), sentinel_user_error(u), &ss->conn);
	ss->reachable = sv->reachable;
	ss->has_master = sv->reachable && sv->has_master;
	if (ss->has_master) {
		ss->master = sv->master;
		ss->names_us = decide_is_self(self, &sv->master);
		if (sv->master.name[0])
			ss->n_resolved = (unsigned int)vip_lookup(v,
			    sv->master.name, ss->resolved, 2);
	}
	ss->last_seen = sentinel_user_last_seen(u);
	ss->events = sentinel_user_events(u);
	ss->down_after = sentinel_user_params(u)->down_after;
}

void
vip_get_status(const struct vip *v, struct vip_status *out)
{
	const struct vip_config *c = v->cfg;
	const struct node_state *ns = node_state(v->node);
	const char *names[VIP_MAX_HOSTNAMES];
	struct self_id self;

	vip_self(v, &self, names);
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	out->n_addresses = (unsigned int)c->n_addresses;
	memcpy(out->addresses, c->addresses,
	    c->n_addresses * sizeof(c->addresses[0]));
	snprintf(out->interface, sizeof(out->interface), "%s", c->interface);
	out->link_present = v->link_present;
	out->link_up = v->link_up;
	out->verdict = v->last.verdict;
	out->holding = v->holding;
	out->since = v->since;
	snprintf(out->last_token, sizeof(out->last_token), "%s", v->token);
	snprintf(out->reason, sizeof(out->reason), "%s", v->decided ?
	    v->last.reason : "waiting for the first answers");
	out->redis = c->redis;
	conn_status(node_conn(v->node), ns->error, &out->node_conn);
	out->role = ns->role;
	out->node_reachable = ns->reachable;
	out->node_last_seen = ns->last_seen;
	out->n_sentinels = (unsigned int)c->n_sentinels;
	out->reachable = (unsigned int)v->last.reachable;
	out->agree = (unsigned int)v->last.agree;
	out->other = (unsigned int)v->last.other;
	out->majority = (unsigned int)config_majority(c);
	for (size_t i = 0; i < c->n_sentinels; i++)
		sentinel_status_fill(v, i, &self, &out->sentinels[i]);
	out->timing = v->timing;
	out->garp_frames = v->garp_frames;
	out->transitions = v->transitions;
	out->last_decision = v->last_decision;
}
