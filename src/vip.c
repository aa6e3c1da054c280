/* vip: one VIP, from inputs to verdict to the wire (see vip.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "decide.h"
#include "garp.h"
#include "log.h"
#include "loop.h"
#include "node.h"
#include "notify.h"
#include "sentinel.h"
#include "vip.h"

#define ADD_RETRY	1000	/* ms between attempts when adding fails */

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

static const char *const state_tokens[] = {
	[VIP_INIT] = "", [VIP_HELD] = "+vip-acquired",
	[VIP_RELEASED] = "-vip-released", [VIP_FAULT] = "+vip-fault",
};

struct vip {
	struct vip_env *env;
	const struct vip_config *cfg;
	char addrstr[NETADDR_STRLEN];

	struct node *node;
	struct sentinel_link *sentinels[CONFIG_MAX_SENTINELS];
	struct notify *notify;		/* NULL without a notify program */

	int ifindex;
	bool link_present, link_up;
	bool link_noarp;		/* see struct nlwatch_link */
	bool holding;			/* the VIP is on our interface */

	bool decided;
	uint64_t started;
	enum vip_state state;
	struct decision last;
	int64_t since;			/* wall clock of the last transition */
	char token[32];
	uint64_t transitions;

	struct loop_timer recheck;	/* decide() asked to be re-run */
	struct loop_timer startup;	/* first decision at the latest */
	struct loop_timer garp;
	unsigned int garp_left;
	int garp_phase;			/* 0 first burst, 1 second, 2 refresh */
	uint64_t garp_frames;
};

static void vip_evaluate(struct vip *v);

/* The one place where a VIP changes state. */
static void
vip_transition(struct vip *v, enum vip_state to, const char *reason)
{
	enum vip_state from = v->state;

	v->state = to;
	v->since = time(NULL);
	v->transitions++;
	snprintf(v->token, sizeof(v->token), "%s", state_tokens[to]);
	log_notice("vip %s: %s %s on %s (%s) [%s -> %s]", v->cfg->name,
	    state_tokens[to], v->addrstr, v->cfg->interface, reason,
	    state_names[from], state_names[to]);
	if (v->notify)
		notify_run(v->notify, v->cfg->name, state_names[to], v->addrstr,
		    v->cfg->interface, reason);
}

static void
garp_tick(void *arg)
{
	struct vip *v = arg;
	const struct vip_config *c = v->cfg;
	int rc;

	if (!v->holding || v->ifindex <= 0)
		return;
	rc = garp_send(v->ifindex, &c->address.addr);
	if (rc < 0)
		log_warn("vip %s: announcing %s on %s failed: %s", c->name,
		    v->addrstr, c->interface, strerror(-rc));
	else
		v->garp_frames += (uint64_t)rc;
	if (v->garp_left > 0)
		v->garp_left--;
	if (v->garp_left > 0) {
		loop_timer_arm(v->env->loop, &v->garp, c->garp_interval);
	} else if (v->garp_phase == 0 && c->garp_repeat_delay > 0) {
		/* A second burst for switches that missed the first (the
		 * keepalived default: 5 frames, 5 more after 5 s). */
		v->garp_phase = 1;
		v->garp_left = c->garp_count;
		loop_timer_arm(v->env->loop, &v->garp, c->garp_repeat_delay);
	} else if (c->garp_refresh > 0) {
		v->garp_phase = 2;
		v->garp_left = 1;
		loop_timer_arm(v->env->loop, &v->garp, c->garp_refresh);
	}
}

