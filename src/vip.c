/* vip: one VIP, from inputs to verdict to the wire (see vip.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "announce.h"
#include "decide.h"
#include "log.h"
#include "loop.h"
#include "node.h"
#include "notify.h"
#include "peers.h"
#include "rconn.h"
#include "refuse.h"
#include "resolve.h"
#include "sentinel.h"
#include "timing.h"
#include "tls.h"
#include "vip_int.h"

#define ADD_RETRY	1000	/* ms between attempts when adding fails */
/* Refusing stale clients' SYNs after a release ends this long after a
 * majority names another node (its gratuitous ARP has gone out by then),
 * and in any case REFUSE_MAX plus Sentinel's down-after-milliseconds after
 * the release: a crash is promoted only down-after later, and clients kept
 * until then follow the promotion at once. */
#define REFUSE_GRACE	1000	/* ms */
#define REFUSE_MAX	10000	/* ms */

static const char *const state_names[] = {
	[VIP_INIT] = "init", [VIP_HELD] = "held",
	[VIP_RELEASED] = "released", [VIP_FAULT] = "fault",
};

static void vip_evaluate(struct vip *v);

void
vip_changed(void *arg)
{
	vip_evaluate(arg);
}

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
	log_notice("%s: %s %s on %s (%s) [%s -> %s]", v->label, token,
	    v->addrstr, v->cfg->interface, reason, state_names[from],
	    state_names[to]);
	if (v->notify)
		notify_run(v->notify, v->cfg->name, hook_state, v->addrstr,
		    v->cfg->interface, reason);
}

/* ---- refusing stale clients after a release ---------------------------- */

static void
refuse_end(void *arg)
{
	struct vip *v = arg;

	if (!v->refuse)
		return;
	refuse_drain(v->refuse);
	log_debug("%s: stopped refusing stale clients (%" PRIu64 " resets, "
	    "%" PRIu64 " SYNs handed on)", v->label, refuse_count(v->refuse),
	    refuse_forwarded(v->refuse));
	refuse_stop(v->refuse);
	v->refuse = NULL;
}

/* Clients whose neighbour entry still points at us after we let go would
 * wait for their SYN retransmission (refuse.h): keep their SYNs until the
 * new holder announces itself, then hand them on to it (or reset them). */
static void
refuse_begin(struct vip *v)
{
	struct netaddr a[CONFIG_MAX_ADDRESSES];

	if (v->refuse || v->stopping || !v->cfg->refuse_after_release ||
	    !v->link_arp || !v->link_up)
		return;
	for (size_t i = 0; i < v->cfg->n_addresses; i++)
		a[i] = v->cfg->addresses[i].addr;
	v->refuse = refuse_start(v->env->loop, v->ifindex, a,
	    v->cfg->n_addresses, !v->cfg->refuse_reset_only);
	if (!v->refuse) {
		log_warn("%s: cannot refuse stale clients on %s: %s", v->label,
		    v->cfg->interface, strerror(errno));
		return;
	}
	v->refuse_until = loop_now() + REFUSE_MAX +
	    (uint64_t)v->timing.down_after;
	loop_timer_arm_at(v->env->loop, &v->refuse_end, v->refuse_until);
}

/* A majority names the new master: its claim and announcement are out. */
static void
refuse_wind_down(struct vip *v, const struct decision *d)
{
	uint64_t until = loop_now() + REFUSE_GRACE;

	if (!v->refuse || d->other < config_majority(v->cfg) ||
	    until >= v->refuse_until)
		return;
	v->refuse_until = until;
	loop_timer_arm_at(v->env->loop, &v->refuse_end, until);
}

/* ---- carrying out a verdict -------------------------------------------- */

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
vip_announce(struct vip *v)
{
	if (v->link_arp)
		announce_start(&v->announce, v->ifindex, v->cfg);
}

