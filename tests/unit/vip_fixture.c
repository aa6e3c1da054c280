/* vip_fixture: one VIP on the fakes (see vip_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "vip_fixture.h"

struct fx fx;
static struct netaddr host_addrs[2];	/* the host's addresses */

static const char *const sentinel_addrs[FX_N] = {
	"192.0.2.21:26379", "192.0.2.22:26379", "192.0.2.23:26379",
};

static void
on_decided(void *arg)
{
	(void)arg;
	fx.ready++;
	fx.addrs_at_ready = fake_addr_count(FX_IFINDEX);
	fx.probing_at_ready = fake_probe_running();
}

void
fx_setup(const struct fx_opts *o)
{
	char text[2048];
	int n;

	fake_reset();
	memset(&fx, 0, sizeof(fx));
	n = snprintf(text, sizeof(text),
	    "vip \"" FX_MASTER "\" {\n"
	    "  address = { %s }\n"
	    "  interface = \"" FX_IF "\"\n"
	    "  redis = \"" FX_US "\"\n"
	    "  sentinels = { \"%s\", \"%s\", \"%s\" }\n"
	    "  notify = \"/bin/sh\"\n"
	    "%s\n"
	    "}\n",
	    o->dual ? "\"192.0.2.100\", \"2001:db8::100\"" : "\"192.0.2.100\"",
	    sentinel_addrs[0], sentinel_addrs[1], sentinel_addrs[2],
	    o->extra ? o->extra : "");
	assert_true(n > 0 && (size_t)n < sizeof(text));
	fx.cfg = config_load_buffer(text, strlen(text), "test.conf", stderr);
	assert_non_null(fx.cfg);
	assert_int_equal(fx.cfg->n_vips, 1);

	fx.noarp = o->noarp;
	fake_if_set(FX_IF, FX_IFINDEX, true, o->noarp);
	fx.env.loop = fake_loop();
	fx.env.addr = fake_addr_ctx();
	fx.env.watch.loop = fake_loop();
	fx.env.watch.resolver = fake_resolver();
	assert_int_equal(netaddr_parse("192.0.2.11", &host_addrs[0]), 0);
	assert_int_equal(netaddr_parse("2001:db8::11", &host_addrs[1]), 0);
	fx.env.local_addrs = host_addrs;
	fx.env.n_local_addrs = 2;
	snprintf(fx.env.hostnames[0], sizeof(fx.env.hostnames[0]), "n1.test");
	snprintf(fx.env.hostnames[1], sizeof(fx.env.hostnames[1]), "n1");
	fx.env.n_hostnames = 2;
	fx.env.decided = on_decided;
}

void
fx_spawn(void)
{
	fx.v = vip_new(&fx.env, &fx.cfg->vips[0]);
	assert_non_null(fx.v);
}

void
fx_start(const struct fx_opts *o)
{
	fx_setup(o);
	fx_spawn();
}

void
fx_teardown(void)
{
	vip_free(fx.v);
	fx.v = NULL;
	config_free(fx.cfg);
	fx.cfg = NULL;
	fake_reset();
}

struct node *
fx_local(void)
{
	struct node *n = fake_node(FX_US);

	assert_non_null(n);
	return n;
}

struct sentinel *
fx_sentinel(size_t i)
{
	struct sentinel *s = fake_sentinel(sentinel_addrs[i]);

	assert_non_null(s);
	return s;
}

void
fx_node(enum node_role role)
{
	struct node *n = fx_local();
	struct node_state *st = fake_node_state(n);

	st->answered = true;
	st->reachable = true;
	st->refused = false;
	st->role = role;
	st->last_seen = 1700000000;
	st->have_repl = true;
	snprintf(st->repl.replid, sizeof(st->repl.replid), "%s", FX_REPLID);
	st->error[0] = '\0';
	fake_node_rconn(n)->state = RCONN_UP;
	fake_node_changed(n);
}

void
fx_node_refuses(void)
{
	struct node *n = fx_local();
	struct node_state *st = fake_node_state(n);
	struct rconn *c = fake_node_rconn(n);

	st->answered = true;
	st->reachable = false;
	st->refused = true;
	st->unreachable_since = loop_now();
	c->state = RCONN_DOWN;
	snprintf(c->last_error, sizeof(c->last_error), "Connection refused");
	fake_node_changed(n);
}

