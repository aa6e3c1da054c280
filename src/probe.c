/* probe: placeholder: reports "nobody answered" after the probe time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "probe.h"

struct probe {
	struct loop *l;
	struct loop_timer t;
	void (*done)(void *arg, const struct probe_result *r);
	void *arg;
};

static void
probe_fire(void *arg)
{
	struct probe *p = arg;
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	r.error = -ENOSYS;
	p->done(p->arg, &r);
}

struct probe *
probe_start(struct loop *l, int ifindex, const struct netaddr *addrs,
    size_t n, unsigned int count, unsigned int interval_ms,
    void (*done)(void *arg, const struct probe_result *r), void *arg)
{
	struct probe *p = calloc(1, sizeof(*p));

	(void)ifindex; (void)addrs; (void)n;
	if (!p)
		return NULL;
	p->l = l;
	p->done = done;
	p->arg = arg;
	loop_timer_init(&p->t, probe_fire, p);
	loop_timer_arm(l, &p->t, (uint64_t)(count + 1) * interval_ms);
	return p;
}

void
probe_cancel(struct probe *p)
{
	if (!p)
		return;
	loop_timer_cancel(p->l, &p->t);
	free(p);
}
