/* vip_fakes: the outside world of vip.c, in memory (see vip_fakes.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "notify.h"
#include "probe.h"
#include "refuse.h"
#include "resolve.h"
#include "vip_fakes.h"

/* ---- interfaces and addresses ------------------------------------------ */

struct addr_ctx {
	int unused;
};

static struct addr_ctx the_addr_ctx;
static struct nlwatch_link ifs[8];
static char if_names[8][16];
static size_t n_ifs;
static struct {
	int ifindex;
	struct prefix p;
} addrs[FAKE_MAX];
static size_t n_addrs;
static struct nlwatch_event events[FAKE_MAX];
static size_t ev_head, ev_count;

int fake_link_get_error;
int fake_addr_add_error, fake_addr_del_error;
int fake_addr_add_fail_family;
unsigned int fake_addr_adds, fake_addr_dels, fake_addr_add_while_refusing;

struct addr_ctx *
fake_addr_ctx(void)
{
	return &the_addr_ctx;
}

static struct prefix
parse_prefix(const char *s)
{
	struct prefix p;

	if (prefix_parse(s, &p) < 0)
		fake_die("bad prefix in a test");
	return p;
}

static bool
prefix_same(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && netaddr_equal(&a->addr, &b->addr);
}

static size_t
addr_find(int ifindex, const struct prefix *p)
{
	for (size_t i = 0; i < n_addrs; i++)
		if (addrs[i].ifindex == ifindex && prefix_same(&addrs[i].p, p))
			return i;
	return n_addrs;
}

static bool
if_exists(int ifindex)
{
	for (size_t i = 0; i < n_ifs; i++)
		if (ifs[i].ifindex == ifindex)
			return ifindex > 0;
	return false;
}

static void
queue_event(enum nlwatch_kind kind, int ifindex, const struct prefix *p)
{
	struct nlwatch_event *ev;

	if (ev_count == FAKE_MAX)
		fake_die("too many netlink events queued");
	ev = &events[(ev_head + ev_count++) % FAKE_MAX];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->ifindex = ifindex;
	ev->addr = *p;
	for (size_t i = 0; i < n_ifs; i++)
		if (ifs[i].ifindex == ifindex)
			snprintf(ev->ifname, sizeof(ev->ifname), "%s",
			    if_names[i]);
}

bool
fake_netlink_next(struct nlwatch_event *ev)
{
	if (!ev_count)
		return false;
	*ev = events[ev_head];
	ev_head = (ev_head + 1) % FAKE_MAX;
	ev_count--;
	return true;
}

void
fake_if_set(const char *name, int ifindex, bool up, bool noarp)
{
	size_t i;

	for (i = 0; i < n_ifs && strcmp(if_names[i], name) != 0; i++)
		;
	if (i == n_ifs) {
		if (n_ifs == sizeof(ifs) / sizeof(ifs[0]))
			fake_die("too many interfaces");
		snprintf(if_names[n_ifs++], sizeof(if_names[0]), "%s", name);
	}
	/* the kernel drops a removed interface's addresses */
	for (size_t j = 0; ifs[i].ifindex && ifs[i].ifindex != ifindex &&
	    j < n_addrs; ) {
		if (addrs[j].ifindex == ifs[i].ifindex)
			addrs[j] = addrs[--n_addrs];
		else
			j++;
	}
	ifs[i].ifindex = ifindex;
	ifs[i].up = ifindex > 0 && up;
	ifs[i].noarp = noarp;
}

int
nlwatch_link_get(const char *ifname, struct nlwatch_link *out)
{
	memset(out, 0, sizeof(*out));
	if (fake_link_get_error)
		return fake_link_get_error;
	for (size_t i = 0; i < n_ifs; i++)
		if (strcmp(if_names[i], ifname) == 0)
			*out = ifs[i];
	return 0;
}

void
fake_addr_put(int ifindex, const char *prefix)
{
	struct prefix p = parse_prefix(prefix);

	if (addr_find(ifindex, &p) < n_addrs)
		return;
	if (n_addrs == FAKE_MAX)
		fake_die("too many addresses");
	addrs[n_addrs].ifindex = ifindex;
	addrs[n_addrs++].p = p;
}

void
fake_addr_remove(int ifindex, const char *prefix)
{
	struct prefix p = parse_prefix(prefix);
	size_t i = addr_find(ifindex, &p);

	if (i < n_addrs)
		addrs[i] = addrs[--n_addrs];
}

bool
fake_addr_on(int ifindex, const char *prefix)
{
	struct prefix p = parse_prefix(prefix);

	return addr_find(ifindex, &p) < n_addrs;
}

size_t
fake_addr_count(int ifindex)
{
	size_t n = 0;

	for (size_t i = 0; i < n_addrs; i++)
		n += addrs[i].ifindex == ifindex;
	return n;
}

