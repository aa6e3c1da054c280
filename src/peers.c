/* peers: the other data nodes a VIP watches (see peers.h). */
#include <stdlib.h>
#include <string.h>

#include "peers.h"

void
peers_init(struct peers *ps, struct watch_env *w, void (*changed)(void *),
    void *arg)
{
	memset(ps, 0, sizeof(*ps));
	ps->w = w;
	ps->changed = changed;
	ps->arg = arg;
	ps->interval = ps->timeout = 500;
}

void
peers_auth(struct peers *ps, const struct watch_creds *creds)
{
	ps->creds = creds;
}

void
peers_timing(struct peers *ps, unsigned int interval, unsigned int timeout)
{
	ps->interval = interval;
	ps->timeout = timeout;
	for (size_t i = 0; i < ps->n; i++) {
		ps->p[i]->u.interval = interval;
		ps->p[i]->u.timeout = timeout;
		node_user_changed(&ps->p[i]->u);
	}
}

void
peers_want(struct peers *ps, const struct hostport *hp, uint64_t now)
{
	struct peer *p;

	for (size_t i = 0; i < ps->n; i++) {
		if (hostport_equal(&ps->p[i]->addr, hp)) {
			ps->p[i]->wanted_at = now;
			return;
		}
	}
	if (ps->n == PEERS_MAX || !(p = calloc(1, sizeof(*p))))
		return;
	p->addr = *hp;
	p->wanted_at = now;
	p->u.changed = ps->changed;
	p->u.arg = ps->arg;
	p->u.interval = ps->interval;
	p->u.timeout = ps->timeout;
	/* Rule 3 reads its replication history and its run_id. */
	p->u.want_repl = true;
	p->u.want_run_id = true;
	if (node_attach(ps->w, hp, ps->creds, &p->u))
		ps->p[ps->n++] = p;
	else
		free(p);
}

static void
peers_drop(struct peers *ps, size_t i)
{
	node_detach(&ps->p[i]->u);
	free(ps->p[i]);
	ps->p[i] = ps->p[--ps->n];
}

void
peers_expire(struct peers *ps, uint64_t now)
{
	for (size_t i = 0; i < ps->n; ) {
		if (now >= ps->p[i]->wanted_at + PEERS_MEMORY)
			peers_drop(ps, i);
		else
			i++;
	}
}

size_t
peers_views(const struct peers *ps, struct peer_view *out)
{
	for (size_t i = 0; i < ps->n; i++) {
		const struct node_state *ns = node_state(ps->p[i]->u.node);

		memset(&out[i], 0, sizeof(out[i]));
		out[i].addr = ps->p[i]->addr;
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
	return ps->n;
}

void
peers_clear(struct peers *ps)
{
	while (ps->n)
		peers_drop(ps, 0);
}