static void
vip_hold(struct vip *v, const struct decision *d)
{
	int64_t t0 = realtime_us(), t1;
	char why[200];

	refuse_end(v);		/* never while the address is ours */
	if (v->holding) {
		if (v->state == VIP_HELD)
			return;
		/* Found on the interface at start-up (or put back by someone
		 * else): keep it, no delete/re-add, make sure every address
		 * is there, and announce it again. */
		if (vip_add_all(v, why, sizeof(why)) < 0)
			log_warn("%s: %s", v->label, why);
		vip_announce(v);
		if (v->state == VIP_INIT)
			vip_transition(v, VIP_HELD, "+vip-adopted", "adopted",
			    d->reason);
		else
			vip_transition(v, VIP_HELD, "+vip-acquired", "held",
			    d->reason);
		return;
	}
	if (vip_add_all(v, why, sizeof(why)) < 0) {
		/* All or nothing: an address added before the failure would
		 * stay on the interface while we say fault, and the next
		 * release would not take it off (it removes what we hold). */
		for (size_t i = 0; i < v->cfg->n_addresses; i++)
			addr_del(v->env->addr, v->ifindex,
			    &v->cfg->addresses[i]);
		if (v->state != VIP_FAULT)
			vip_transition(v, VIP_FAULT, "+vip-fault", "fault",
			    why);
		else
			log_err("%s: %s", v->label, why);
		loop_timer_arm(v->env->loop, &v->recheck, ADD_RETRY);
		return;
	}
	v->holding = true;
	t1 = realtime_us();
	/* Announce before anything else: logging the transition and starting
	 * the notify program (a fork) are not what clients wait for. */
	vip_announce(v);
	/* The decision runs in the same loop turn as the input that caused
	 * it, so t0 is the input's arrival to within the loop's dispatch. */
	log_debug("%s: %s added to %s; announce timing: decided at "
	    "%" PRId64 ".%06" PRId64 ", address +%" PRId64 " us, first frames "
	    "+%" PRId64 " us", v->label, v->addrstr, v->cfg->interface,
	    t0 / 1000000, t0 % 1000000, t1 - t0, realtime_us() - t0);
	vip_transition(v, VIP_HELD, "+vip-acquired", "held", d->reason);
}

static void
vip_release(struct vip *v, enum vip_state to, const char *reason)
{
	const struct vip_config *c = v->cfg;
	bool had = v->holding;
	int rc = 0;

	announce_stop(&v->announce);
	for (size_t i = 0; had && i < c->n_addresses; i++) {
		int r = addr_del(v->env->addr, v->ifindex, &c->addresses[i]);

		if (r < 0 && r != -ENODEV)
			rc = r;
	}
	if (rc < 0) {
		log_err("%s: cannot remove %s from %s: %s", v->label,
		    v->addrstr, c->interface, strerror(-rc));
		loop_timer_arm(v->env->loop, &v->recheck, ADD_RETRY);
		return;
	}
	v->holding = false;
	if (had && v->state == VIP_HELD)
		refuse_begin(v);
	/* A release of addresses someone else put there while we were
	 * released is a change on the interface too. */
	if (v->state != to || had)
		vip_transition(v, to, to == VIP_FAULT ? "+vip-fault" :
		    "-vip-released", to == VIP_FAULT ? "fault" : "released",
		    reason);
}

/* ---- deciding ---------------------------------------------------------- */

static void
vip_carry_out(struct vip *v, const struct decision *d)
{
	switch (d->verdict) {
	case VERDICT_HOLD:
		vip_hold(v, d);
		break;
	case VERDICT_RELEASE:
		/* A claim that waits for the wire's answer is not a release:
		 * there is nothing to remove, and the state (and READY=1)
		 * waits for the verdict that answer brings. */
		if (d->want_probe && !v->holding)
			break;
		vip_release(v, VIP_RELEASED, d->reason);
		break;
	case VERDICT_FAULT:
		vip_release(v, VIP_FAULT, d->reason);
		break;
	}
	/* A probe nobody wants (a claim decided without it, or a release)
	 * would only cost frames: stop any in flight or scheduled. */
	if (d->want_probe)
		wirecheck_want(&v->wire);
	else
		wirecheck_stop(&v->wire);
	refuse_wind_down(v, d);
	/* Kept SYNs go to the announcer only if our own Sentinel view says
	 * the VIP is moving away; else the announcement resets them. */
	refuse_may_forward(v->refuse, d->moving_away);
}