static void
set_view(size_t i, char c)
{
	struct sentinel *s = fx_sentinel(i);
	struct sentinel_view *sv = fake_sentinel_view(s, FX_MASTER);
	struct rconn *cmd = fake_sentinel_rconn(s);
	const char *named = NULL;

	if (c == '-')
		return;
	fake_sentinel_answered(s, FX_MASTER, true);
	sv->reachable = c != 'x';
	sv->has_master = false;
	cmd->state = RCONN_UP;
	cmd->last_error[0] = '\0';
	switch (c) {
	case 'u': named = FX_US; break;
	case 'o': named = FX_OTHER; break;
	case 't': named = FX_THIRD; break;
	case 'D': named = "db1.test:6379"; break;
	case 'n': break;
	case 'x':
		sv->unreachable_since = loop_now();
		cmd->state = RCONN_DOWN;
		snprintf(cmd->last_error, sizeof(cmd->last_error),
		    "Connection refused");
		break;
	default:
		fail_msg("unknown view '%c'", c);
	}
	if (named) {
		sv->has_master = true;
		assert_int_equal(hostport_parse(named, &sv->master), 0);
	}
}

void
fx_views(const char *views)
{
	assert_int_equal(strlen(views), FX_N);
	for (size_t i = 0; i < FX_N; i++)
		set_view(i, views[i]);
	/* one answer that changes the picture, as a poll round ends */
	fake_sentinel_changed(fx_sentinel(0), FX_MASTER);
}

void
fx_view_quiet(size_t i, char c)
{
	set_view(i, c);
}

void
fx_view(size_t i, char c)
{
	set_view(i, c);
	fake_sentinel_changed(fx_sentinel(i), FX_MASTER);
}

void
fx_params(size_t i, uint64_t down_after)
{
	struct sentinel *s = fx_sentinel(i);

	fake_sentinel_params(s, FX_MASTER)->down_after = down_after;
	fake_sentinel_params(s, FX_MASTER)->quorum = 2;
	fake_sentinel_changed(s, FX_MASTER);
}

void
fx_netlink(void)
{
	struct nlwatch_event ev;

	while (fake_netlink_next(&ev))
		vip_netlink(fx.v, &ev);
}

void
fx_nl_addr(bool add, const char *prefix)
{
	struct nlwatch_event ev;

	memset(&ev, 0, sizeof(ev));
	if (add)
		fake_addr_put(FX_IFINDEX, prefix);
	else
		fake_addr_remove(FX_IFINDEX, prefix);
	ev.kind = add ? NLWATCH_ADDR_NEW : NLWATCH_ADDR_DEL;
	ev.ifindex = FX_IFINDEX;
	snprintf(ev.ifname, sizeof(ev.ifname), FX_IF);
	assert_int_equal(prefix_parse(prefix, &ev.addr), 0);
	vip_netlink(fx.v, &ev);
}

void
fx_link(bool present, bool up)
{
	struct nlwatch_event ev;

	memset(&ev, 0, sizeof(ev));
	fake_if_set(FX_IF, present ? FX_IFINDEX : 0, up, fx.noarp);
	ev.kind = present ? NLWATCH_LINK : NLWATCH_LINK_DEL;
	ev.ifindex = FX_IFINDEX;
	snprintf(ev.ifname, sizeof(ev.ifname), FX_IF);
	ev.up = up;
	vip_netlink(fx.v, &ev);
}

void
fx_status(struct vip_status *st)
{
	vip_get_status(fx.v, st);
}

bool
fx_holds(void)
{
	const struct vip_config *c = &fx.cfg->vips[0];
	char a[NETADDR_STRLEN];

	for (size_t i = 0; i < c->n_addresses; i++)
		if (!fake_addr_on(FX_IFINDEX, prefix_fmt(&c->addresses[i], a,
		    sizeof(a))))
			return false;
	return true;
}

void
fx_claim(void)
{
	fx_node(NODE_ROLE_MASTER);
	fx_views("uuu");
	if (fake_probe_running())
		fake_probe_finish(NULL);
	fx_netlink();
	if (!fx_holds()) {
		fake_log_dump();
		fail_msg("the claim did not put the VIP on " FX_IF);
	}
}

void
fx_leader_promotes_us(size_t i)
{
	struct sentinel_view *l = fake_sentinel_view(fx_sentinel(i), FX_MASTER);

	l->failover = true;
	l->failover_epoch = 7;
	l->failover_since = loop_now();
	assert_int_equal(hostport_parse(FX_OTHER, &l->failover_from), 0);
	l->promoting = true;
	assert_int_equal(hostport_parse(FX_US, &l->promoting_to), 0);
	fake_sentinel_changed(fx_sentinel(i), FX_MASTER);
}

void
fx_assert_hook(size_t i, const char *state, const char *reason)
{
	const struct fake_hook *h = fake_hook(i);

	if (!h) {
		fake_log_dump();
		fail_msg("hook run %zu did not happen (%zu runs)", i,
		    fake_hooks());
	}
	assert_string_equal(h->name, FX_MASTER);
	assert_string_equal(h->state, state);
	assert_string_equal(h->interface, FX_IF);
	if (reason && !strstr(h->reason, reason))
		fail_msg("hook run %zu: reason \"%s\" lacks \"%s\"", i,
		    h->reason, reason);
}
