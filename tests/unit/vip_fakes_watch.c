/* vip_fakes_watch: the data node and Sentinel watchers, in memory (see
 * vip_fakes.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vip_fakes.h"

/* ---- data nodes -------------------------------------------------------- */

struct node {
	struct hostport addr;
	struct node_state st;
	struct rconn conn;
	struct node_user *users;
	unsigned int pokes, user_changes;
};

static struct node *nodes[FAKE_MAX];
static size_t n_nodes;
bool fake_node_attach_fails;

static struct hostport
parse_hp(const char *s)
{
	struct hostport hp;

	if (hostport_parse(s, &hp) < 0)
		fake_die("bad host:port in a test");
	return hp;
}

struct node *
fake_node(const char *hostport)
{
	struct hostport hp = parse_hp(hostport);

	for (size_t i = 0; i < n_nodes; i++)
		if (hostport_equal(&nodes[i]->addr, &hp))
			return nodes[i];
	return NULL;
}

struct node *
node_attach(struct watch_env *w, const struct hostport *addr,
    const struct watch_creds *cr, struct node_user *u)
{
	struct node *n = NULL;

	(void)w, (void)cr;
	if (fake_node_attach_fails)
		return NULL;
	for (size_t i = 0; i < n_nodes && !n; i++)
		if (hostport_equal(&nodes[i]->addr, addr))
			n = nodes[i];
	if (!n) {
		if (n_nodes == FAKE_MAX || !(n = calloc(1, sizeof(*n))))
			fake_die("too many nodes");
		nodes[n_nodes++] = n;
		n->addr = *addr;
	}
	if (!n->users) {
		/* a new connection: it knows nothing yet */
		memset(&n->st, 0, sizeof(n->st));
		memset(&n->conn, 0, sizeof(n->conn));
		n->conn.state = RCONN_CONNECTING;
	}
	u->node = n;
	u->next = n->users;
	n->users = u;
	return n;
}