static void
vip_evaluate(struct vip *v)
{
	const struct vip_config *c = v->cfg;
	const struct node_state *ns = node_state(v->node);
	struct sentinel_view views[CONFIG_MAX_SENTINELS];
	struct peer_view peers[PEERS_MAX];
	const char *names[VIP_MAX_HOSTNAMES];
	struct decide_input in;
	struct decision d;

	if (!v->decided) {
		if (!vip_startup_over(v)) {
			if (!v->startup.armed)
				loop_timer_arm(v->env->loop, &v->startup,
				    v->timing.command_timeout);
			return;
		}
		v->decided = true;
		loop_timer_cancel(v->env->loop, &v->startup);
	}
	vip_update_timing(v);
	memset(&in, 0, sizeof(in));
	vip_self(v, &in.self, names);
	vip_update_peers(v, &in.self);
	for (size_t i = 0; i < c->n_sentinels; i++)
		views[i] = *sentinel_user_view(&v->sentinels[i]);
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
	in.n_peers = peers_views(&v->peers, peers);
	in.wire = v->wire.view;
	decide(&in, &d);

	v->last_decision = time(NULL);
	if (d.verdict != v->last.verdict || strcmp(d.reason, v->last.reason))
		log_debug("%s: verdict %s: %s", v->label,
		    verdict_name(d.verdict), d.reason);
	v->last = d;
	if (d.recheck_at)
		loop_timer_arm_at(v->env->loop, &v->recheck, d.recheck_at);
	else
		loop_timer_cancel(v->env->loop, &v->recheck);
	vip_carry_out(v, &d);
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

/* ---- the interface ----------------------------------------------------- */

/* Re-read the interface and which of our addresses are on it. */
static void
vip_refresh_link(struct vip *v)
{
	struct nlwatch_link li;
	bool arp;
	int rc;

	rc = nlwatch_link_get(v->cfg->interface, &li);
	if (rc < 0) {
		log_warn("%s: cannot read the state of %s: %s", v->label,
		    v->cfg->interface, strerror(-rc));
		return;
	}
	/* Without ARP/ND (loopback, NOARP: routed mode) nobody on a segment
	 * is told, asked or answered on the VIP's behalf. */
	arp = li.ifindex > 0 && !li.noarp;
	if (li.ifindex > 0 && (arp != v->link_arp || !v->link_present))
		log_info("%s: %s %s", v->label, v->cfg->interface, !arp ?
		    "has no ARP/NDP (loopback or NOARP): no gratuitous ARP / "
		    "NA, no probe, the VIP must be routed to this node" :
		    "has ARP/NDP: gratuitous ARP / NA on every claim");
	if (li.ifindex != v->ifindex)
		refuse_end(v);
	v->ifindex = li.ifindex;
	v->link_present = li.ifindex > 0;
	v->link_up = v->link_present && li.up;
	v->link_arp = arp;
	wirecheck_link(&v->wire, li.ifindex, arp && v->link_up, v->cfg);
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
		/* The notification may be old news: the echo of our own add,
		 * taken back since (a release, a failed claim). */
		vip_refresh_link(v);
		if (!v->holding)
			return;
		log_warn("%s: %s appeared on %s without us", v->label,
		    v->addrstr, v->cfg->interface);
		break;
	case NLWATCH_ADDR_DEL:
		if (!is_our_addr(v, ev) || !v->holding)
			return;
		vip_refresh_link(v);
		if (v->holding)
			break;	/* another of our addresses is still there */
		log_warn("%s: %s was removed from %s by someone else", v->label,
		    v->addrstr, v->cfg->interface);
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

/* ---- life cycle -------------------------------------------------------- */

static void
vip_format_addresses(struct vip *v)
{
	size_t off = 0;

	v->addrstr[0] = '\0';
	for (size_t i = 0; i < v->cfg->n_addresses; i++) {
		char a[NETADDR_STRLEN];

		off += (size_t)snprintf(v->addrstr + off,
		    sizeof(v->addrstr) - off, "%s%s", i ? "," : "",
		    prefix_fmt(&v->cfg->addresses[i], a, sizeof(a)));
		if (off >= sizeof(v->addrstr))
			break;
	}
}

/* The credentials from the configuration (at start and on a rebind). */
static void
vip_set_creds(struct vip *v, const struct vip_config *c)
{
	v->redis_creds = (struct watch_creds){ c->redis_user,
	    c->redis_password, c->tls ? v->tls : NULL };
	v->sentinel_creds = (struct watch_creds){ c->sentinel_user,
	    c->sentinel_password, c->sentinel_tls ? v->tls : NULL };
}

static int
vip_attach_watchers(struct vip *v)
{
	const struct vip_config *c = v->cfg;

	if (c->tls || c->sentinel_tls) {
		struct tls_settings ts = {
			.ca_file = c->tls_ca_cert_file,
			.cert_file = c->tls_cert_file,
			.key_file = c->tls_key_file,
			.server_name = c->tls_server_name,
		};
		char err[300];

		v->tls = watch_tls_get(&v->env->watch, &ts, c->tls_stamp, err,
		    sizeof(err));
		if (!v->tls) {
			log_err("%s: TLS: %s", v->label, err);
			return -1;
		}
	}
	vip_set_creds(v, c);

	v->local.changed = vip_changed;
	v->local.arg = v;
	v->local.interval = v->timing.role_check_interval;
	v->local.timeout = v->timing.command_timeout;
	v->local.want_repl = true;	/* rule 3: our id and replicas */
	v->node = node_attach(&v->env->watch, &c->redis, &v->redis_creds,
	    &v->local);
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
		    &v->sentinel_creds, u))
			return -1;
	}
	peers_init(&v->peers, &v->env->watch, vip_changed, v);
	peers_auth(&v->peers, &v->redis_creds);
	peers_timing(&v->peers, v->timing.role_check_interval,
	    v->timing.command_timeout);
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
	snprintf(v->label, sizeof(v->label), "vip %s", cfg->name);
	memset(none, 0, sizeof(none));
	timing_compute(cfg, none, &v->timing);
	vip_format_addresses(v);
	loop_timer_init(&v->recheck, vip_changed, v);
	loop_timer_init(&v->startup, vip_changed, v);
	loop_timer_init(&v->refuse_end, refuse_end, v);
	announce_init(&v->announce, env->loop, v->label);
	wirecheck_init(&v->wire, env->loop, v->label, vip_changed, v);
	vip_refresh_link(v);
	if (v->holding)
		log_info("%s: %s is already on %s; deciding whether to keep it",
		    v->label, v->addrstr, cfg->interface);
	if (cfg->notify) {
		v->notify = notify_new(env->loop, cfg->notify,
		    cfg->notify_timeout, v->label);
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
	announce_stop(&v->announce);
	wirecheck_stop(&v->wire);
	refuse_end(v);
	loop_timer_cancel(v->env->loop, &v->refuse_end);
	node_detach(&v->local);
	for (size_t i = 0; i < v->cfg->n_sentinels; i++)
		sentinel_detach(&v->sentinels[i]);
	peers_clear(&v->peers);
	watch_tls_put(&v->env->watch, v->tls);
	notify_release(v->notify);
	free(v);
}