static void
garp_start(struct vip *v)
{
	v->garp_phase = 0;
	v->garp_left = v->cfg->garp_count;
	loop_timer_cancel(v->env->loop, &v->garp);
	/* No layer-2 neighbour protocol on the interface (lo, a dummy, arp
	 * off): nobody there could act on a gratuitous ARP / NA; the VIP is
	 * reached by routing (routed mode, README). */
	if (v->link_noarp)
		return;
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

static void
vip_hold(struct vip *v, const struct decision *d)
{
	int64_t t0 = realtime_us(), t1;
	int rc;

	if (v->holding) {
		if (v->state != VIP_HELD) {
			/* Found on the interface at start-up, or restored by
			 * netlink: keep it (no delete/re-add) and re-announce. */
			garp_start(v);
			vip_transition(v, VIP_HELD, d->reason);
		}
		return;
	}
	rc = addr_add(v->env->addr, v->ifindex, v->cfg->interface,
	    &v->cfg->address);
	if (rc < 0) {
		char why[160];

		snprintf(why, sizeof(why), "cannot add %s to %s: %s",
		    v->addrstr, v->cfg->interface, strerror(-rc));
		if (v->state != VIP_FAULT)
			vip_transition(v, VIP_FAULT, why);
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
	vip_transition(v, VIP_HELD, d->reason);
}

static void
vip_release(struct vip *v, enum vip_state to, const char *reason)
{
	int rc;

	loop_timer_cancel(v->env->loop, &v->garp);
	if (v->holding) {
		rc = addr_del(v->env->addr, v->ifindex, &v->cfg->address);
		if (rc < 0 && rc != -ENODEV) {
			log_err("vip %s: cannot remove %s from %s: %s",
			    v->cfg->name, v->addrstr, v->cfg->interface,
			    strerror(-rc));
			loop_timer_arm(v->env->loop, &v->recheck, ADD_RETRY);
		} else {
			v->holding = false;
		}
	}
	if (v->state != to)
		vip_transition(v, to, reason);
}

/* Has every watcher answered (or failed) once? */
static bool
vip_inputs_ready(const struct vip *v)
{
	if (!node_state(v->node)->answered)
		return false;
	for (size_t i = 0; i < v->cfg->n_sentinels; i++)
		if (!sentinel_answered(v->sentinels[i]))
			return false;
	return true;
}

static void
vip_self(const struct vip *v, struct self_id *self)
{
	const struct vip_config *c = v->cfg;

	self->announce = c->has_announce ? &c->announce : NULL;
	self->local_addrs = v->env->local_addrs;
	self->n_local_addrs = v->env->n_local_addrs;
	self->port = c->redis.port;
	self->vip = &c->address.addr;
}

static void
vip_evaluate(struct vip *v)
{
	const struct vip_config *c = v->cfg;
	const struct node_state *ns = node_state(v->node);
	struct sentinel_view views[CONFIG_MAX_SENTINELS];
	struct decide_input in;
	struct decision d;
	bool first = false;

	if (!v->decided) {
		if (!vip_inputs_ready(v) &&
		    loop_now() < v->started + c->command_timeout)
			return;
		v->decided = true;
		first = true;
		loop_timer_cancel(v->env->loop, &v->startup);
	}
	for (size_t i = 0; i < c->n_sentinels; i++)
		views[i] = *sentinel_view(v->sentinels[i]);
	memset(&in, 0, sizeof(in));
	in.now = loop_now();
	in.cfg = c;
	vip_self(v, &in.self);
	in.role = ns->role;
	in.node_reachable = ns->reachable;
	in.node_unreachable_since = ns->unreachable_since;
	in.node_refused = ns->refused;
	in.link_present = v->link_present;
	in.link_up = v->link_up;
	in.holding = v->holding;
	in.sentinels = views;
	decide(&in, &d);

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
		vip_release(v, VIP_RELEASED, d.reason);
		break;
	case VERDICT_FAULT:
		vip_release(v, VIP_FAULT, d.reason);
		break;
	}
	/* Only now is the address where the first verdict wants it, which is
	 * what READY=1 (sent by the callback once every VIP got here)
	 * promises systemd. */
	if (first && v->env->decided)
		v->env->decided(v->env->arg);
}

static void
vip_changed(void *arg)
{
	vip_evaluate(arg);
}

/* A Sentinel event is a trigger: re-read the local role and every
 * Sentinel's answer now rather than at the next poll. */
static void
vip_hint(void *arg, const struct sentinel_event *ev)
{
	struct vip *v = arg;

	(void)ev;
	node_poke(v->node);
	for (size_t i = 0; i < v->cfg->n_sentinels; i++)
		sentinel_poke(v->sentinels[i]);
}

/* Re-read the interface and whether the VIP is on it. */
static void
vip_refresh_link(struct vip *v)
{
	struct nlwatch_link li;
	int rc;

	rc = nlwatch_link_get(v->cfg->interface, &li);
	if (rc < 0) {
		log_warn("vip %s: cannot read the state of %s: %s",
		    v->cfg->name, v->cfg->interface, strerror(-rc));
		return;
	}
	if (li.ifindex > 0 && li.noarp != v->link_noarp)
		log_info("vip %s: %s %s", v->cfg->name, v->cfg->interface,
		    li.noarp ? "has no ARP/NDP (loopback or NOARP): no "
		    "gratuitous ARP / NA, the VIP must be routed to this node" :
		    "has ARP/NDP: gratuitous ARP / NA on every claim");
	v->link_noarp = li.noarp;
	v->ifindex = li.ifindex;
	v->link_present = li.ifindex > 0;
	v->link_up = v->link_present && li.up;
	v->holding = false;
	if (v->link_present) {
		rc = addr_present(v->env->addr, li.ifindex,
		    &v->cfg->address);
		v->holding = rc > 0;
	}
}

struct vip *
vip_new(struct vip_env *env, const struct vip_config *cfg)
{
	struct vip *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->env = env;
	v->cfg = cfg;
	v->started = loop_now();
	prefix_fmt(&cfg->address, v->addrstr, sizeof(v->addrstr));
	loop_timer_init(&v->recheck, vip_changed, v);
	loop_timer_init(&v->startup, vip_changed, v);
	loop_timer_init(&v->garp, garp_tick, v);
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
	v->node = node_new(env->loop, cfg, vip_changed, v);
	for (size_t i = 0; i < cfg->n_sentinels; i++)
		v->sentinels[i] = sentinel_new(env->loop, cfg, i, vip_changed,
		    vip_hint, v);
	if (!v->node) {
		vip_free(v);
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_sentinels; i++) {
		if (!v->sentinels[i]) {
			vip_free(v);
			return NULL;
		}
	}
	loop_timer_arm(env->loop, &v->startup, cfg->command_timeout);
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
	node_free(v->node);
	for (size_t i = 0; i < v->cfg->n_sentinels; i++)
		sentinel_free(v->sentinels[i]);
	notify_release(v->notify);
	free(v);
}

void
vip_rebind(struct vip *v, const struct vip_config *cfg)
{
	v->cfg = cfg;
	node_rebind(v->node, cfg);
	for (size_t i = 0; i < cfg->n_sentinels; i++)
		sentinel_rebind(v->sentinels[i], cfg, i);
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

static bool
is_our_addr(const struct vip *v, const struct nlwatch_event *ev)
{
	return ev->ifindex == v->ifindex &&
	    ev->addr.len == v->cfg->address.len &&
	    netaddr_equal(&ev->addr.addr, &v->cfg->address.addr);
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
		log_warn("vip %s: %s was removed from %s by someone else",
		    v->cfg->name, v->addrstr, v->cfg->interface);
		v->holding = false;
		if (v->state == VIP_HELD)
			v->state = VIP_RELEASED;	/* so hold re-adds */
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
	vip_evaluate(v);
}

bool
vip_decided(const struct vip *v)
{
	return v->decided;
}

void
vip_get_status(const struct vip *v, struct vip_status *out)
{
	const struct vip_config *c = v->cfg;
	const struct node_state *ns = node_state(v->node);
	struct self_id self;

	vip_self(v, &self);
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	out->address = c->address;
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
	out->role = ns->role;
	out->node_reachable = ns->reachable;
	out->node_last_seen = ns->last_seen;
	out->n_sentinels = (unsigned int)c->n_sentinels;
	out->reachable = (unsigned int)v->last.reachable;
	out->agree = (unsigned int)v->last.agree;
	out->other = (unsigned int)v->last.other;
	out->majority = (unsigned int)config_majority(c);
	for (size_t i = 0; i < c->n_sentinels; i++) {
		const struct sentinel_view *sv = sentinel_view(v->sentinels[i]);
		struct sentinel_status *ss = &out->sentinels[i];

		ss->addr = c->sentinels[i];
		ss->reachable = sv->reachable;
		ss->has_master = sv->reachable && sv->has_master;
		if (ss->has_master) {
			ss->master = sv->master;
			ss->names_us = decide_is_self(&self, &sv->master);
		}
		ss->last_seen = sentinel_last_seen(v->sentinels[i]);
		ss->events = sentinel_events(v->sentinels[i]);
	}
	out->garp_frames = v->garp_frames;
	out->transitions = v->transitions;
}
