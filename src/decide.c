/*
 * decide: the decision engine (see decide.h for the rules). Pure: every
 * fact, including the time, comes in through struct decide_input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"

static bool
is_vip(const struct self_id *self, const struct netaddr *a)
{
	for (size_t i = 0; i < self->n_vips; i++)
		if (netaddr_equal(a, &self->vips[i].addr))
			return true;
	return false;
}

/* A literal address (with a port) is this node. */
static bool
literal_is_self(const struct self_id *self, const struct netaddr *a,
    uint16_t port)
{
	/* Sentinel must be monitoring the node's own address; an answer naming
	 * the VIP would make every holder "the master" of itself. */
	if (is_vip(self, a))
		return false;
	if (self->announce) {
		if (self->announce->name[0])
			return false;	/* compared by name, not address */
		return port == self->announce->port &&
		    netaddr_equal(a, &self->announce->addr);
	}
	if (port != self->port)
		return false;
	for (size_t i = 0; i < self->n_local_addrs; i++)
		if (netaddr_equal(a, &self->local_addrs[i]))
			return true;
	return false;
}

static size_t
lookup(const struct self_id *self, const char *name, struct netaddr *out,
    size_t max)
{
	return self->lookup ?
	    self->lookup(self->lookup_ctx, name, out, max) : 0;
}

/* A DNS name is this node (see decide.h for the rules). */
static bool
name_is_self(const struct self_id *self, const struct hostport *named)
{
	struct netaddr addrs[8];
	size_t n;

	if (self->announce && self->announce->name[0])
		return hostport_equal(named, self->announce);
	if (!self->announce && named->port == self->port)
		for (size_t i = 0; i < self->n_names; i++)
			if (netaddr_name_equal(named->name, self->names[i]))
				return true;
	n = lookup(self, named->name, addrs, sizeof(addrs) / sizeof(addrs[0]));
	for (size_t i = 0; i < n; i++)
		if (!literal_is_self(self, &addrs[i], named->port))
			return false;
	return n > 0;
}

/* announce is a name and Sentinel speaks addresses: the literal is this
 * node when the announce name resolves to it and to nothing else. */
static bool
literal_is_announce_name(const struct self_id *self,
    const struct hostport *named)
{
	struct netaddr addrs[8];
	size_t n;

	if (named->port != self->announce->port || is_vip(self, &named->addr))
		return false;
	n = lookup(self, self->announce->name, addrs,
	    sizeof(addrs) / sizeof(addrs[0]));
	for (size_t i = 0; i < n; i++)
		if (!netaddr_equal(&addrs[i], &named->addr))
			return false;
	return n > 0;
}