void
node_detach(struct node_user *u)
{
	struct node_user **pp;

	if (!u->node)
		return;
	for (pp = &u->node->users; *pp && *pp != u; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = u->next;
	u->node = NULL;
	u->next = NULL;
}

void
node_user_changed(struct node_user *u)
{
	if (u->node)
		u->node->user_changes++;
}

void
node_poke(struct node *n)
{
	n->pokes++;
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

struct node_state *
fake_node_state(struct node *n)
{
	return &n->st;
}

struct rconn *
fake_node_rconn(struct node *n)
{
	return &n->conn;
}

void
fake_node_changed(struct node *n)
{
	struct node_user *us[FAKE_MAX];
	size_t k = 0;

	for (struct node_user *u = n->users; u && k < FAKE_MAX; u = u->next)
		us[k++] = u;
	/* a callback may detach users (peers expire) */
	for (size_t i = 0; i < k; i++)
		if (us[i]->node == n)
			us[i]->changed(us[i]->arg);
}

size_t
fake_node_users(const struct node *n)
{
	size_t k = 0;

	for (struct node_user *u = n ? n->users : NULL; u; u = u->next)
		k++;
	return k;
}

const struct node_user *
fake_node_user(const struct node *n, size_t i)
{
	struct node_user *u = n->users;

	while (u && i--)
		u = u->next;
	return u;
}

unsigned int
fake_node_pokes(const struct node *n)
{
	return n->pokes;
}

unsigned int
fake_node_user_changes(const struct node *n)
{
	return n->user_changes;
}

/* ---- Sentinels --------------------------------------------------------- */

struct sentinel_master {
	char name[128];
	struct sentinel_view view;
	struct sentinel_params params;
	bool answered;
	int64_t last_seen;
	uint64_t events;
	char error[160];
	struct sentinel_user *users;
	unsigned int pokes, user_changes;
	struct sentinel_master *next;
};

struct sentinel {
	struct hostport addr;
	struct rconn cmd, sub;
	struct sentinel_master *masters;
};

static struct sentinel *sentinels[FAKE_MAX];
static size_t n_sentinels;

struct sentinel *
fake_sentinel(const char *hostport)
{
	struct hostport hp = parse_hp(hostport);

	for (size_t i = 0; i < n_sentinels; i++)
		if (hostport_equal(&sentinels[i]->addr, &hp))
			return sentinels[i];
	return NULL;
}

static struct sentinel_master *
master_of(struct sentinel *s, const char *name)
{
	struct sentinel_master *m;

	for (m = s ? s->masters : NULL; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	fake_die("no such sentinel or master in a test");
	return NULL;
}

struct sentinel *
sentinel_attach(struct watch_env *w, const struct hostport *addr,
    const struct watch_creds *cr, struct sentinel_user *u)
{
	struct sentinel *s = NULL;
	struct sentinel_master *m;

	(void)w, (void)cr;
	for (size_t i = 0; i < n_sentinels && !s; i++)
		if (hostport_equal(&sentinels[i]->addr, addr))
			s = sentinels[i];
	if (!s) {
		if (n_sentinels == FAKE_MAX || !(s = calloc(1, sizeof(*s))))
			fake_die("too many sentinels");
		sentinels[n_sentinels++] = s;
		s->addr = *addr;
		s->cmd.state = s->sub.state = RCONN_CONNECTING;
	}
	for (m = s->masters; m && strcmp(m->name, u->master) != 0; m = m->next)
		;
	if (!m) {
		if (!(m = calloc(1, sizeof(*m))))
			fake_die("out of memory");
		snprintf(m->name, sizeof(m->name), "%s", u->master);
		m->view.unreachable_since = loop_now();
		m->next = s->masters;
		s->masters = m;
	}
	if (!m->users) {
		m->answered = false;
		m->view.reachable = false;
	}
	u->s = s;
	u->m = m;
	u->next = m->users;
	m->users = u;
	return s;
}

void
sentinel_detach(struct sentinel_user *u)
{
	struct sentinel_user **pp;

	if (!u->s)
		return;
	for (pp = &u->m->users; *pp && *pp != u; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = u->next;
	u->s = NULL;
	u->m = NULL;
	u->next = NULL;
}

void
sentinel_user_changed(struct sentinel_user *u)
{
	if (u->s)
		u->m->user_changes++;
}

void
sentinel_poke(struct sentinel_user *u)
{
	if (u->s)
		u->m->pokes++;
}

const struct sentinel_view *
sentinel_user_view(const struct sentinel_user *u)
{
	return &u->m->view;
}

const struct sentinel_params *
sentinel_user_params(const struct sentinel_user *u)
{
	return &u->m->params;
}

bool
sentinel_user_answered(const struct sentinel_user *u)
{
	return u->m->answered;
}

int64_t
sentinel_user_last_seen(const struct sentinel_user *u)
{
	return u->m->last_seen;
}

uint64_t
sentinel_user_events(const struct sentinel_user *u)
{
	return u->m->events;
}

const char *
sentinel_user_error(const struct sentinel_user *u)
{
	if (!rconn_up(&u->s->cmd))
		return u->s->cmd.last_error;
	return u->m->error;
}

const struct rconn *
sentinel_cmd_conn(const struct sentinel *s)
{
	return &s->cmd;
}

const struct rconn *
sentinel_sub_conn(const struct sentinel *s)
{
	return &s->sub;
}

struct sentinel_view *
fake_sentinel_view(struct sentinel *s, const char *master)
{
	return &master_of(s, master)->view;
}

struct sentinel_params *
fake_sentinel_params(struct sentinel *s, const char *master)
{
	return &master_of(s, master)->params;
}

void
fake_sentinel_answered(struct sentinel *s, const char *master, bool a)
{
	master_of(s, master)->answered = a;
}

void
fake_sentinel_set_error(struct sentinel *s, const char *master,
    const char *error)
{
	struct sentinel_master *m = master_of(s, master);

	snprintf(m->error, sizeof(m->error), "%s", error);
}

struct rconn *
fake_sentinel_rconn(struct sentinel *s)
{
	return &s->cmd;
}

static size_t
master_users(struct sentinel_master *m, struct sentinel_user **us)
{
	size_t k = 0;

	for (struct sentinel_user *u = m->users; u && k < FAKE_MAX; u = u->next)
		us[k++] = u;
	return k;
}

void
fake_sentinel_changed(struct sentinel *s, const char *master)
{
	struct sentinel_master *m = master_of(s, master);
	struct sentinel_user *us[FAKE_MAX];
	size_t k = master_users(m, us);

	for (size_t i = 0; i < k; i++)
		if (us[i]->m == m)
			us[i]->changed(us[i]->arg);
}

void
fake_sentinel_event(struct sentinel *s, const char *master)
{
	struct sentinel_master *m = master_of(s, master);
	struct sentinel_user *us[FAKE_MAX];
	struct sentinel_event ev;
	size_t k = master_users(m, us);

	memset(&ev, 0, sizeof(ev));
	ev.type = SEV_SWITCH_MASTER;
	snprintf(ev.name, sizeof(ev.name), "+switch-master");
	snprintf(ev.master_name, sizeof(ev.master_name), "%s", master);
	m->events++;
	for (size_t i = 0; i < k; i++)
		if (us[i]->m == m && us[i]->hint)
			us[i]->hint(us[i]->arg, &ev);
}

size_t
fake_sentinel_users(struct sentinel *s, const char *master)
{
	struct sentinel_user *us[FAKE_MAX];

	return master_users(master_of(s, master), us);
}

const struct sentinel_user *
fake_sentinel_user(struct sentinel *s, const char *master, size_t i)
{
	struct sentinel_user *u = master_of(s, master)->users;

	while (u && i--)
		u = u->next;
	return u;
}

unsigned int
fake_sentinel_pokes(struct sentinel *s, const char *master)
{
	return master_of(s, master)->pokes;
}

unsigned int
fake_sentinel_user_changes(struct sentinel *s, const char *master)
{
	return master_of(s, master)->user_changes;
}

const char *
rconn_state_name(enum rconn_state s)
{
	static const char *const names[] = {
		[RCONN_IDLE] = "idle", [RCONN_RESOLVING] = "resolving",
		[RCONN_CONNECTING] = "connecting",
		[RCONN_AUTHENTICATING] = "authenticating",
		[RCONN_UP] = "up", [RCONN_DOWN] = "down",
	};

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ?
	    names[s] : "?";
}

void
fake_watch_reset(void)
{
	for (size_t i = 0; i < n_nodes; i++)
		free(nodes[i]);
	n_nodes = 0;
	fake_node_attach_fails = false;
	for (size_t i = 0; i < n_sentinels; i++) {
		while (sentinels[i]->masters) {
			struct sentinel_master *m = sentinels[i]->masters;

			sentinels[i]->masters = m->next;
			free(m);
		}
		free(sentinels[i]);
	}
	n_sentinels = 0;
}

/* watch.c's TLS contexts: the tests configure no TLS, so vip.c never asks
 * for one; a request is a test bug. */
struct watch_tls *
watch_tls_get(struct watch_env *w, const struct tls_settings *s,
    uint64_t stamp, char *err, size_t len)
{
	(void)w, (void)s, (void)stamp, (void)err, (void)len;
	fake_die("a TLS context asked for in a test without TLS");
	return NULL;
}

struct watch_tls *
watch_tls_ref(struct watch_tls *t)
{
	return t;
}

void
watch_tls_put(struct watch_env *w, struct watch_tls *t)
{
	(void)w;
	if (t)
		fake_die("a TLS context released in a test without TLS");
}
