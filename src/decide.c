/*
 * decide: the decision engine (see decide.h for the rules). Pure: every
 * fact, including the time, comes in through struct decide_input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"

const char *
verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_HOLD:
		return "hold";
	case VERDICT_FAULT:
		return "fault";
	case VERDICT_RELEASE:
		break;
	}
	return "release";
}

const char *
node_role_name(enum node_role r)
{
	switch (r) {
	case NODE_ROLE_MASTER:
		return "master";
	case NODE_ROLE_REPLICA:
		return "replica";
	case NODE_ROLE_OTHER:
		return "other";
	case NODE_ROLE_UNKNOWN:
		break;
	}
	return "unknown";
}

bool
decide_is_self(const struct self_id *self, const struct hostport *named)
{
	if (named->addr.family == 0)
		return false;
	/* Sentinel must be monitoring the node's own address; an answer naming
	 * the VIP would make every holder "the master" of itself. */
	if (self->vip && netaddr_equal(&named->addr, self->vip))
		return false;
	if (self->announce)
		return hostport_equal(named, self->announce);
	if (named->port != self->port)
		return false;
	for (size_t i = 0; i < self->n_local_addrs; i++)
		if (netaddr_equal(&named->addr, &self->local_addrs[i]))
			return true;
	return false;
}