void
vip_rebind(struct vip *v, const struct vip_config *cfg)
{
	v->cfg = cfg;
	for (size_t i = 0; i < cfg->n_sentinels; i++)
		v->sentinels[i].master = cfg->name;
	/* Equal settings: the same TLS context, the strings of the new
	 * configuration (the old one is about to be freed). */
	vip_set_creds(v, cfg);
}

bool
vip_decided(const struct vip *v)
{
	return v->ready;
}

const struct vip_config *
vip_config(const struct vip *v)
{
	return v->cfg;
}

void
vip_shutdown(struct vip *v, const char *reason)
{
	/* Refusing needs this vip to outlive the release (refuse.h): a
	 * stopping vipd or a removed VIP would open the sockets only to
	 * close them again, ~25 ms each in the kernel, which at 1,000 VIPs
	 * made a stop take 28 s, close to systemd's TimeoutStopSec. */
	v->stopping = true;
	vip_release(v, VIP_RELEASED, reason);
	refuse_end(v);		/* one that was already refusing */
}

/* ---- status ------------------------------------------------------------ */

static void
conn_status(const struct rconn *c, const char *error, struct conn_status *out)
{
	snprintf(out->state, sizeof(out->state), "%s",
	    rconn_state_name(c->state));
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
	out->garp_frames = v->announce.frames;
	out->transitions = v->transitions;
	out->last_decision = v->last_decision;
}