bool
decide_is_self(const struct self_id *self, const struct hostport *named)
{
	if (named->name[0])
		return name_is_self(self, named);
	if (named->addr.family == 0)
		return false;
	if (self->announce && self->announce->name[0])
		return literal_is_announce_name(self, named);
	return literal_is_self(self, &named->addr, named->port);
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
	unsigned int hold_down = in->timing->no_quorum_hold_down;
	uint64_t lost, deadline;

	if (!in->holding) {
		verdict(out, VERDICT_RELEASE, "only %zu/%zu sentinels "
		    "reachable (majority %zu); not claiming on a minority view",
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
	deadline = lost + hold_down;
	if (in->now >= deadline) {
		verdict(out, VERDICT_RELEASE, "only %zu/%zu sentinels "
		    "reachable for %llu ms (no-quorum-hold-down %u ms)",
		    out->reachable, n, (unsigned long long)(in->now - lost),
		    hold_down);
		return;
	}
	recheck(out, deadline);
	verdict(out, VERDICT_HOLD, "only %zu/%zu sentinels reachable; "
	    "releasing in %llu ms unless a majority returns", out->reachable, n,
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

/* A failover this reachable sentinel leads, younger than
 * DECIDE_FAILOVER_MAX (older ones are forgotten: they ended or failed). */
static bool
leads_failover(const struct decide_input *in, const struct sentinel_view *sv)
{
	return sv->reachable && sv->failover &&
	    in->now < sv->failover_since + DECIDE_FAILOVER_MAX;
}

/* ... away from this node, its replacement selected (rule 4). */
static bool
failover_away(const struct decide_input *in, const struct sentinel_view *sv)
{
	return sv->promoting && decide_is_self(&in->self, &sv->failover_from) &&
	    !decide_is_self(&in->self, &sv->promoting_to);
}

/* decision.moving_away: another node named, or a failover away from this
 * node with its replacement selected, by any reachable Sentinel (rule 4
 * asks only the newest leader: this is not a verdict, it is whether a
 * stale client may be handed on). */
static bool
moving_away(const struct decide_input *in, const struct decision *out)
{
	if (out->other > 0)
		return true;
	for (size_t i = 0; i < in->cfg->n_sentinels; i++) {
		const struct sentinel_view *sv = &in->sentinels[i];

		if (leads_failover(in, sv) && failover_away(in, sv))
			return true;
	}
	return false;
}

/* The local node: returns true if the decision is already made. */
static bool
decide_local(const struct decide_input *in, struct decision *out,
    char *note, size_t notelen)
{
	const struct vip_config *cfg = in->cfg;
	unsigned int down_after = in->timing->redis_down_after;
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

		/* A blip is tolerated only while we already hold the VIP on
		 * the strength of a master role seen before it: never claim
		 * blind. */
		if (!in->holding || in->role != NODE_ROLE_MASTER) {
			verdict(out, VERDICT_RELEASE,
			    "local node %s unreachable", a);
			return true;
		}
		if (down >= down_after) {
			verdict(out, VERDICT_RELEASE, "local node %s "
			    "unreachable for %llu ms (redis-down-after %u ms)",
			    a, (unsigned long long)down, down_after);
			return true;
		}
		recheck(out, in->node_unreachable_since + down_after);
		snprintf(note, notelen, "; local node unreachable for %llu ms, "
		    "tolerated up to %u ms", (unsigned long long)down,
		    down_after);
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

/* Rule 3: a data node promoted out of our own replication stream. Sentinel
 * promotes a replica with SLAVEOF NO ONE, which moves the replication id
 * it followed (ours) to its master_replid2, in the same process (run_id)
 * we saw as a replica. A node restarted as an empty master has a fresh
 * history, and one restarted from a replica's RDB (which restores our id
 * as its replid2 too) is a new process: neither is a promotion. */
static bool
decide_promoted_peer(const struct decide_input *in, struct decision *out)
{
	char a[NETADDR_STRLEN];

	if (!in->replid || !in->replid[0])
		return false;
	for (size_t i = 0; i < in->n_peers; i++) {
		const struct peer_view *p = &in->peers[i];

		if (!p->reachable || p->role != NODE_ROLE_MASTER ||
		    strcmp(p->replid2, in->replid) != 0 || !p->run_id[0] ||
		    strcmp(p->run_id, p->replica_run_id) != 0)
			continue;
		verdict(out, VERDICT_RELEASE, "%s reports master, promoted "
		    "from this node's replication stream: a failover away "
		    "from this node", hostport_fmt(&p->addr, a, sizeof(a)));
		return true;
	}
	return false;
}

static const struct peer_view *
find_peer(const struct decide_input *in, const struct hostport *hp)
{
	for (size_t i = 0; i < in->n_peers; i++)
		if (hostport_equal(&in->peers[i].addr, hp))
			return &in->peers[i];
	return NULL;
}

/* The newest failover a reachable sentinel leads, or -1. */
static int
leading_failover(const struct decide_input *in, struct decision *out)
{
	int best = -1;

	for (size_t i = 0; i < in->cfg->n_sentinels; i++) {
		const struct sentinel_view *sv = &in->sentinels[i];

		if (!leads_failover(in, sv))
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
 * names the old master until the leader's hello reaches it, which is
 * exactly the wait early claim saves. */
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

static bool
wire_free(const struct decide_input *in)
{
	return in->wire.state == WIRE_FREE &&
	    in->now <= in->wire.at + DECIDE_WIRE_FRESH;
}

static const char *
mac_fmt(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
	return buf;
}

/* Rule 5 once the leader promotes us: may we claim now? On an interface
 * with ARP/ND the wire answers whether the old holder let go; without one,
 * only the old master's own state can (refusing, or a replica). */
static bool
early_claim(const struct decide_input *in, struct decision *out,
    const struct sentinel_view *l, const char *sa)
{
	const struct peer_view *old;
	char mac[24], oa[NETADDR_STRLEN];
	unsigned long long epoch = (unsigned long long)l->failover_epoch;

	if (in->holding || (in->wire.checkable && wire_free(in))) {
		out->early = true;
		verdict(out, VERDICT_HOLD, "local master, promoted by sentinel "
		    "%s, elected leader for epoch %llu (early claim)", sa,
		    epoch);
		return true;
	}
	/* Waiting for silence is the early claim's price; once the
	 * majority names this node, rule 7 claims without it. */
	if (out->agree >= config_majority(in->cfg))
		return false;
	if (in->wire.checkable) {
		out->want_probe = true;
		if (in->wire.state == WIRE_ANSWERED)
			verdict(out, VERDICT_RELEASE, "promoted by sentinel %s "
			    "(epoch %llu), but %s still answers for the VIP",
			    sa, epoch, mac_fmt(in->wire.mac, mac, sizeof(mac)));
		else
			verdict(out, VERDICT_RELEASE, "promoted by sentinel %s "
			    "(epoch %llu); asking the wire whether another "
			    "node still has the VIP", sa, epoch);
		return true;
	}
	old = find_peer(in, &l->failover_from);
	if (!old || !old->answered || !(old->refused ||
	    (old->reachable && old->role == NODE_ROLE_REPLICA)))
		return false;	/* the majority decides */
	out->early = true;
	verdict(out, VERDICT_HOLD, "local master, promoted by sentinel %s, "
	    "elected leader for epoch %llu; the old master %s %s (early claim)",
	    sa, epoch, hostport_fmt(&l->failover_from, oa, sizeof(oa)),
	    old->refused ? "refuses connections" : "is a replica");
	return true;
}

/* A failover led by a reachable sentinel decides first: one that has
 * selected another node to promote in our place means release (rule 4);
 * with early-claim, a promotion of us by the elected leader may mean hold
 * (rule 5). An attempt that has not selected a replica yet decides
 * nothing: it may still abort (-failover-abort-no-good-slave), and
 * releasing then would blink the VIP for nothing. */
static bool
decide_failover(const struct decide_input *in, struct decision *out)
{
	const struct vip_config *cfg = in->cfg;
	const struct sentinel_view *l;
	char sa[NETADDR_STRLEN], ta[NETADDR_STRLEN];
	int i = leading_failover(in, out);

	if (i < 0)
		return false;
	l = &in->sentinels[i];
	hostport_fmt(&cfg->sentinels[i], sa, sizeof(sa));
	if (decide_is_self(&in->self, &l->failover_from)) {
		if (!failover_away(in, l))
			return false;
		verdict(out, VERDICT_RELEASE, "sentinel %s leads a failover "
		    "away from this node (epoch %llu, promoting %s)", sa,
		    (unsigned long long)l->failover_epoch,
		    hostport_fmt(&l->promoting_to, ta, sizeof(ta)));
		return true;
	}
	/* decide_local() let an unreachable node through only if we hold
	 * the VIP on a master role seen before the drop, within
	 * redis-down-after: the leader's own SLAVEOF NO ONE kills our
	 * connection, and that must not make a node that claimed early let
	 * go for the millisecond its reconnect takes. */
	if (cfg->early_claim && promoted_by_leader(in, l))
		return early_claim(in, out, l, sa);
	return false;
}

/*
 * Rule 7: the majority names this node, which is master: claim, at once.
 * Nothing is asked of the wire: with the majority naming this node, a node
 * that still answers for the VIP is late or stale (its vipd cut off with a
 * hold-down longer than Sentinel's down-after, or dead with the address
 * left behind), every moment it keeps the clients costs their writes, and
 * our announcement takes them over. If an early claim's probes saw it,
 * the reason names it.
 */
static void
decide_majority_claim(const struct decide_input *in, struct decision *out,
    const char *note)
{
	size_t n = in->cfg->n_sentinels;
	char mac[24];

	if (!in->holding && in->wire.state == WIRE_ANSWERED &&
	    in->now <= in->wire.at + DECIDE_WIRE_STALE_HOLDER) {
		verdict(out, VERDICT_HOLD, "local master; %zu/%zu sentinels "
		    "agree; %s still answers for the VIP: claiming it, the "
		    "announcement takes its clients", out->agree, n,
		    mac_fmt(in->wire.mac, mac, sizeof(mac)));
		return;
	}
	verdict(out, VERDICT_HOLD, "local master; %zu/%zu sentinels agree%s",
	    out->agree, n, note);
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
	out->moving_away = moving_away(in, out);

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
	 * master says role:master for ~10 s before Sentinel demotes it. */
	if (decide_promoted_peer(in, out) || decide_failover(in, out))
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
		decide_majority_claim(in, out, note);
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
