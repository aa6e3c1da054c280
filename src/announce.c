/* announce: the frames that follow a claim (see announce.h). */
#include <stdio.h>
#include <string.h>

#include "announce.h"
#include "garp.h"
#include "log.h"

static void
announce_tick(void *arg)
{
	struct announce *a = arg;
	char addr[NETADDR_STRLEN];
	int rc;

	for (size_t i = 0; i < a->n; i++) {
		rc = garp_send(a->ifindex, &a->addrs[i].addr);
		if (rc < 0)
			log_warn("%s: announcing %s on %s failed: %s", a->label,
			    prefix_fmt(&a->addrs[i], addr, sizeof(addr)),
			    a->ifname, strerror(-rc));
		else
			a->frames += (uint64_t)rc;
	}
	if (a->left > 0)
		a->left--;
	if (a->left > 0) {
		loop_timer_arm(a->loop, &a->timer, a->interval);
	} else if (a->phase == ANNOUNCE_FIRST_BURST && a->repeat_delay > 0) {
		a->phase = ANNOUNCE_SECOND_BURST;
		a->left = a->count;
		loop_timer_arm(a->loop, &a->timer, a->repeat_delay);
	} else if (a->refresh > 0) {
		a->phase = ANNOUNCE_REFRESH;
		a->left = 1;
		loop_timer_arm(a->loop, &a->timer, a->refresh);
	}
}

void
announce_init(struct announce *a, struct loop *l, const char *label)
{
	memset(a, 0, sizeof(*a));
	a->loop = l;
	snprintf(a->label, sizeof(a->label), "%s", label);
	loop_timer_init(&a->timer, announce_tick, a);
}

void
announce_start(struct announce *a, int ifindex, const struct vip_config *cfg)
{
	loop_timer_cancel(a->loop, &a->timer);
	a->ifindex = ifindex;
	snprintf(a->ifname, sizeof(a->ifname), "%s", cfg->interface);
	a->n = cfg->n_addresses;
	memcpy(a->addrs, cfg->addresses, a->n * sizeof(a->addrs[0]));
	a->count = cfg->garp_count;
	a->interval = cfg->garp_interval;
	a->repeat_delay = cfg->garp_repeat_delay;
	a->refresh = cfg->garp_refresh;
	a->phase = ANNOUNCE_FIRST_BURST;
	a->left = a->count;
	announce_tick(a);	/* the first frames go out now */
}

void
announce_stop(struct announce *a)
{
	loop_timer_cancel(a->loop, &a->timer);
}