int
addr_add(struct addr_ctx *a, int ifindex, const char *ifname,
    const struct prefix *vip)
{
	(void)ifname;
	if (a != &the_addr_ctx)
		fake_die("addr_add: not the context vipd was given");
	fake_addr_adds++;
	if (fake_refuse_running() && fake_refuse_ifindex() == ifindex)
		fake_addr_add_while_refusing++;
	if (fake_addr_add_error && (!fake_addr_add_fail_family ||
	    fake_addr_add_fail_family == vip->addr.family))
		return fake_addr_add_error;
	if (!if_exists(ifindex))
		return -ENODEV;
	if (addr_find(ifindex, vip) == n_addrs) {
		if (n_addrs == FAKE_MAX)
			fake_die("too many addresses");
		addrs[n_addrs].ifindex = ifindex;
		addrs[n_addrs++].p = *vip;
	}
	/* a replace refreshes the lifetimes: the kernel says so too */
	queue_event(NLWATCH_ADDR_NEW, ifindex, vip);
	return 0;
}

int
addr_del(struct addr_ctx *a, int ifindex, const struct prefix *vip)
{
	size_t i;

	if (a != &the_addr_ctx)
		fake_die("addr_del: not the context vipd was given");
	fake_addr_dels++;
	if (fake_addr_del_error)
		return fake_addr_del_error;
	if (!if_exists(ifindex))
		return -ENODEV;
	i = addr_find(ifindex, vip);
	if (i < n_addrs) {
		addrs[i] = addrs[--n_addrs];
		queue_event(NLWATCH_ADDR_DEL, ifindex, vip);
	}
	return 0;
}

int
addr_present(struct addr_ctx *a, int ifindex, const struct prefix *vip)
{
	(void)a;
	return addr_find(ifindex, vip) < n_addrs;
}

/* ---- notify ------------------------------------------------------------ */

struct notify {
	int unused;
};

static struct fake_hook hooks[FAKE_MAX];
static size_t n_hooks;
unsigned int fake_notify_released;

struct notify *
notify_new(struct loop *l, const char *program, unsigned int timeout_ms,
    const char *label)
{
	(void)l, (void)program, (void)timeout_ms, (void)label;
	return calloc(1, sizeof(struct notify));
}

void
notify_release(struct notify *n)
{
	if (!n)
		return;
	fake_notify_released++;
	free(n);
}

void
notify_run(struct notify *n, const char *name, const char *state,
    const char *address, const char *interface, const char *reason)
{
	struct fake_hook *h;

	(void)n;
	if (n_hooks == FAKE_MAX)
		fake_die("too many hook runs");
	h = &hooks[n_hooks++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->state, sizeof(h->state), "%s", state);
	snprintf(h->address, sizeof(h->address), "%s", address);
	snprintf(h->interface, sizeof(h->interface), "%s", interface);
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
}

size_t
fake_hooks(void)
{
	return n_hooks;
}

const struct fake_hook *
fake_hook(size_t i)
{
	return i < n_hooks ? &hooks[i] : NULL;
}

/* ---- resolve ----------------------------------------------------------- */

struct resolver {
	int unused;
};

static struct resolver the_resolver;
static struct {
	char name[NETADDR_NAME_MAX];
	struct resolve_result r;
} names[8];
static size_t n_names;

struct resolver *
fake_resolver(void)
{
	return &the_resolver;
}

void
fake_resolve_set(const char *name, const char *list)
{
	char buf[256], *save = NULL;
	size_t i;

	for (i = 0; i < n_names && strcmp(names[i].name, name) != 0; i++)
		;
	if (i == n_names) {
		if (n_names == sizeof(names) / sizeof(names[0]))
			fake_die("too many names");
		n_names++;
	}
	memset(&names[i], 0, sizeof(names[i]));
	snprintf(names[i].name, sizeof(names[i].name), "%s", name);
	names[i].r.state = RESOLVE_OK;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t;
	    t = strtok_r(NULL, ",", &save))
		if (names[i].r.n < RESOLVE_MAX_ADDRS &&
		    netaddr_parse(t, &names[i].r.addrs[names[i].r.n++]) < 0)
			fake_die("bad address in a test");
}

const struct resolve_result *
resolver_get(struct resolver *r, const char *name)
{
	static struct resolve_result pending;

	if (r != &the_resolver)
		fake_die("resolver_get: not the resolver vipd was given");
	for (size_t i = 0; i < n_names; i++)
		if (netaddr_name_equal(names[i].name, name))
			return &names[i].r;
	memset(&pending, 0, sizeof(pending));
	return &pending;
}

/* ---- reset ------------------------------------------------------------- */

void
fake_reset(void)
{
	fake_loop_reset();
	n_ifs = n_addrs = ev_head = ev_count = 0;
	memset(ifs, 0, sizeof(ifs));
	fake_link_get_error = fake_addr_add_error = fake_addr_del_error = 0;
	fake_addr_add_fail_family = 0;
	fake_addr_adds = fake_addr_dels = fake_addr_add_while_refusing = 0;
	fake_watch_reset();
	fake_wire_reset();
	n_hooks = 0;
	fake_notify_released = 0;
	n_names = 0;
}
