/* vip_fakes_wire: the probe under wirecheck.c, announce and refuse, as
 * recorders (see vip_fakes.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "refuse.h"
#include "vip_fakes.h"

/* ---- probe ------------------------------------------------------------- */

struct probe {
	void (*done)(void *arg, const struct probe_result *r);
	void *arg;
	int ifindex;
	size_t n;
	struct netaddr addrs[PROBE_ADDRS_MAX];
};

static struct probe *probes[8];
static size_t n_probes;
int fake_probe_start_error;
unsigned int fake_probes_started, fake_probes_cancelled;

struct probe *
probe_start(struct loop *l, int ifindex, const struct netaddr *a, size_t n,
    unsigned int count, unsigned int interval_ms,
    void (*done)(void *arg, const struct probe_result *r), void *arg)
{
	struct probe *p;

	if (l != fake_loop())
		fake_die("probe_start: not the loop vipd was given");
	if (fake_probe_start_error) {
		errno = fake_probe_start_error;
		return NULL;
	}
	if (!n || n > PROBE_ADDRS_MAX || !count || !interval_ms || !done ||
	    ifindex <= 0) {
		errno = EINVAL;
		return NULL;
	}
	if (n_probes == sizeof(probes) / sizeof(probes[0]) ||
	    !(p = calloc(1, sizeof(*p))))
		fake_die("too many probes");
	p->done = done;
	p->arg = arg;
	p->ifindex = ifindex;
	p->n = n;
	memcpy(p->addrs, a, n * sizeof(*a));
	probes[n_probes++] = p;
	fake_probes_started++;
	return p;
}

static void
probe_forget(struct probe *p)
{
	for (size_t i = 0; i < n_probes; i++) {
		if (probes[i] == p) {
			memmove(&probes[i], &probes[i + 1],
			    (n_probes - i - 1) * sizeof(probes[0]));
			n_probes--;
			return;
		}
	}
	fake_die("a probe that is not running");
}

void
probe_cancel(struct probe *p)
{
	if (!p)
		return;
	probe_forget(p);
	fake_probes_cancelled++;
	free(p);
}

bool
fake_probe_running(void)
{
	return n_probes > 0;
}

int
fake_probe_ifindex(void)
{
	return n_probes ? probes[0]->ifindex : 0;
}

size_t
fake_probe_addrs(struct netaddr *out, size_t max)
{
	size_t n = n_probes ? probes[0]->n : 0;

	n = n < max ? n : max;
	memcpy(out, probes[0]->addrs, n * sizeof(*out));
	return n;
}

void
fake_probe_finish(const uint8_t *mac)
{
	struct probe *p;
	struct probe_result r;

	if (!n_probes)
		fake_die("no probe is running");
	p = probes[0];
	probe_forget(p);
	memset(&r, 0, sizeof(r));
	if (mac) {
		r.answered = true;
		r.addr = p->addrs[0];
		memcpy(r.mac, mac, sizeof(r.mac));
	}
	p->done(p->arg, &r);
	free(p);
}

/* ---- announce ---------------------------------------------------------- */

static struct announce *announcing[FAKE_MAX];
static size_t n_announcing;
static int announce_ifindex;
unsigned int fake_announce_starts, fake_announce_stops;

void
announce_init(struct announce *a, struct loop *l, const char *label)
{
	memset(a, 0, sizeof(*a));
	a->loop = l;
	snprintf(a->label, sizeof(a->label), "%s", label);
}

void
announce_stop(struct announce *a)
{
	for (size_t i = 0; i < n_announcing; i++) {
		if (announcing[i] == a) {
			announcing[i] = announcing[--n_announcing];
			fake_announce_stops++;
			return;
		}
	}
}

void
announce_start(struct announce *a, int ifindex, const struct vip_config *cfg)
{
	announce_stop(a);
	if (n_announcing == FAKE_MAX)
		fake_die("too many announcements");
	a->ifindex = ifindex;
	a->n = cfg->n_addresses;
	memcpy(a->addrs, cfg->addresses, a->n * sizeof(a->addrs[0]));
	a->frames += a->n;		/* the first frames go out now */
	announcing[n_announcing++] = a;
	announce_ifindex = ifindex;
	fake_announce_starts++;
}

bool
fake_announce_running(void)
{
	return n_announcing > 0;
}

int
fake_announce_ifindex(void)
{
	return announce_ifindex;
}

/* ---- refuse ------------------------------------------------------------ */

struct refuse {
	int ifindex;
	size_t n;
	bool forward;
};

static struct refuse *refusing;
int fake_refuse_start_error;
bool fake_refuse_keeps;
unsigned int fake_refuse_starts, fake_refuse_stops;
static int refuse_ifindex;
static size_t refuse_n;

struct refuse *
refuse_start(struct loop *l, int ifindex, const struct netaddr *a, size_t n,
    bool keep)
{
	(void)a;
	fake_refuse_keeps = keep;
	if (l != fake_loop())
		fake_die("refuse_start: not the loop vipd was given");
	if (fake_refuse_start_error) {
		errno = fake_refuse_start_error;
		return NULL;
	}
	if (refusing)
		fake_die("a second refuse on one VIP");
	if (!(refusing = calloc(1, sizeof(*refusing))))
		fake_die("out of memory");
	refusing->ifindex = refuse_ifindex = ifindex;
	refusing->n = refuse_n = n;
	fake_refuse_starts++;
	return refusing;
}

void
refuse_stop(struct refuse *r)
{
	if (!r)
		return;
	if (r != refusing)
		fake_die("refuse_stop: not the one running");
	free(refusing);
	refusing = NULL;
	fake_refuse_stops++;
}

void
refuse_may_forward(struct refuse *r, bool ok)
{
	if (!r)
		return;
	if (r != refusing)
		fake_die("refuse_may_forward: not the one running");
	r->forward = ok;
}

void
refuse_drain(struct refuse *r)
{
	if (r && r != refusing)
		fake_die("refuse_drain: not the one running");
}

uint64_t
refuse_count(const struct refuse *r)
{
	(void)r;
	return 0;
}

uint64_t
refuse_forwarded(const struct refuse *r)
{
	(void)r;
	return 0;
}

bool
fake_refuse_forwarding(void)
{
	return refusing && refusing->forward;
}

bool
fake_refuse_running(void)
{
	return refusing != NULL;
}

int
fake_refuse_ifindex(void)
{
	return refuse_ifindex;
}

size_t
fake_refuse_addrs(void)
{
	return refuse_n;
}

void
fake_wire_reset(void)
{
	while (n_probes)
		probe_cancel(probes[0]);
	fake_probe_start_error = 0;
	fake_probes_started = fake_probes_cancelled = 0;
	n_announcing = 0;
	announce_ifindex = 0;
	fake_announce_starts = fake_announce_stops = 0;
	free(refusing);
	refusing = NULL;
	fake_refuse_start_error = 0;
	fake_refuse_starts = fake_refuse_stops = 0;
	refuse_ifindex = 0;
	refuse_n = 0;
}