static void __attribute__((format(printf, 3, 4)))
verdict(struct decision *out, enum verdict v, const char *fmt, ...)
{
	va_list ap;

	out->verdict = v;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

static void
recheck(struct decision *out, uint64_t when)
{
	if (out->recheck_at == 0 || when < out->recheck_at)
		out->recheck_at = when;
}

/* When did fewer than a majority become reachable? Quorum was lost when the
 * (n - majority + 1)-th sentinel went away, i.e. at the (n - majority)-th
 * smallest unreachable_since (0-based). Only called when reachable < maj. */
static uint64_t
quorum_lost_since(const struct decide_input *in, size_t maj)
{
	const struct vip_config *cfg = in->cfg;
	uint64_t since[CONFIG_MAX_SENTINELS];
	size_t n = 0, want = cfg->n_sentinels - maj;

	for (size_t i = 0; i < cfg->n_sentinels; i++)
		if (!in->sentinels[i].reachable)
			since[n++] = in->sentinels[i].unreachable_since;
	/* insertion sort: at most 15 entries */
	for (size_t i = 1; i < n; i++) {
		uint64_t v = since[i];
		size_t j = i;

		for (; j > 0 && since[j - 1] > v; j--)
			since[j] = since[j - 1];
		since[j] = v;
	}
	return want < n ? since[want] : in->now;
}

/* No majority of sentinels answers: never claim on a minority view; if we
 * hold, follow no-quorum-policy. */
static void
decide_minority(const struct decide_input *in, struct decision *out,
    size_t n, size_t maj)
{
	const struct vip_config *cfg = in->cfg;
	uint64_t lost, deadline;

	if (!in->holding) {
		verdict(out, VERDICT_RELEASE, "only %zu/%zu sentinels reachable "
		    "(majority %zu); not claiming on a minority view",
		    out->reachable, n, maj);
		return;
	}
	if (cfg->no_quorum_policy == NO_QUORUM_KEEP) {
		verdict(out, VERDICT_HOLD, "only %zu/%zu sentinels reachable "
		    "(majority %zu); keeping the VIP (no-quorum-policy keep)",
		    out->reachable, n, maj);
		return;
	}
	lost = quorum_lost_since(in, maj);
	deadline = lost + cfg->no_quorum_hold_down;
	if (in->now >= deadline) {
		verdict(out, VERDICT_RELEASE, "only %zu/%zu sentinels reachable "
		    "for %llu ms (no-quorum-hold-down %u ms)", out->reachable, n,
		    (unsigned long long)(in->now - lost),
		    cfg->no_quorum_hold_down);
		return;
	}
	recheck(out, deadline);
	verdict(out, VERDICT_HOLD, "only %zu/%zu sentinels reachable; releasing "
	    "in %llu ms unless a majority returns", out->reachable, n,
	    (unsigned long long)(deadline - in->now));
}

/* Count what the sentinels say. Returns the index of the first sentinel
 * that names another node, or -1. */
static int
count_views(const struct decide_input *in, struct decision *out)
{
	int first_other = -1;

	for (size_t i = 0; i < in->cfg->n_sentinels; i++) {
		const struct sentinel_view *sv = &in->sentinels[i];

		if (!sv->reachable)
			continue;
		out->reachable++;
		if (!sv->has_master)
			continue;
		if (decide_is_self(&in->self, &sv->master)) {
			out->agree++;
		} else {
			out->other++;
			if (first_other < 0)
				first_other = (int)i;
		}
	}
	return first_other;
}

/* The local node: returns true if the decision is already made. */
static bool
decide_local(const struct decide_input *in, struct decision *out,
    char *note, size_t notelen)
{
	const struct vip_config *cfg = in->cfg;
	char a[NETADDR_STRLEN];

	hostport_fmt(&cfg->redis, a, sizeof(a));
	note[0] = '\0';
	if (!in->node_reachable && in->node_refused) {
		/* Nothing listens: the server is gone, not blipping (Sentinel's
		 * SLAVEOF transaction closes connections, it does not refuse
		 * them). */
		verdict(out, VERDICT_RELEASE, "local node %s refuses "
		    "connections", a);
		return true;
	}
	if (!in->node_reachable) {
		uint64_t down = in->now - in->node_unreachable_since;

		/* A blip is tolerated only while we already hold the VIP on the
		 * strength of a master role seen before it: never claim blind. */
		if (!in->holding || in->role != NODE_ROLE_MASTER) {
			verdict(out, VERDICT_RELEASE, "local node %s unreachable",
			    a);
			return true;
		}
		if (down >= cfg->redis_down_after) {
			verdict(out, VERDICT_RELEASE, "local node %s unreachable "
			    "for %llu ms (redis-down-after %u ms)", a,
			    (unsigned long long)down, cfg->redis_down_after);
			return true;
		}
		recheck(out, in->node_unreachable_since + cfg->redis_down_after);
		snprintf(note, notelen, "; local node unreachable for %llu ms, "
		    "tolerated up to %u ms", (unsigned long long)down,
		    cfg->redis_down_after);
		return false;
	}
	switch (in->role) {
	case NODE_ROLE_MASTER:
		return false;
	case NODE_ROLE_REPLICA:
		verdict(out, VERDICT_RELEASE, "local node is a replica");
		return true;
	case NODE_ROLE_OTHER:
		verdict(out, VERDICT_RELEASE, "%s is not a Redis data node", a);
		return true;
	case NODE_ROLE_UNKNOWN:
		break;
	}
	verdict(out, VERDICT_RELEASE, "local role not known yet");
	return true;
}

/* The newest failover a reachable sentinel leads, or -1. */
static int
leading_failover(const struct decide_input *in, struct decision *out)
{
	int best = -1;

	for (size_t i = 0; i < in->cfg->n_sentinels; i++) {
		const struct sentinel_view *sv = &in->sentinels[i];

		if (!sv->reachable || !sv->failover ||
		    in->now >= sv->failover_since + DECIDE_FAILOVER_MAX)
			continue;
		recheck(out, sv->failover_since + DECIDE_FAILOVER_MAX);
		if (best < 0 ||
		    sv->failover_epoch > in->sentinels[best].failover_epoch)
			best = (int)i;
	}
	return best;
}

/* Early claim: is the newest leader's failover promoting this node, with
 * no reachable sentinel naming a third node? Every other sentinel still
 * names the old master until the leader's hello reaches it (reference
 * A.2-3), which is exactly the wait early claim saves. */
static bool
promoted_by_leader(const struct decide_input *in, const struct sentinel_view *l)
{
	if (!l->promoting || !decide_is_self(&in->self, &l->promoting_to))
		return false;
	for (size_t i = 0; i < in->cfg->n_sentinels; i++) {
		const struct sentinel_view *sv = &in->sentinels[i];

		if (sv->reachable && sv->has_master &&
		    !decide_is_self(&in->self, &sv->master) &&
		    !hostport_equal(&sv->master, &l->failover_from))
			return false;
	}
	return true;
}

/* A failover led by a reachable sentinel decides first: away from us means
 * release (a majority already voted this node down), and with early-claim
 * a promotion of us by the elected leader means hold. */
static bool
decide_failover(const struct decide_input *in, struct decision *out)
{
	const struct vip_config *cfg = in->cfg;
	const struct sentinel_view *l;
	char sa[NETADDR_STRLEN];
	int i = leading_failover(in, out);

	if (i < 0)
		return false;
	l = &in->sentinels[i];
	hostport_fmt(&cfg->sentinels[i], sa, sizeof(sa));
	if (decide_is_self(&in->self, &l->failover_from)) {
		verdict(out, VERDICT_RELEASE, "sentinel %s leads a failover "
		    "away from this node (epoch %llu)", sa,
		    (unsigned long long)l->failover_epoch);
		return true;
	}
	/* decide_local() let an unreachable node through only if we hold
	 * the VIP on a master role seen before the drop, within
	 * redis-down-after: the leader's own SLAVEOF NO ONE kills our
	 * connection (reference A.2-2), and that must not make a node that
	 * claimed early let go for the millisecond its reconnect takes. */
	if (cfg->early_claim && promoted_by_leader(in, l)) {
		verdict(out, VERDICT_HOLD, "local master, promoted by sentinel "
		    "%s, elected leader for epoch %llu (early claim)", sa,
		    (unsigned long long)l->failover_epoch);
		return true;
	}
	return false;
}

void
decide(const struct decide_input *in, struct decision *out)
{
	const struct vip_config *cfg = in->cfg;
	size_t n = cfg->n_sentinels, maj = config_majority(cfg);
	char note[96], other[NETADDR_STRLEN];
	int first_other;

	memset(out, 0, sizeof(*out));
	first_other = count_views(in, out);

	if (!in->link_present) {
		verdict(out, VERDICT_FAULT, "interface %s not found",
		    cfg->interface);
		return;
	}
	if (!in->link_up) {
		verdict(out, VERDICT_FAULT, "interface %s is down",
		    cfg->interface);
		return;
	}
	if (decide_local(in, out, note, sizeof(note)))
		return;

	/* From here on the local node is (or, within redis-down-after, was
	 * just seen as) master. That alone proves nothing: a restarted old
	 * master says role:master for ~10 s before Sentinel demotes it
	 * (reference A.4). */
	if (decide_failover(in, out))
		return;
	if (first_other >= 0)
		hostport_fmt(&in->sentinels[first_other].master, other,
		    sizeof(other));
	if (out->other >= maj) {
		verdict(out, VERDICT_RELEASE, "%zu/%zu sentinels name %s as "
		    "master", out->other, n, other);
		return;
	}
	if (out->agree >= maj) {
		verdict(out, VERDICT_HOLD, "local master; %zu/%zu sentinels "
		    "agree%s", out->agree, n, note);
		return;
	}
	if (out->reachable < maj) {
		/* A reachable sentinel that names someone else has seen a
		 * failover we did not: that beats any policy. */
		if (out->other > 0) {
			verdict(out, VERDICT_RELEASE, "only %zu/%zu sentinels "
			    "reachable and %zu of them name %s as master",
			    out->reachable, n, out->other, other);
			return;
		}
		decide_minority(in, out, n, maj);
		return;
	}
	verdict(out, VERDICT_RELEASE, "only %zu/%zu sentinels name this node "
	    "(majority %zu)%s", out->agree, n, maj,
	    out->other ? "; failover in progress or opinions split" : "");
}
